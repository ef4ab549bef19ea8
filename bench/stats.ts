/**
 * `npm run bench:stats`: popularity queries and access-log ingest, side by side with the reference in one run.
 *
 * 1. Seeds BENCH_ROWS (default 10 M) access rows over 100 k assets and 90 days with skewed popularity, directly in
 *    MariaDB (sequence engine), then builds the aggregates the writer maintains.
 * 2. p50/p99 of `GET /stats/top/datasets` all-time and `?window=24h` over HTTP, and of our SQL alone, next to the
 *    reference's plain GROUP BY over the raw table.
 * 3. Ingest: rows/s the writer puts into MariaDB.
 * 4. Throughput of `GET /datasets/{id}` with the access log on vs off (alternating wrk slices).
 */
import { Agent as HttpAgent, get as httpGet } from 'node:http';
import mysql from 'mysql2/promise';
import { createNoopMeter } from '@opentelemetry/api';
import { Database } from '../src/db';
import { AccessLogRepository } from '../src/access-log/access-log-repository';
import { AccessLogWriter } from '../src/access-log/access-log-writer';
import { createLogger } from '../src/lifecycle/logger';
import { wrkThroughput } from './lib/load';
import { machineLine, median, writeSection } from './lib/report';
import { ServerProcess } from './lib/server-process';
import { WindowSnapshot } from '../src/stats/window-snapshot';
import { percentile, timeRuns } from './lib/timing';

const ROWS = Number(process.env.BENCH_ROWS ?? 10_000_000);
const ASSETS = 100_000;
const DAYS = 90;
const SERVER_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';
const DB_NAME = 'bench_stats';
const DATABASE_URL = `${SERVER_URL.replace(/\/$/, '')}/${DB_NAME}`;
const TYPES = ['datasets', 'models', 'publications', 'experiments', 'services', 'projects', 'organisations', 'educational_resources'];
const logger = createLogger('warn');

async function timeIt(n: number, fn: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const durations = await timeRuns(n, fn);
  return { p50: percentile(durations, 0.5), p99: percentile(durations, 0.99) };
}

