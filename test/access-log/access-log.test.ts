import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestService, waitFor, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { fireRequests, sampleValue, scrape } from '../support/metrics-text';

const database = new TestDatabase();
let service: TestService;
let datasetId: string;

async function rows(where = '1=1', values: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  return database.query(`SELECT asset_id, resource_type, method, status, accessed_at FROM asset_access_log WHERE ${where} ORDER BY id`, values);
}

async function flushed(): Promise<void> {
  await waitFor(async () => (service.accessLog?.queueDepth ?? 0) === 0, 5000, 'queue to drain');
  await service.accessLog?.flush();
}

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'warn', PATH_PREFIX: '/aiod', ACCESS_LOG_FLUSH_INTERVAL_MS: '50' });
  await waitUntilReady(service);
  const created = (await (await postJson(`${service.url}/datasets`, { name: 'popular' })).json()) as { identifier: string };
  datasetId = created.identifier;
});

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

describe('access log', () => {
  it('logs a 200 and a 404, with method, status and a millisecond UTC timestamp, and nothing identifying', async () => {
    const before = Date.now();
    expect((await fetch(`${service.url}/v2/datasets/${datasetId}`)).status).toBe(200);
    expect((await fetch(`${service.url}/datasets/${datasetId}/content`)).status).toBe(404);
    expect((await fetch(`${service.url}/datasets/data_missing000000000000000000`)).status).toBe(404);
    await flushed();
    const ok = await rows('asset_id = ?', [datasetId]);
    expect(ok.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'GET 404']);
    expect(ok[0]).toMatchObject({ resource_type: 'datasets', status: 200 });
    const at = (ok[0]?.accessed_at as Date).getTime();
    expect(at).toBeGreaterThanOrEqual(before - 5);
    expect(at).toBeLessThanOrEqual(Date.now());
    expect(ok[1]).toMatchObject({ resource_type: 'datasets', method: 'GET', status: 404 });
    // An id the catalogue does not hold is counted per minute, not stored (a client cannot make us write a row each).
    expect(await rows('asset_id = ?', ['data_missing000000000000000000'])).toEqual([]);
    expect(await database.query("SELECT method, status, requests FROM asset_access_folded_minute WHERE resource_type = 'datasets'")).toEqual([
      { method: 'GET', status: 404, requests: 1 },
    ]);
    const columns = await database.query<Array<{ COLUMN_NAME: string }>>(
      "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'asset_access_log' ORDER BY ORDINAL_POSITION",
    );
    expect(columns.map((c) => c.COLUMN_NAME)).toEqual(['id', 'asset_id', 'resource_type', 'method', 'status', 'accessed_at']);
  });

  it('logs a client that hangs up before the response as 499', async () => {
    const url = new URL(service.url);
    await new Promise<void>((resolve) => {
      const socket = net.connect(Number(url.port), '127.0.0.1', () => {
        // A PUT whose body never completes: the handler is still waiting for it when the client goes.
        socket.write(`PUT ${url.pathname}/datasets/${datasetId} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`);
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 100);
      });
    });
    await waitFor(async () => (await rows('asset_id = ? AND method = ?', [datasetId, 'PUT'])).length === 1, 5000, 'the abandoned PUT to be logged');
    expect((await rows('asset_id = ? AND method = ?', [datasetId, 'PUT']))[0]).toMatchObject({ resource_type: 'datasets', status: 499 });
  });

  it('does not log the POST to the collection (no id in the path)', async () => {
    expect(await rows("method = 'POST'")).toEqual([]);
  });

  it('does not log /metrics, /health, /stats or collection paths', async () => {
    const count = (await rows()).length;
    await scrape(service.url);
    await fetch(`${service.url}/health`);
    await fetch(`${service.url}/stats/top/datasets`);
    await fetch(`${service.url}/datasets`);
    await fetch(`${service.url}/v1/datasets?limit=5`);
    await flushed();
    expect((await rows()).length).toBe(count);
  });

  it('counts exactly N concurrent requests, once each despite versioned routes', async () => {
    const created = (await (await postJson(`${service.url}/models`, { name: 'bert' })).json()) as { identifier: string };
    const versions = ['', '/v1', '/v2'];
    await fireRequests((i) => `${service.url}${versions[i % 3]}/models/${created.identifier}`, 300, 30);
    await flushed();
    expect((await rows('asset_id = ?', [created.identifier])).length).toBe(300);
    const top = (await (await fetch(`${service.url}/stats/top/models`)).json()) as Array<{ asset_id: string; hits: number }>;
    expect(top[0]).toEqual({ asset_id: created.identifier, hits: 300 });
  });

  it('counts sub-resources and the generic /assets route as hits of the asset', async () => {
    await fetch(`${service.url}/assets/${datasetId}`);
    await fetch(`${service.url}/datasets/${datasetId}/content`); // no such route: 404, still an access
    await flushed();
    const logged = await rows('asset_id = ?', [datasetId]);
    expect(logged.map((r) => r.status)).toEqual(expect.arrayContaining([200, 404]));
  });

  it('reports the writer on /metrics', async () => {
    const text = await scrape(service.url);
    expect(sampleValue(text, 'access_log_rows_written_total')).toBeGreaterThanOrEqual(300);
    expect(text).toMatch(/^access_log_queue_depth \d+$/m);
    expect(text).toMatch(/^# TYPE access_log_flush_duration_seconds histogram$/m);
    expect(sampleValue(text, 'access_log_flush_errors_total')).toBe(0);
    expect(sampleValue(text, 'access_log_rows_dropped_total{reason="queue_full"}')).toBe(0);
    expect(sampleValue(text, 'access_log_rows_dropped_total{reason="shutdown"}')).toBe(0);
  });
});

