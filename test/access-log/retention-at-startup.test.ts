import { afterAll, describe, expect, it } from 'vitest';
import { startTestService, waitFor, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { DAY_MS, hourStart, minuteStart } from '../../src/db/time-grains';

/**
 * Retention runs as soon as a process holds the background-work lease, not only after a full
 * ACCESS_LOG_RETENTION_INTERVAL_MS: a leader restarted more often than that would otherwise never delete anything.
 */
const database = new TestDatabase();
const started: TestService[] = [];
// A day: on the landed code, no run would come during the test.
const LONG_INTERVAL = { ACCESS_LOG_RETENTION_INTERVAL_MS: '86400000' };

async function start(env: Record<string, string>): Promise<TestService> {
  const service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'warn', ...env });
  started.push(service);
  await waitUntilReady(service);
  return service;
}

/** Rows older than every retention period: one raw row with its minute aggregate, one folded count, one old hour. */
async function insertExpiredRows(tag: string): Promise<void> {
  const old = new Date(minuteStart(Date.now() - 100 * DAY_MS));
  const older = new Date(hourStart(Date.now() - 500 * DAY_MS));
  await database.query("INSERT INTO asset_access_log (asset_id, resource_type, method, status, accessed_at) VALUES (?, 'datasets', 'GET', 200, ?)", [tag, old]);
  await database.query("INSERT INTO asset_access_minute (minute_start, resource_type, asset_id, hits) VALUES (?, 'datasets', ?, 1)", [old, tag]);
  await database.query("INSERT INTO asset_access_hourly (hour_start, resource_type, asset_id, hits) VALUES (?, 'datasets', ?, 1)", [older, tag]);
  await database.query("INSERT INTO asset_access_folded_minute (minute_start, resource_type, method, status, requests) VALUES (?, 'datasets', ?, 404, 7)", [old, tag.slice(0, 16)]);
}

async function expiredRowsLeft(tag: string): Promise<number> {
  const [row] = await database.query<Array<{ n: number }>>(
    `SELECT (SELECT COUNT(*) FROM asset_access_log WHERE asset_id = ?) + (SELECT COUNT(*) FROM asset_access_minute WHERE asset_id = ?)
          + (SELECT COUNT(*) FROM asset_access_hourly WHERE asset_id = ?) + (SELECT COUNT(*) FROM asset_access_folded_minute WHERE method = ?) AS n`,
    [tag, tag, tag, tag.slice(0, 16)],
  );
  return Number(row?.n);
}

afterAll(async () => {
  for (const s of started) await s.stop();
  await database.drop();
});

describe('retention at startup', () => {
  it('runs as soon as the service holds the lease, with old rows present and a day-long interval', async () => {
    // Creates the schema; without the access log it has no retention job to run.
    const first = await start({ ACCESS_LOG_ENABLED: 'false' });
    await first.stop();
    await insertExpiredRows('expired_1');
    expect(await expiredRowsLeft('expired_1')).toBe(4);

    await start(LONG_INTERVAL);
    await waitFor(async () => (await expiredRowsLeft('expired_1')) === 0, 10_000, 'retention to delete the expired rows');
  });

  it('runs again on the replica that takes the lease over', async () => {
    const leader = started.at(-1) as TestService;
    const standby = await start({ ...LONG_INTERVAL, LOG_LEVEL: 'info' });
    await insertExpiredRows('expired_2');
    expect(await expiredRowsLeft('expired_2')).toBe(4);
    await leader.stop(); // frees the lease; the standby takes it at its next check (every 5 s)
    await waitFor(async () => (await expiredRowsLeft('expired_2')) === 0, 15_000, 'the new leader to delete the expired rows');
    expect(standby.logs.lines.some((l) => l.msg === 'took the background-work lease')).toBe(true);
  });
});