async function seed(conn: mysql.Connection): Promise<number> {
  const started = performance.now();
  const chunk = 1_000_000;
  // Popularity skew: asset rank = ASSETS * u^3 (u uniform), so low ranks are hit far more often.
  await conn.query(`SET @start = UTC_TIMESTAMP(3) - INTERVAL ${DAYS} DAY`);
  for (let done = 0; done < ROWS; done += chunk) {
    const n = Math.min(chunk, ROWS - done);
    await conn.query(
      `INSERT INTO asset_access_log (asset_id, resource_type, method, status, accessed_at)
       SELECT CONCAT('data_', LPAD(FLOOR(${ASSETS} * POW(RAND(), 3)), 24, '0')),
              ELT(1 + FLOOR(POW(RAND(), 2) * ${TYPES.length}), ${TYPES.map((t) => `'${t}'`).join(',')}),
              IF(RAND() < 0.9, 'GET', ELT(1 + FLOOR(RAND() * 3), 'PUT', 'DELETE', 'POST')),
              IF(RAND() < 0.93, 200, 404),
              -- Evenly spread over the period in insertion order (with jitter inside each step): index inserts
              -- become appends, which keeps seeding fast with MariaDB's default 128 MB buffer pool.
              @start + INTERVAL FLOOR((${done} + seq + RAND()) * ${(DAYS * 86_400_000_000) / ROWS}) MICROSECOND
       FROM seq_1_to_${n}`,
    );
    console.log(`seeded ${done + n} rows`);
  }
  await conn.query(`INSERT INTO asset_access_hourly (resource_type, hour_start, asset_id, hits)
    SELECT resource_type, DATE_FORMAT(accessed_at, '%Y-%m-%d %H:00:00'), asset_id, COUNT(*) FROM asset_access_log
    WHERE method = 'GET' AND status = 200 GROUP BY 1, 2, 3`);
  await conn.query(`INSERT INTO asset_access_total (resource_type, asset_id, hits)
    SELECT resource_type, asset_id, COUNT(*) FROM asset_access_log WHERE method = 'GET' AND status = 200 GROUP BY 1, 2`);
  await conn.query('ANALYZE TABLE asset_access_log, asset_access_hourly, asset_access_total');
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const admin = await mysql.createConnection({ uri: SERVER_URL });
  await admin.query(`DROP DATABASE IF EXISTS \`${DB_NAME}\``);
  await admin.end();
  const database = new Database(
    { url: DATABASE_URL, migrateOnStart: true, poolSize: 4, connectTimeoutMs: 2000, retryIntervalMs: 1000 },
    logger,
  );
  await database.startPreparing();
  if (!database.isReady) throw new Error('could not prepare the bench database');
  const conn = await mysql.createConnection({ uri: DATABASE_URL, timezone: 'Z' });
  const seedSeconds = await seed(conn);
  const [[counts]] = (await conn.query(
    'SELECT (SELECT COUNT(*) FROM asset_access_log) AS raw_rows, (SELECT COUNT(*) FROM asset_access_hourly) AS hourly_rows, (SELECT COUNT(*) FROM asset_access_total) AS total_rows',
  )) as unknown as [[Record<string, number>]];
  console.log(counts, `seeded in ${seedSeconds.toFixed(0)} s`);

  // --- Queries.
  const reference = (window: boolean) =>
    conn.query(
      `SELECT asset_id, COUNT(*) AS hits FROM asset_access_log WHERE resource_type = ? AND status = 200 ${window ? 'AND accessed_at >= UTC_TIMESTAMP() - INTERVAL 1 DAY' : ''} GROUP BY asset_id ORDER BY COUNT(*) DESC LIMIT 10`,
      ['datasets'],
    );
  const server = new ServerProcess({ DATABASE_URL, ACCESS_LOG_ENABLED: 'false' }, 0);
  await server.start('/ready');
  // The service builds the 24-hour window snapshot once the database is ready; wait for it.
  const snapshotStarted = performance.now();
  for (;;) {
    const [[state]] = (await conn.query('SELECT built_at FROM asset_access_window_state WHERE id = 1')) as unknown as [[{ built_at: Date | null }]];
    if (state.built_at) break;
    if (performance.now() - snapshotStarted > 300_000) throw new Error('window snapshot not built');
    await new Promise((r) => setTimeout(r, 200));
  }
  // Time one full rebuild (what the hourly job costs): forget the built range, rebuild.
  await conn.query("UPDATE asset_access_window_state SET to_hour = '1970-01-01' WHERE id = 1");
  const rebuildStarted = performance.now();
  await new WindowSnapshot(database, logger, { intervalMs: 3_600_000, settleMs: 120_000 }).rebuildIfStale();
  const snapshotSeconds = (performance.now() - rebuildStarted) / 1000;
  // A keep-alive client on the other core: the numbers are the server's, not undici's fetch.
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  const http = (q: string) => () =>
    new Promise<void>((resolve, reject) => {
      httpGet(`${server.url}${q}`, { agent }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`${q} answered ${res.statusCode}`));
        res.resume();
        res.on('end', () => resolve());
      }).on('error', reject);
    });
  await timeIt(200, http('/stats/top/datasets')); // warm-up: JIT, pool
  await timeIt(200, http('/stats/top/datasets?window=24h'));
  const floor = await timeIt(1000, http('/health'));
  const oursAll = await timeIt(1000, http('/stats/top/datasets'));
  const oursDay = await timeIt(1000, http('/stats/top/datasets?window=24h'));
  agent.destroy();
  await server.stop();
  const { StatsRepository } = await import('../src/stats/stats-repository');
  const stats = new StatsRepository(database);
  const sqlAll = await timeIt(500, () => stats.top('datasets', 10));
  const sqlDay = await timeIt(500, () => stats.top('datasets', 10, Date.now() - 86_400_000));
  const sqlDayGeneral = await timeIt(200, () => stats.topWithoutSnapshot('datasets', 10, Date.now() - 86_400_000));
  const refAll = await timeIt(Number(process.env.BENCH_REFERENCE_RUNS ?? 5), () => reference(false));
  const refDay = await timeIt(Number(process.env.BENCH_REFERENCE_RUNS ?? 5), () => reference(true));

  // --- Ingest: how fast the writer drains a backlog into MariaDB (default batch size, and a larger one).
  const ingest: string[] = [];
  for (const [batchSize, writeConcurrency] of [[500, 1], [500, 2], [2000, 2]] as const) {
    const writer = new AccessLogWriter(
      new AccessLogRepository(database),
      { flushIntervalMs: 10, batchSize, writeConcurrency, maxQueue: 2_000_000, shutdownTimeoutMs: 600_000 },
      createNoopMeter(),
      logger,
    );
    const n = 200_000;
    const now = Date.now();
    for (let i = 0; i < n; i++) {
      const rank = Math.floor(ASSETS * Math.random() ** 3);
      writer.enqueue({ assetId: `data_${String(rank).padStart(24, '0')}`, resourceType: 'datasets', method: 'GET', status: 200, accessedAt: now - (i % 3_600_000) });
    }
    const started = performance.now();
    writer.start();
    await writer.stop();
    const seconds = (performance.now() - started) / 1000;
    if (writer.stats.written !== n) throw new Error(`ingest wrote ${writer.stats.written} of ${n}`);
    ingest.push(`| ${batchSize} | ${writeConcurrency}${batchSize === 500 && writeConcurrency === 2 ? ' (default)' : ''} | ${n.toLocaleString('en')} | ${seconds.toFixed(1)} | ${Math.round(n / seconds).toLocaleString('en')} |`);
  }
  await conn.end();

  // --- GET /datasets/{id}: access log on vs off, alternating slices.
  const seedServer = new ServerProcess({ DATABASE_URL }, 0);
  await seedServer.start('/ready');
  const { identifier } = (await (
    await fetch(`${seedServer.url}/datasets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"b"}' })
  ).json()) as { identifier: string };
  await seedServer.stop();
  const on = new ServerProcess({ DATABASE_URL, ACCESS_LOG_ENABLED: 'true' }, 0);
  const off = new ServerProcess({ DATABASE_URL, ACCESS_LOG_ENABLED: 'false' }, 0);
  await on.start('/ready');
  await off.start('/ready');
  const seconds = Number(process.env.BENCH_SECONDS ?? 3);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
  wrkThroughput(`${on.url}/datasets/${identifier}`, 2);
  wrkThroughput(`${off.url}/datasets/${identifier}`, 2);
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  const onRps: number[] = [];
  const offRps: number[] = [];
  const onCpu: number[] = [];
  const offCpu: number[] = [];
  const slice = (server: ServerProcess) => {
    const cpuBefore = server.cpuSeconds();
    const rps = wrkThroughput(`${server.url}/datasets/${identifier}`, seconds);
    return { rps, cpuUs: ((server.cpuSeconds() - cpuBefore) / (rps * seconds)) * 1e6 };
  };
  for (let r = 0; r < rounds; r++) {
    const o = slice(off);
    const n = slice(on);
    offRps.push(o.rps);
    onRps.push(n.rps);
    offCpu.push(o.cpuUs);
    onCpu.push(n.cpuUs);
    ratios.push(n.rps / o.rps);
    cpuRatios.push(n.cpuUs / o.cpuUs);
    console.log(`round ${r + 1}: off ${JSON.stringify(o)} on ${JSON.stringify(n)}`);
  }
  await on.stop();
  await off.stop();
  await database.close();

  const fmt = (x: { p50: number; p99: number }) => `${x.p50.toFixed(2)} | ${x.p99.toFixed(2)}`;
  writeSection(
    'stats',
    `## Popularity stats and access-log ingest (\`npm run bench:stats\`)

Command: \`BENCH_ROWS=${ROWS} npm run bench:stats\` — ${machineLine()}; MariaDB 10.11 (Debian defaults).
Data: ${Number(counts.raw_rows).toLocaleString('en')} raw rows over ${ASSETS.toLocaleString('en')} assets and ${DAYS} days (skewed popularity; 90 % GET, 93 % 200),
${Number(counts.hourly_rows).toLocaleString('en')} hourly and ${Number(counts.total_rows).toLocaleString('en')} all-time aggregate rows; seeded in ${seedSeconds.toFixed(0)} s.

| query (top 10 datasets) | p50 ms | p99 ms |
|---|---:|---:|
| floor: HTTP \`GET /health\` on the same server (no DB; this machine's own tail) | ${fmt(floor)} |
| **ours, all time, HTTP \`GET /stats/top/datasets\`** (1000 requests) | ${fmt(oursAll)} |
| **ours, last 24 h, HTTP \`?window=24h\`** (1000 requests) | ${fmt(oursDay)} |
| ours, all time, SQL only | ${fmt(sqlAll)} |
| ours, last 24 h, SQL only (snapshot + adjustments) | ${fmt(sqlDay)} |
| ours, last 24 h, SQL only, general path without the snapshot (200 runs) | ${fmt(sqlDayGeneral)} |
| reference: \`GROUP BY asset_id\` over the raw table, all time (${process.env.BENCH_REFERENCE_RUNS ?? 5} runs) | ${fmt(refAll)} |
| reference, with \`accessed_at >= now - 1 day\` (${process.env.BENCH_REFERENCE_RUNS ?? 5} runs) | ${fmt(refDay)} |

Targets: ≤ 5 ms p99 all-time, ≤ 50 ms p99 for 24 h. One rebuild of the 24-hour snapshot (hourly, in the
background, one replica) took ${snapshotSeconds.toFixed(1)} s.

Ingest — a backlog of rows drained by the writer (one transaction per batch: raw INSERT + hourly and all-time upserts):

| batch size | batches in flight | rows | seconds | rows/s |
|---:|---:|---:|---:|---:|
${ingest.join('\n')}

Target: ≥ 20 000 rows/s.

\`GET /datasets/{id}\` at saturation, access log on vs off (server on core 0, wrk on core 1, MariaDB on either; ${rounds}
alternating ${seconds} s slices; "vs off" is the median of per-round ratios):

| access log | req/s | vs off | service CPU µs/request | vs off |
|---|---:|---:|---:|---:|
| off | ${median(offRps).toFixed(0)} | — | ${median(offCpu).toFixed(1)} | — |
| on | ${median(onRps).toFixed(0)} | ${((median(ratios) - 1) * 100).toFixed(1)} % | ${median(onCpu).toFixed(1)} | ${((median(cpuRatios) - 1) * 100).toFixed(1)} % |

Target: ≤ 3 % throughput loss.`,
  );
}

void main().then(
  () => {
    const left = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    if (left.length > 0) console.error('still open after the bench:', left);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
