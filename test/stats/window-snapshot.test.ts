import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, waitFor, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { StatsRepository } from '../../src/stats/stats-repository';
import { WindowSnapshot, targetRange } from '../../src/stats/window-snapshot';
import { HOUR_MS } from '../../src/db/hours';
import { createLogger } from '../../src/lifecycle/logger';

const database = new TestDatabase();
let service: TestService;
let stats: StatsRepository;
let snapshot: WindowSnapshot;
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

async function expectPathsAgree(since: number): Promise<void> {
  for (const type of [...TYPES, undefined]) {
    for (const limit of [1, 5, 100]) {
      const fast = await stats.top(type, limit, since, now);
      const exact = await stats.topWithoutSnapshot(type, limit, since);
      expect(fast, `${type} limit ${limit} since ${new Date(since).toISOString()}`).toEqual(exact);
    }
  }
}

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'warn', ACCESS_LOG_FLUSH_INTERVAL_MS: '20' });
  await waitUntilReady(service);
  stats = new StatsRepository(service.database);
  snapshot = new WindowSnapshot(service.database, createLogger('silent'), { intervalMs: 3_600_000, settleMs: 0 });
  await enqueueRandom(3000, now - 30 * HOUR_MS, now, 1);
});

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

describe('24-hour window snapshot', () => {
  it('holds the 23 full hours before the current hour', () => {
    const range = targetRange(now, 0);
    expect(range.toMs % HOUR_MS).toBe(0);
    expect(range.toMs).toBeLessThanOrEqual(now);
    expect(now - range.toMs).toBeLessThan(HOUR_MS);
    expect(range.toMs - range.fromMs).toBe(23 * HOUR_MS);
  });

  it('answers exactly what the hourly and raw rows answer, fresh or a few hours stale', async () => {
    for (const builtAt of [now, now - HOUR_MS, now - 2 * HOUR_MS]) {
      await snapshot.rebuildIfStale(builtAt);
      for (const since of [now - 24 * HOUR_MS, now - 24 * HOUR_MS + 17 * 60_000, now - 23.5 * HOUR_MS, now - 25 * HOUR_MS, now - 22 * HOUR_MS]) {
        await expectPathsAgree(since);
      }
    }
  });

  it('stays exact when rows arrive late for hours the snapshot already holds', async () => {
    await snapshot.rebuildIfStale(now);
    const range = targetRange(now, 0);
    await enqueueRandom(500, range.fromMs, range.toMs, 2);
    await expectPathsAgree(now - 24 * HOUR_MS);
  });

  it('is what window=24h actually reads', async () => {
    await snapshot.rebuildIfStale(now);
    const before = await stats.top('datasets', 1, now - 24 * HOUR_MS, now);
    await database.query("UPDATE asset_access_window SET hits = hits + 100000 WHERE resource_type = 'models' AND asset_id = 'a39'");
    await database.query("INSERT INTO asset_access_window VALUES ('datasets', 'zz_only_in_snapshot', 100000) ON DUPLICATE KEY UPDATE hits = 100000");
    expect((await stats.top('datasets', 1, now - 24 * HOUR_MS, now))[0]).toEqual({ resource_type: 'datasets', asset_id: 'zz_only_in_snapshot', hits: 100000 });
    expect((await stats.topWithoutSnapshot('datasets', 1, now - 24 * HOUR_MS))).toEqual(before);
    // A week is far from the snapshot's window: the general query answers.
    expect((await stats.top('datasets', 1, now - 7 * 24 * HOUR_MS, now))[0]?.asset_id).not.toBe('zz_only_in_snapshot');
  });

  it('rebuilds once per hour however many replicas ask', async () => {
    const other = new WindowSnapshot(service.database, createLogger('silent'), { intervalMs: 3_600_000, settleMs: 0 });
    // A snapshot five hours stale, as after an outage of every leader.
    await database.query('UPDATE asset_access_window_state SET to_hour = ? WHERE id = 1', [new Date(targetRange(now - 5 * HOUR_MS, 0).toMs)]);
    const results = await Promise.all([snapshot.rebuildIfStale(now), other.rebuildIfStale(now)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await other.rebuildIfStale(now)).toBe(false);
  });

  it('never rebuilds backwards: a replica whose clock is behind leaves the snapshot as it is', async () => {
    const [before] = await database.query<Array<{ to_hour: Date; built_at: Date }>>('SELECT to_hour, built_at FROM asset_access_window_state WHERE id = 1');
    const behind = new WindowSnapshot(service.database, createLogger('silent'), { intervalMs: 3_600_000, settleMs: 0 });
    expect(await behind.rebuildIfStale(now - 3 * HOUR_MS)).toBe(false);
    const [after] = await database.query<Array<{ to_hour: Date; built_at: Date }>>('SELECT to_hour, built_at FROM asset_access_window_state WHERE id = 1');
    expect(after).toEqual(before);
  });

  it('is not rebuilt by a process that does not hold the background-work lease', async () => {
    await database.query('UPDATE asset_access_window_state SET to_hour = ? WHERE id = 1', [new Date(targetRange(now - 5 * HOUR_MS, 0).toMs)]);
    const follower = new WindowSnapshot(service.database, createLogger('silent'), { intervalMs: 3_600_000, settleMs: 0 }, () => false);
    expect(await follower.rebuildIfStale(now)).toBe(false);
    expect(await snapshot.rebuildIfStale(now)).toBe(true);
  });
});
