import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { PeriodRollup } from '../../src/stats/period-rollup';
import { DAY_MS, HOUR_MS, hourStart } from '../../src/db/time-grains';
import { createLogger } from '../../src/lifecycle/logger';

/** Bounded cost of windowed top queries over HTTP: strict `since`, a clamped reach, a capped number of periods. */
const database = new TestDatabase();
let service: TestService;

const get = (path: string) => fetch(`${service.url}${path}`);

async function setRolledTo(daysTo: number, monthsTo: number): Promise<void> {
  await database.query('UPDATE asset_access_rollup_state SET days_to = ?, months_to = ? WHERE id = 1', [new Date(daysTo), new Date(monthsTo)]);
}

/** Hourly rows for `hours` hours back from now, as the writer leaves them (hits = 1 + hour % 5 per asset). */
async function seedHours(hours: number): Promise<void> {
  const rows: unknown[][] = [];
  const top = hourStart(Date.now());
  for (let h = 0; h < hours; h++) {
    for (const asset of ['a1', 'a2', 'a3']) rows.push([new Date(top - h * HOUR_MS), 'datasets', asset, 1 + ((h + asset.length) % 5)]);
  }
  await database.query('INSERT INTO asset_access_hourly (hour_start, resource_type, asset_id, hits) VALUES ?', [rows]);
}

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'warn', ACCESS_LOG_RETENTION_DAYS: '7', ACCESS_LOG_HOURLY_RETENTION_DAYS: '30' });
  await waitUntilReady(service);
});

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

describe('GET /stats/top bounds', () => {
  it.each(['2026-02-30', '2026-13-01', '2025-02-29T10:00:00Z', '2026-01-01T24:61'])('refuses the impossible date %s with a 400 naming since', async (since) => {
    const res = await get(`/stats/top?since=${encodeURIComponent(since)}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { parameter: string } }).error.parameter).toBe('since');
  });

  it('answers a far-past since at once, counted from the hourly retention horizon it names', async () => {
    const before = Date.now();
    const res = await get('/stats/top?since=0001-01-01T00:00:00Z');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
    const start = Date.parse(res.headers.get('stats-window-start') ?? '');
    expect(start).toBeGreaterThanOrEqual(hourStart(before - 30 * DAY_MS));
    expect(start).toBeLessThanOrEqual(hourStart(Date.now() - 30 * DAY_MS));
  });

  it('clamps a window to the retention horizon too, and names a window inside it to the minute', async () => {
    const long = await get('/stats/top/datasets?window=3650d');
    expect(long.status).toBe(200);
    expect(Date.parse(long.headers.get('stats-window-start') ?? '')).toBeGreaterThan(Date.now() - 31 * DAY_MS);
    const since = '2026-01-01T10:17:42Z';
    const recent = await get(`/stats/top/datasets?window=90m`);
    expect(new Date(Date.parse(recent.headers.get('stats-window-start') ?? '')).getUTCSeconds()).toBe(0);
    expect((await get(`/stats/top?since=${since}`)).headers.get('stats-window-start')).not.toBeNull();
    expect((await get('/stats/top')).headers.get('stats-window-start')).toBeNull();
  });

  it('reads no period before the first aggregate: a long window over two days of hours, nothing rolled up', async () => {
    await seedHours(48);
    await setRolledTo(0, 0);
    const res = await get('/stats/top?window=3650d');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Array<{ asset_id: string; hits: number }>;
    expect(body.map((e) => e.asset_id).sort()).toEqual(['a1', 'a2', 'a3']);
  });

  it('answers 503 rollup_pending with Retry-After while the roll-up is far behind, and the window once it caught up', async () => {
    await database.query('TRUNCATE asset_access_hourly');
    await seedHours(20 * 24);
    await setRolledTo(0, 0);
    const res = await get('/stats/top?window=20d');
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await res.json()) as { error: { reason: string } }).error.reason).toBe('rollup_pending');
    // A short window needs no roll-up.
    expect((await get('/stats/top?window=24h')).status).toBe(200);

    const rollup = new PeriodRollup(service.database, createLogger('silent'), { intervalMs: 3_600_000, settleMs: 0 });
    await rollup.rollUpDue();
    const after = await get('/stats/top/datasets?window=20d');
    expect(after.status).toBe(200);
    const [sum] = await database.query<Array<{ a1: string }>>("SELECT SUM(hits) AS a1 FROM asset_access_hourly WHERE asset_id = 'a1'");
    expect(((await after.json()) as Array<{ asset_id: string; hits: number }>).find((e) => e.asset_id === 'a1')?.hits).toBe(Number(sum?.a1));
  });
});
