import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, waitFor, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { PeriodRollup, rollupTargets } from '../../src/stats/period-rollup';
import { DAY_MS, HOUR_MS } from '../../src/db/time-grains';
import { createLogger } from '../../src/lifecycle/logger';

const database = new TestDatabase();
let service: TestService;
const now = Date.now();
const rollup = (isLeader = () => true) => new PeriodRollup(service.database, createLogger('silent'), { intervalMs: 3_600_000, settleMs: 0 }, isLeader);

interface State {
  days_to: Date;
  months_to: Date;
  rolled_at: Date | null;
}

async function state(): Promise<State> {
  const [row] = await database.query<State[]>('SELECT days_to, months_to, rolled_at FROM asset_access_rollup_state WHERE id = 1');
  return row as State;
}

async function setBounds(daysTo: number, monthsTo: number): Promise<void> {
  await database.query('TRUNCATE asset_access_daily');
  await database.query('TRUNCATE asset_access_monthly');
  await database.query('UPDATE asset_access_rollup_state SET days_to = ?, months_to = ? WHERE id = 1', [new Date(daysTo), new Date(monthsTo)]);
}

/** Every rolled day equals its hours and every rolled month its days: nothing counted twice or lost. */
async function expectConsistent(): Promise<void> {
  const mismatches = await database.query<unknown[]>(
    `SELECT d.day_start FROM asset_access_daily d LEFT JOIN (
       SELECT DATE(hour_start) AS day_start, resource_type, asset_id, SUM(hits) AS hits FROM asset_access_hourly GROUP BY 1, 2, 3
     ) h ON h.day_start = d.day_start AND h.resource_type = d.resource_type AND h.asset_id = d.asset_id
     WHERE h.hits IS NULL OR h.hits <> d.hits
     UNION ALL
     SELECT m.month_start FROM asset_access_monthly m LEFT JOIN (
       SELECT DATE_FORMAT(day_start, '%Y-%m-01') AS month_start, resource_type, asset_id, SUM(hits) AS hits FROM asset_access_daily GROUP BY 1, 2, 3
     ) d ON d.month_start = m.month_start AND d.resource_type = m.resource_type AND d.asset_id = m.asset_id
     WHERE d.hits IS NULL OR d.hits <> m.hits`,
  );
  expect(mismatches).toEqual([]);
}

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'warn', ACCESS_LOG_FLUSH_INTERVAL_MS: '20' });
  await waitUntilReady(service);
  for (let i = 0; i < 2000; i++) {
    service.accessLog?.enqueue({ assetId: `a${i % 37}`, resourceType: i % 3 ? 'datasets' : 'models', method: 'GET', status: 200, accessedAt: now - ((i * 7_919_333) % (50 * DAY_MS)) });
  }
  await waitFor(async () => (service.accessLog?.queueDepth ?? 1) === 0, 10_000, 'flush');
});

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

