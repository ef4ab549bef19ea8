import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestService, waitFor, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { fireRequests, sampleValue, scrape } from '../support/metrics-text';
import { MINUTE_MS, minuteStart } from '../../src/db/time-grains';

/**
 * Storage a client can make us write is bounded: requests for ids the catalogue does not hold are counted per
 * minute, not stored one raw row each; rows for assets that exist stay exact. Over HTTP, on the real MariaDB.
 */
const database = new TestDatabase();
let service: TestService;
let modelId: string;

async function flushed(): Promise<void> {
  await waitFor(async () => (service.accessLog?.queueDepth ?? 0) === 0, 5000, 'queue to drain');
  await service.accessLog?.flush();
}

async function rawRows(where: string, values: unknown[] = []): Promise<Array<{ asset_id: string; method: string; status: number }>> {
  return database.query(`SELECT asset_id, method, status FROM asset_access_log WHERE ${where} ORDER BY id`, values);
}

async function folded(type: string): Promise<Array<{ minute_start: Date; method: string; status: number; requests: number }>> {
  const rows = await database.query<Array<{ minute_start: Date; method: string; status: number; requests: number }>>(
    'SELECT minute_start, method, status, requests FROM asset_access_folded_minute WHERE resource_type = ? ORDER BY minute_start, method, status',
    [type],
  );
  return rows.map((r) => ({ ...r, requests: Number(r.requests) }));
}

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'warn', ACCESS_LOG_FLUSH_INTERVAL_MS: '50' });
  await waitUntilReady(service);
  modelId = ((await (await postJson(`${service.url}/models`, { name: 'real' })).json()) as { identifier: string }).identifier;
});

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

describe('requests for assets that do not exist', () => {
  it('a flood of random 404 ids makes a few rows per minute, not one per request, and the folded metric counts them', async () => {
    const FLOOD = 600;
    const ids = Array.from({ length: FLOOD }, () => `flood_${randomBytes(8).toString('hex')}`);
    const before = sampleValue(await scrape(service.url), 'access_log_rows_folded_total');
    const from = minuteStart(Date.now());
    await fireRequests((i) => `${service.url}${['', '/v1', '/v2'][i % 3]}/models/${ids[i]}`, FLOOD, 20);
    // As cheap for a client: another method (405), a made-up sub-resource, and OPTIONS (200 from the path alone).
    for (let i = 0; i < 10; i++) {
      expect((await fetch(`${service.url}/models/${ids[i]}`, { method: 'PATCH' })).status).toBe(405);
      expect((await fetch(`${service.url}/models/${ids[i]}/content`)).status).toBe(404);
      expect((await fetch(`${service.url}/models/${ids[i]}`, { method: 'OPTIONS' })).status).toBe(200);
    }
    const to = minuteStart(Date.now());
    await flushed();

    expect(await rawRows("asset_id LIKE 'flood\\_%'")).toEqual([]);
    const counts = await folded('models');
    const minutes = (to - from) / MINUTE_MS + 1;
    // One row per (minute, method, status): GET 404, PATCH 405 and OPTIONS 200 in each minute the flood spanned.
    expect(counts.length).toBeLessThanOrEqual(3 * minutes);
    expect(counts.every((c) => c.minute_start.getTime() >= from && c.minute_start.getTime() <= to)).toBe(true);
    const sum = (method: string, status: number) => counts.filter((c) => c.method === method && c.status === status).reduce((n, c) => n + c.requests, 0);
    expect(sum('GET', 404)).toBe(FLOOD + 10);
    expect(sum('PATCH', 405)).toBe(10);
    expect(sum('OPTIONS', 200)).toBe(10);
    expect(sampleValue(await scrape(service.url), 'access_log_rows_folded_total')).toBe((before ?? 0) + FLOOD + 30);
    expect(service.accessLog?.stats.folded).toBe(FLOOD + 30);
  });

  it('a real asset keeps exact raw rows: its reads, and a 404 for a sub-resource or an unrouted form of its path', async () => {
    const foldedBefore = service.accessLog?.stats.folded;
    for (let i = 0; i < 3; i++) expect((await fetch(`${service.url}/models/${modelId}`)).status).toBe(200);
    expect((await fetch(`${service.url}/v2/models/${modelId}`)).status).toBe(200);
    expect((await fetch(`${service.url}/models/${modelId}/content`)).status).toBe(404);
    expect((await fetch(`${service.url}/models/v1/${modelId}`)).status).toBe(404);
    expect((await fetch(`${service.url}/models/${modelId}`, { method: 'PATCH' })).status).toBe(405);
    expect((await fetch(`${service.url}/models/${modelId}`, { method: 'OPTIONS' })).status).toBe(200);
    await flushed();
    const rows = await rawRows('asset_id = ?', [modelId]);
    expect(rows.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'GET 200', 'GET 200', 'GET 200', 'GET 404', 'GET 404', 'PATCH 405', 'OPTIONS 200']);
    expect(service.accessLog?.stats.folded).toBe(foldedBefore);
    expect(await (await fetch(`${service.url}/stats/top/models`)).json()).toEqual([{ asset_id: modelId, hits: 4 }]);
  });

  it('a success stays raw even when the asset is gone by the time the batch is written; the 404s after it fold', async () => {
    const { identifier } = (await (await postJson(`${service.url}/datasets`, { name: 'short-lived' })).json()) as { identifier: string };
    expect((await fetch(`${service.url}/datasets/${identifier}`)).status).toBe(200);
    expect((await fetch(`${service.url}/datasets/${identifier}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${service.url}/datasets/${identifier}`)).status).toBe(404);
    await flushed();
    expect((await rawRows('asset_id = ?', [identifier])).map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'DELETE 204']);
    expect(await folded('datasets')).toEqual([expect.objectContaining({ method: 'GET', status: 404, requests: 1 })]);
  });

  it('retention deletes folded counts with the raw rows', async () => {
    const old = Date.now() - 100 * 86_400_000;
    for (let i = 0; i < 5; i++) service.accessLog?.enqueue({ assetId: `ancient_${i}`, resourceType: 'projects', method: 'GET', status: 404, accessedAt: old });
    service.accessLog?.enqueue({ assetId: 'recent', resourceType: 'projects', method: 'GET', status: 404, accessedAt: Date.now() });
    await flushed();
    expect((await folded('projects')).map((c) => c.requests)).toEqual([5, 1]);
    await service.retention?.runOnce();
    expect((await folded('projects')).map((c) => c.requests)).toEqual([1]);
  });
});