describe('stats', () => {
  it('ranks by successful reads, ties broken by asset id in byte order', async () => {
    const now = Date.now();
    for (const [id, n] of [['b_tie', 3], ['B_tie', 3], ['a_tie', 3], ['only_404', 0]] as const) {
      for (let i = 0; i < n; i++) service.accessLog?.enqueue({ assetId: id, resourceType: 'services', method: 'GET', status: 200, accessedAt: now });
    }
    service.accessLog?.enqueue({ assetId: 'only_404', resourceType: 'services', method: 'GET', status: 404, accessedAt: now });
    service.accessLog?.enqueue({ assetId: 'a_tie', resourceType: 'services', method: 'PUT', status: 200, accessedAt: now });
    await flushed();
    const top = await (await fetch(`${service.url}/stats/top/services?limit=5`)).json();
    expect(top).toEqual([
      { asset_id: 'B_tie', hits: 3 },
      { asset_id: 'a_tie', hits: 3 },
      { asset_id: 'b_tie', hits: 3 },
    ]);
    expect(await (await fetch(`${service.url}/stats/top/services?limit=1`)).json()).toEqual([{ asset_id: 'B_tie', hits: 3 }]);
  });

  it('windows by since/window exactly, including a partial first hour', async () => {
    const now = Date.now();
    const enqueue = (id: string, ago: number) =>
      service.accessLog?.enqueue({ assetId: id, resourceType: 'projects', method: 'GET', status: 200, accessedAt: now - ago });
    const H = 3_600_000;
    for (let i = 0; i < 5; i++) enqueue('old', 3 * 24 * H); // three days ago
    for (let i = 0; i < 2; i++) enqueue('recent', 2 * H);
    enqueue('recent', 10 * 60_000);
    enqueue('edge_in', 24 * H - 60_000); // just inside 24h
    enqueue('edge_out', 24 * H + 60_000); // just outside
    await flushed();
    const get = async (q: string) => (await (await fetch(`${service.url}/stats/top/projects?${q}`)).json()) as Array<{ asset_id: string; hits: number }>;
    expect(await get('window=24h')).toEqual([
      { asset_id: 'recent', hits: 3 },
      { asset_id: 'edge_in', hits: 1 },
    ]);
    expect((await get('')).map((e) => e.asset_id)).toEqual(['old', 'recent', 'edge_in', 'edge_out']);
    const since = new Date(now - 2 * H - 1000).toISOString();
    expect(await get(`since=${since}`)).toEqual([{ asset_id: 'recent', hits: 3 }]);
    expect((await get('window=4d')).find((e) => e.asset_id === 'old')?.hits).toBe(5);
  });

  it('serves all types with resource_type on each item', async () => {
    const all = (await (await fetch(`${service.url}/stats/top?limit=1000`)).json()) as Array<Record<string, unknown>>;
    expect(all.length).toBeGreaterThan(3);
    expect(all[0]).toEqual({ resource_type: 'models', asset_id: expect.any(String), hits: 300 });
    expect(all.every((e) => typeof e.resource_type === 'string')).toBe(true);
  });

  it.each([
    ['/stats/top/widgets', 404, undefined],
    ['/stats/top/datasets?limit=0', 400, 'limit'],
    ['/stats/top/datasets?limit=1001', 400, 'limit'],
    ['/stats/top/datasets?limit=x', 400, 'limit'],
    ['/stats/top/datasets?since=nope', 400, 'since'],
    ['/stats/top/datasets?window=3parsecs', 400, 'window'],
    ['/stats/top/datasets?window=24h&since=2026-01-01', 400, 'window'],
    ['/stats/top?limit=5000', 400, 'limit'],
  ])('%s → %i JSON naming %s', async (path, status, parameter) => {
    const response = await fetch(`${service.url}${path}`);
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: { status: number; parameter?: string } };
    expect(body.error.status).toBe(status);
    expect(body.error.parameter).toBe(parameter);
  });
});