describe('day and month roll-ups', () => {
  it('reach the start of the current day and month, settled', () => {
    const target = rollupTargets(Date.UTC(2026, 10, 1, 0, 1), 120_000);
    // One minute into a new month: the last day and month are not settled yet.
    expect(target).toEqual({ daysTo: Date.UTC(2026, 9, 31), monthsTo: Date.UTC(2026, 9, 1) });
    expect(rollupTargets(Date.UTC(2026, 10, 1, 0, 3), 120_000)).toEqual({ daysTo: Date.UTC(2026, 10, 1), monthsTo: Date.UTC(2026, 10, 1) });
  });

  it('roll every closed day and month once, from the first hour held, and agree with the hours', async () => {
    await setBounds(0, 0);
    // (The service's own leader may share the work if its first pass is late: the count is not asserted exactly.)
    expect(await rollup().rollUpDue(now)).toBeGreaterThan(0);
    const days = async (sql: string) => Number((await database.query<Array<{ n: number }>>(sql, [new Date(rollupTargets(now, 0).daysTo)]))[0]?.n);
    const daysHeld = await days('SELECT COUNT(DISTINCT DATE(hour_start)) AS n FROM asset_access_hourly WHERE hour_start < ?');
    expect(daysHeld).toBeGreaterThanOrEqual(45);
    expect(await days('SELECT COUNT(DISTINCT day_start) AS n FROM asset_access_daily WHERE day_start < ?')).toBe(daysHeld);
    const after = await state();
    expect(after.days_to.getTime()).toBe(rollupTargets(now, 0).daysTo);
    expect(after.months_to.getTime()).toBe(rollupTargets(now, 0).monthsTo);
    expect(await rollup().rollUpDue(now)).toBe(0);
    await expectConsistent();
  });

  it('roll each period once however many replicas ask at the same moment', async () => {
    await setBounds(0, 0);
    const results = await Promise.all([rollup().rollUpDue(now), rollup().rollUpDue(now), rollup().rollUpDue(now)]);
    expect(results.every((n) => n >= 0)).toBe(true);
    expect((await state()).days_to.getTime()).toBe(rollupTargets(now, 0).daysTo);
    await expectConsistent();
  });

  it('count rows written late for rolled periods exactly once', async () => {
    for (let i = 0; i < 300; i++) {
      service.accessLog?.enqueue({ assetId: `late${i % 5}`, resourceType: 'datasets', method: 'GET', status: 200, accessedAt: now - 20 * DAY_MS - i * HOUR_MS });
    }
    await waitFor(async () => (service.accessLog?.queueDepth ?? 1) === 0, 10_000, 'flush');
    await expectConsistent();
    const [late] = await database.query<Array<{ hits: number }>>("SELECT SUM(hits) AS hits FROM asset_access_daily WHERE asset_id LIKE 'late%'");
    expect(Number(late?.hits)).toBe(300);
  });

  it('never move backwards: a replica whose clock is behind leaves the bounds as they are', async () => {
    const before = await state();
    expect(await rollup().rollUpDue(now - 3 * DAY_MS)).toBe(0);
    expect(await state()).toEqual(before);
  });

  it('are not rolled by a process that does not hold the background-work lease', async () => {
    await setBounds(0, 0);
    expect(await rollup(() => false).rollUpDue(now)).toBe(0);
    expect((await state()).days_to.getTime()).toBe(0);
    expect(await rollup().rollUpDue(now)).toBeGreaterThan(0);
  });

  it('stop, and put the state row back, when it is missing (instead of rolling the same period for ever)', async () => {
    await setBounds(0, 0);
    await database.query('DELETE FROM asset_access_rollup_state WHERE id = 1');
    expect(await rollup().rollUpDue(now)).toBeLessThanOrEqual(1);
    expect((await state()).days_to.getTime()).toBe(0);
    expect(await rollup().rollUpDue(now)).toBeGreaterThan(0);
    expect((await state()).days_to.getTime()).toBe(rollupTargets(now, 0).daysTo);
    await expectConsistent();
  }, 20_000);

  it('sum each day into its month as the day is rolled, so closing a month is only a move of its bound', async () => {
    await setBounds(0, 0);
    expect(await rollup().rollUpDue(now)).toBeGreaterThan(0);
    const current = rollupTargets(now, 0).monthsTo;
    // The current month is not closed, yet its rolled days are already in its month rows (none on the 1st).
    const [sums] = await database.query<Array<{ months: string | null; days: string | null }>>(
      `SELECT (SELECT SUM(hits) FROM asset_access_monthly WHERE month_start = ?) AS months,
              (SELECT SUM(hits) FROM asset_access_daily WHERE day_start >= ?) AS days`,
      [new Date(current), new Date(current)],
    );
    expect(sums?.months).toBe(sums?.days);
    if (rollupTargets(now, 0).daysTo > current) expect(Number(sums?.months)).toBeGreaterThan(0);
    await expectConsistent();
  });

  it('sum a month from its days whole when its rows do not add up (days rolled by a version that did not sum months)', async () => {
    const previous = Date.UTC(new Date(rollupTargets(now, 0).monthsTo).getUTCFullYear(), new Date(rollupTargets(now, 0).monthsTo).getUTCMonth() - 1, 1);
    await database.query('DELETE FROM asset_access_monthly WHERE month_start = ?', [new Date(previous)]);
    await database.query('UPDATE asset_access_rollup_state SET months_to = ? WHERE id = 1', [new Date(previous)]);
    expect(await rollup().rollUpDue(now)).toBe(1);
    expect((await state()).months_to.getTime()).toBe(rollupTargets(now, 0).monthsTo);
    const [n] = await database.query<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM asset_access_monthly WHERE month_start = ?', [new Date(previous)]);
    expect(Number(n?.n)).toBeGreaterThan(0);
    await expectConsistent();
  });
});
