// Reference for `npm run bench:floor`: bare node:http + mysql2 doing the service's reads — the primary-key read of
// `GET /{type}/{id}`, the page of `GET /{type}?limit=10` and the all-time top of `GET /stats/top/{type}` — with the
// same JSON bodies, and nothing else (no validation, no errors, no telemetry).
'use strict';
const http = require('node:http');
const mysql = require('mysql2/promise');

const pool = mysql.createPool({ uri: process.env.DATABASE_URL, connectionLimit: 10, timezone: 'Z' });
const { toAsset } = require('../lib/asset-row.cjs');
const send = (res, status, body) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

http
  .createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://x');
      const parts = url.pathname.split('/').filter(Boolean);
      if (parts[0] === 'stats') {
        const [rows] = await pool.execute('SELECT asset_id, hits FROM asset_access_total WHERE resource_type = ? ORDER BY hits DESC, asset_id LIMIT 10', [parts[2]]);
        return send(res, 200, rows.map((r) => ({ asset_id: r.asset_id, hits: Number(r.hits) })));
      }
      if (parts.length === 2) {
        const [rows] = await pool.execute('SELECT * FROM assets WHERE id = ? AND resource_type = ? LIMIT 1', [parts[1], parts[0]]);
        return rows[0] ? send(res, 200, toAsset(rows[0])) : send(res, 404, { error: { status: 404 } });
      }
      const limit = Number(url.searchParams.get('limit') ?? 10);
      const [[page], [count]] = await Promise.all([
        pool.execute('SELECT * FROM assets WHERE resource_type = ? ORDER BY id LIMIT ? OFFSET 0', [parts[0], String(limit)]),
        pool.execute('SELECT COUNT(*) AS total FROM assets WHERE resource_type = ?', [parts[0]]),
      ]);
      return send(res, 200, { total: count[0].total, offset: 0, limit, items: page.map(toAsset) });
    } catch (err) {
      send(res, 500, { error: String(err) });
    }
  })
  .listen(Number(process.env.PORT), '127.0.0.1');

// Exit cleanly on SIGTERM (the bench stops servers so; a profiler writes its profile on exit).
process.on('SIGTERM', () => process.exit(0));
