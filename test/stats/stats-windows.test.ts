import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, waitFor, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { StatsRepository, type TopEntry } from '../../src/stats/stats-repository';
import { PeriodRollup } from '../../src/stats/period-rollup';
import { DAY_MS, HOUR_MS, MINUTE_MS, minuteStart } from '../../src/db/time-grains';
import { createLogger } from '../../src/lifecycle/logger';

const database = new TestDatabase();
let service: TestService;
let stats: StatsRepository;
const now = Date.now();
const TYPES = ['datasets', 'models', 'projects'];

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function random(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

async function enqueueRandom(count: number, fromMs: number, toMs: number, seed: number): Promise<void> {
  const r = random(seed);
  for (let i = 0; i < count; i++) {
    service.accessLog?.enqueue({
      assetId: `a${Math.floor(r() ** 2 * 40)}`,
      resourceType: TYPES[Math.floor(r() * TYPES.length)] as string,
      method: r() < 0.9 ? 'GET' : 'PUT',
      status: r() < 0.9 ? 200 : 404,
      accessedAt: Math.floor(fromMs + r() * (toMs - fromMs)),
    });
  }
  await waitFor(async () => (service.accessLog?.queueDepth ?? 1) === 0, 10_000, 'flush');
}

/** The oracle: the raw log itself, from the start of the minute holding `since`. */
async function fromRawRows(type: string | undefined, limit: number, since: number): Promise<TopEntry[]> {
  const rows = await database.query<Array<{ resource_type: string; asset_id: string; hits: number }>>(
    `SELECT resource_type, asset_id, COUNT(*) AS hits FROM asset_access_log
     WHERE method = 'GET' AND status = 200 AND accessed_at >= ? ${type ? 'AND resource_type = ?' : ''}
     GROUP BY resource_type, asset_id ORDER BY hits DESC, asset_id, resource_type LIMIT ?`,
    [new Date(minuteStart(since)), ...(type ? [type] : []), limit],
  );
  return rows.map((r) => ({ ...r, hits: Number(r.hits) }));
}

const SINCES = [
  now - 24 * HOUR_MS,
  now - 24 * HOUR_MS + 17 * MINUTE_MS,
  now - 90 * MINUTE_MS,
  now - 7 * DAY_MS,
  now - 40 * DAY_MS,
  now - 365 * DAY_MS,
  Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth() - 1, 1), // a month boundary
];

async function expectExact(sinces = SINCES): Promise<void> {
  for (const since of sinces) {
    for (const type of [...TYPES, undefined]) {
      for (const limit of [1, 5, 100]) {
        expect(await stats.top(type, limit, since, now), `${type} limit ${limit} since ${new Date(since).toISOString()}`).toEqual(
          await fromRawRows(type, limit, since),
        );
      }
    }
  }
}

async function resetRollups(): Promise<void> {
  await database.query('TRUNCATE asset_access_daily');
  await database.query('TRUNCATE asset_access_monthly');
  await database.query("UPDATE asset_access_rollup_state SET days_to = '1970-01-01', months_to = '1970-01-01' WHERE id = 1");
}

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'warn', ACCESS_LOG_FLUSH_INTERVAL_MS: '20' });
  await waitUntilReady(service);
  stats = new StatsRepository(service.database);
  await enqueueRandom(4000, now - 70 * DAY_MS, now, 1);
  await enqueueRandom(2000, now - 2 * HOUR_MS, now, 2); // a hot last two hours
});

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

describe('windowed top queries', () => {
  it('answer exactly what the raw rows answer, from minutes and hours alone (nothing rolled up yet)', async () => {
    await resetRollups();
    // Up to a week: a longer window before the first roll-up is exact too, only slow (thousands of hours).
    await expectExact(SINCES.filter((since) => since >= now - 7 * DAY_MS));
  });

  it('answer exactly what the raw rows answer from rolled days and months', async () => {
    await resetRollups();
    const rollup = new PeriodRollup(service.database, createLogger('silent'), { intervalMs: 3_600_000, settleMs: 0 });
    expect(await rollup.rollUpDue(now)).toBeGreaterThan(70);
    const [state] = await database.query<Array<{ days_to: Date; months_to: Date }>>('SELECT days_to, months_to FROM asset_access_rollup_state');
    expect(state?.days_to.getTime()).toBe(Math.floor(now / DAY_MS) * DAY_MS);
    expect(state?.months_to.getUTCDate()).toBe(1);
    expect(Number((await database.query<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM asset_access_monthly'))[0]?.n)).toBeGreaterThan(0);
    await expectExact();
  });

  it('stay exact when rows arrive late for days and months already rolled up', async () => {
    await enqueueRandom(1500, now - 60 * DAY_MS, now - 2 * DAY_MS, 3);
    await expectExact();
  });

  it('answer all time exactly, per type and across types', async () => {
    for (const type of [...TYPES, undefined]) {
      for (const limit of [1, 5, 100]) expect(await stats.top(type, limit), `${type} limit ${limit}`).toEqual(await fromRawRows(type, limit, 0));
    }
  });

  it('never read the raw log: the answers survive its truncation', async () => {
    const before = await stats.top('datasets', 10, now - 24 * HOUR_MS, now);
    const week = await stats.top(undefined, 10, now - 7 * DAY_MS, now);
    await database.query('TRUNCATE asset_access_log');
    expect(await stats.top('datasets', 10, now - 24 * HOUR_MS, now)).toEqual(before);
    expect(await stats.top(undefined, 10, now - 7 * DAY_MS, now)).toEqual(week);
    expect(before.length).toBe(10);
  });
});