describe('retention', () => {
  it('deletes raw rows older than the retention period in batches and keeps the aggregates', async () => {
    const old = Date.now() - 100 * 86_400_000;
    for (let i = 0; i < 25; i++) service.accessLog?.enqueue({ assetId: 'ancient', resourceType: 'experiments', method: 'GET', status: 200, accessedAt: old });
    await flushed();
    const minutes = async () => Number((await database.query<Array<{ n: number }>>("SELECT COUNT(*) AS n FROM asset_access_minute WHERE asset_id = 'ancient'"))[0]?.n);
    expect((await rows('asset_id = ?', ['ancient'])).length).toBe(25);
    expect(await minutes()).toBe(1);
    const deleted = await service.retention?.runOnce();
    expect(deleted).toBeGreaterThanOrEqual(26);
    expect((await rows('asset_id = ?', ['ancient'])).length).toBe(0);
    expect(await minutes()).toBe(0); // minutes go with the raw rows
    expect(await (await fetch(`${service.url}/stats/top/experiments`)).json()).toEqual([{ asset_id: 'ancient', hits: 25 }]);
    expect((await rows('asset_id = ?', [datasetId])).length).toBeGreaterThan(0);
  });

  it('deletes hourly, daily and monthly aggregates older than ACCESS_LOG_HOURLY_RETENTION_DAYS and keeps the all-time totals', async () => {
    const count = async (table: string, id: string) => Number((await database.query<Array<{ n: number }>>(`SELECT COUNT(*) AS n FROM ${table} WHERE asset_id = ?`, [id]))[0]?.n);
    const hourly = async (id: string) => [{ n: await count('asset_access_hourly', id) }];
    const veryOld = Math.floor((Date.now() - 500 * 86_400_000) / 86_400_000) * 86_400_000 + 3_600_000; // three hours of one day
    const recent = Date.now() - 10 * 86_400_000;
    for (let i = 0; i < 3; i++) service.accessLog?.enqueue({ assetId: 'very_old', resourceType: 'projects', method: 'GET', status: 200, accessedAt: veryOld + i * 3_600_000 });
    service.accessLog?.enqueue({ assetId: 'recent_one', resourceType: 'projects', method: 'GET', status: 200, accessedAt: recent });
    await flushed();
    expect(Number((await hourly('very_old'))[0]?.n)).toBe(3);
    // The days and months were rolled up when the service started: these late rows were added to them as well.
    expect([await count('asset_access_daily', 'very_old'), await count('asset_access_monthly', 'very_old')]).toEqual([1, 1]);
    await service.retention?.runOnce();
    expect(Number((await hourly('very_old'))[0]?.n)).toBe(0); // default 400 days
    expect([await count('asset_access_daily', 'very_old'), await count('asset_access_monthly', 'very_old')]).toEqual([0, 0]);
    expect(Number((await hourly('recent_one'))[0]?.n)).toBe(1);
    expect(await count('asset_access_daily', 'recent_one')).toBe(1);
    expect(await (await fetch(`${service.url}/stats/top/projects`)).json()).toEqual(expect.arrayContaining([{ asset_id: 'very_old', hits: 3 }]));
  });
});
