import { afterAll, describe, expect, it } from 'vitest';
import { postJson, startTestService, waitFor, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { TcpProxy } from '../support/tcp-proxy';
import { sampleValue, scrape } from '../support/metrics-text';
import { spawnService } from '../support/spawn-service';

const database = new TestDatabase();
const started: TestService[] = [];
const proxies: TcpProxy[] = [];

async function start(env: Record<string, string>): Promise<TestService> {
  const service = await startTestService({ LOG_LEVEL: 'fatal', ACCESS_LOG_FLUSH_INTERVAL_MS: '50', ...env });
  started.push(service);
  return service;
}

async function rowCount(assetId: string): Promise<number> {
  const [row] = await database.query<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM asset_access_log WHERE asset_id = ?', [assetId]);
  return Number(row?.n ?? 0);
}

afterAll(async () => {
  for (const s of started) await s.stop();
  for (const p of proxies) await p.down();
  await database.drop();
});

describe('with the database going away mid-traffic', () => {
  it('answers routes that do not need the DB as before, keeps the rows, and writes them after recovery', async () => {
    const proxy = new TcpProxy();
    proxies.push(proxy);
    await proxy.up();
    const service = await start({ DATABASE_URL: database.url(proxy.hostPort), DB_CONNECT_TIMEOUT_MS: '500' });
    await waitUntilReady(service);
    // An asset that exists: rows for ids the catalogue does not hold are folded into per-minute counts.
    const { identifier } = (await (await postJson(`${service.url}/datasets`, { name: 'during outage' })).json()) as { identifier: string };

    await proxy.down();
    const latencies: number[] = [];
    for (let i = 0; i < 40; i++) {
      const t = performance.now();
      // Asset-shaped (logged) but served without the DB: no such sub-resource route.
      const logged = await fetch(`${service.url}/datasets/${identifier}/content`);
      expect(logged.status).toBe(404);
      expect((await fetch(`${service.url}/health`)).status).toBe(200);
      latencies.push(performance.now() - t);
    }
    expect(Math.max(...latencies)).toBeLessThan(250);
    await waitFor(() => (service.accessLog?.stats.flushErrors ?? 0) > 0, 5000, 'a failed flush');
    expect(service.accessLog?.queueDepth).toBe(40);
    expect(sampleValue(await scrape(service.url), 'access_log_flush_errors_total')).toBeGreaterThan(0);

    await proxy.up();
    await waitFor(async () => (await rowCount(identifier)) === 40, 40_000, 'rows to arrive after recovery');
    expect(service.accessLog?.stats.dropped).toEqual({ queue_full: 0, shutdown: 0 });
  });

  it('drops new rows once the queue is full, and counts them', async () => {
    const proxy = new TcpProxy();
    proxies.push(proxy);
    await proxy.reservePort(); // the DB is down from the start
    const service = await start({ DATABASE_URL: database.url(proxy.hostPort), DB_CONNECT_TIMEOUT_MS: '500', ACCESS_LOG_MAX_QUEUE: '20' });
    for (let i = 0; i < 30; i++) expect((await fetch(`${service.url}/models/m${i}/x`)).status).toBe(404);
    expect(service.accessLog?.queueDepth).toBe(20);
    const text = await scrape(service.url);
    expect(sampleValue(text, 'access_log_rows_dropped_total{reason="queue_full"}')).toBe(10);
    expect(sampleValue(text, 'access_log_queue_depth')).toBe(20);
  });
});

describe('two instances on one database', () => {
  it('are both counted by /stats/top', async () => {
    const a = await start({ DATABASE_URL: database.url() });
    const b = await start({ DATABASE_URL: database.url() });
    await waitUntilReady(a);
    await waitUntilReady(b);
    const { identifier } = (await (await postJson(`${a.url}/datasets`, { name: 'shared' })).json()) as { identifier: string };
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => fetch(`${(i % 2 ? a : b).url}/datasets/${identifier}`).then((r) => r.arrayBuffer())),
    );
    await waitFor(async () => (await rowCount(identifier)) === 60, 10_000, 'rows from both instances');
    for (const s of [a, b]) {
      const top = (await (await fetch(`${s.url}/stats/top/datasets`)).json()) as Array<{ asset_id: string; hits: number }>;
      expect(top.find((e) => e.asset_id === identifier)?.hits).toBe(60);
    }
  });
});

describe('SIGTERM with a full queue', () => {
  it('writes every queued row before exiting', async () => {
    const service = spawnService({
      DATABASE_URL: database.url(),
      // Nothing is flushed before the signal: every row must be written by the shutdown step.
      ACCESS_LOG_FLUSH_INTERVAL_MS: '600000',
      ACCESS_LOG_BATCH_SIZE: '10000',
      LOG_LEVEL: 'info',
    });
    const url = await service.listening;
    await waitFor(async () => (await fetch(`${url}/ready`)).status === 200, 15_000, 'ready');
    // An asset that exists: rows for ids the catalogue does not hold are folded into per-minute counts.
    const { identifier } = (await (await postJson(`${url}/publications`, { name: 'sigterm' })).json()) as { identifier: string };
    for (let i = 0; i < 500; i++) await (await fetch(`${url}/publications/${identifier}/x${i % 7}`)).arrayBuffer();
    expect(await rowCount(identifier)).toBe(0);
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(await rowCount(identifier)).toBe(500);
    expect(service.output()).toMatch(/"step":"access log flush"/);
  });
});
