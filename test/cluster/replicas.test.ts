import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, spawnService, type SpawnedService } from '../support/spawn-service';
import { TestDatabase } from '../support/test-database';
import { OtlpReceiver } from '../support/otlp-receiver';
import { scrape, sampleValue } from '../support/metrics-text';
import { waitFor } from '../support/test-service';

/**
 * Three independent replicas (processes on their own ports) started at the same moment on one fresh database, as
 * compose or Kubernetes would start them, then read concurrently: migrations, counts, leadership and identity.
 */
const database = new TestDatabase();
const receiver = new OtlpReceiver();
const replicas: Array<{ service: SpawnedService; url: string }> = [];
const READS = 30_000;

beforeAll(async () => {
  await receiver.start();
  const started = Array.from({ length: 3 }, () =>
    spawnService({
      DATABASE_URL: database.url(),
      DB_RETRY_INTERVAL_MS: '200',
      LOG_LEVEL: 'info',
      ACCESS_LOG_FLUSH_INTERVAL_MS: '200',
      OTEL_METRICS_EXPORTER: 'prometheus,otlp',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    }),
  );
  for (const service of started) replicas.push({ service, url: await service.listening });
  for (const { url } of replicas) await waitFor(async () => (await fetch(`${url}/ready`)).status === 200, 30_000, `${url}/ready`);
}, 60_000);

afterAll(async () => {
  for (const { service } of replicas) if (service.child.exitCode === null) service.child.kill('SIGKILL');
  await receiver.stop();
  await database.drop();
});

const lines = (service: SpawnedService) =>
  service.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

async function readConcurrently(urls: string[], total: number, concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const response = await fetch(urls[i] as string);
        expect(response.status).toBe(200);
        await response.arrayBuffer();
      }
    }),
  );
}

describe('three replicas on one fresh database', () => {
  it('all start: one applied the migrations under the lock, the others waited, none exited', async () => {
    const migrationFiles = fs.readdirSync(path.join(ROOT, 'drizzle')).filter((f) => f.endsWith('.sql'));
    const applied = await database.query<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM __drizzle_migrations');
    expect(Number(applied[0]?.n)).toBe(migrationFiles.length);
    for (const { service } of replicas) expect(service.child.exitCode).toBeNull();
    for (const { service } of replicas) expect(lines(service).filter((l) => l.msg === 'failed to start')).toEqual([]);
    // Nobody's migration failed half-way against another's (tables created twice, then retried).
    for (const { service } of replicas) expect(lines(service).filter((l) => l.msg === 'database not ready; will retry')).toEqual([]);
  });

  it('counts every one of 30 000 concurrent reads exactly once, and every replica answers the same top list', async () => {
    const created = [];
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${replicas[i]!.url}/datasets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"name":"hot ${i}"}` });
      created.push(((await response.json()) as { identifier: string }).identifier);
    }
    // Asset k gets reads in the ratio 3:2:1, spread over all three replicas.
    const plan = [0, 0, 0, 1, 1, 2];
    const urls: string[] = [];
    for (let i = 0; i < READS; i++) urls.push(`${replicas[i % 3]!.url}/datasets/${created[plan[i % plan.length] as number]}`);
    await readConcurrently(urls, READS, 24);
    const expected = created.map((_, k) => (READS / plan.length) * plan.filter((p) => p === k).length);
    await waitFor(async () => {
      const rows = await database.query<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM asset_access_log WHERE method = ? AND status = 200', ['GET']);
      return Number(rows[0]?.n) >= READS;
    }, 30_000, 'every read to reach the raw table');

    // Raw, per-minute, hourly and all-time agree, per asset, with what was sent.
    for (const [k, id] of created.entries()) {
      const [raw] = await database.query<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM asset_access_log WHERE asset_id = ? AND method = ? AND status = 200', [id, 'GET']);
      const [hourly] = await database.query<Array<{ n: number }>>('SELECT CAST(SUM(hits) AS UNSIGNED) AS n FROM asset_access_hourly WHERE asset_id = ?', [id]);
      const [minute] = await database.query<Array<{ n: number }>>('SELECT CAST(SUM(hits) AS UNSIGNED) AS n FROM asset_access_minute WHERE asset_id = ?', [id]);
      const [total] = await database.query<Array<{ n: number }>>('SELECT hits AS n FROM asset_access_total WHERE asset_id = ?', [id]);
      const counts = [Number(raw?.n), Number(minute?.n), Number(hourly?.n), Number(total?.n)];
      expect(counts, id).toEqual([expected[k], expected[k], expected[k], expected[k]]);
    }

    // Every replica answers the same, for every window.
    for (const query of ['', '?window=24h', '?window=7d', `?since=${new Date(Date.now() - 3_600_000).toISOString()}`]) {
      const answers = await Promise.all(replicas.map(async ({ url }) => (await fetch(`${url}/stats/top/datasets${query}`)).json()));
      expect(answers[0], query).toEqual([
        { asset_id: created[0], hits: expected[0] },
        { asset_id: created[1], hits: expected[1] },
        { asset_id: created[2], hits: expected[2] },
      ]);
      expect(answers[1], query).toEqual(answers[0]);
      expect(answers[2], query).toEqual(answers[0]);
    }

    for (const { url } of replicas) {
      const text = await scrape(url);
      expect(sampleValue(text, 'access_log_rows_dropped_total{reason="queue_full"}')).toBe(0);
      expect(text).toMatch(/^access_log_write_retries_total\{reason="deadlock"\} \d+/m);
    }
  }, 180_000);

  it('lets exactly one replica do the background work', async () => {
    const leaders = replicas.filter(({ service }) => lines(service).some((l) => l.msg === 'took the background-work lease'));
    expect(leaders).toHaveLength(1);
    // On a fresh database the first roll-up only moves the bounds to today; it is done once, by the leader.
    const rolled = replicas.flatMap(({ service }) => lines(service).filter((l) => l.msg === 'access roll-up done'));
    expect(rolled).toHaveLength(1);
    expect(lines(leaders[0]!.service).some((l) => l.msg === 'access roll-up done')).toBe(true);
  });

  it('pushes metrics under a service.instance.id unique to each process', async () => {
    await waitFor(() => new Set(receiver.metrics.map((m) => m.instanceId)).size >= 3, 10_000, 'pushes from all three');
    const ids = new Set(receiver.metrics.map((m) => m.instanceId));
    expect(ids.size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('drains every replica on SIGTERM with nothing dropped', async () => {
    for (const { service } of replicas) service.child.kill('SIGTERM');
    for (const { service } of replicas) expect(await service.exited).toBe(0);
    for (const { service } of replicas) {
      expect(lines(service).filter((l) => typeof l.msg === 'string' && (l.msg as string).includes('dropping'))).toEqual([]);
    }
    const [raw] = await database.query<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM asset_access_log WHERE method = ? AND status = 200', ['GET']);
    expect(Number(raw?.n)).toBe(READS);
  });
});
