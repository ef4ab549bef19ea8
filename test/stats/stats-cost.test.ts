import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PoolConnection } from 'mysql2/promise';
import { startTestService, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { StatsRepository } from '../../src/stats/stats-repository';
import { DAY_MS, dayStart } from '../../src/db/time-grains';

/**
 * What a windowed top reads on the real server, counted in rows the statements return: across types it costs about
 * its types one by one, and a smaller limit never costs more than a larger one. Churning popularity: every day ranks
 * the assets in another order, so no short head decides.
 */
const database = new TestDatabase();
let service: TestService;
let stats: StatsRepository;
const TYPES = ['datasets', 'models', 'publications', 'experiments'];
const now = Date.now();

/** Rows returned to the service by the statements of one windowed top. */
async function rowsRead(type: string | undefined, limit: number): Promise<number> {
  const pool = service.database.pool;
  const getConnection = pool.getConnection.bind(pool);
  let rows = 0;
  pool.getConnection = async () => {
    const conn = (await getConnection()) as PoolConnection;
    const query = conn.query.bind(conn) as (sql: string, values?: unknown) => Promise<[unknown, unknown]>;
    (conn as unknown as { query: typeof query }).query = async (sql: string, values?: unknown) => {
      const result = await query(sql, values);
      if (Array.isArray(result[0])) rows += result[0].length;
      return result;
    };
    return conn;
  };
  try {
    await stats.top(type, limit, now - 30 * DAY_MS, now);
  } finally {
    pool.getConnection = getConnection;
  }
  return rows;
}

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'warn' });
  await waitUntilReady(service);
  stats = new StatsRepository(service.database);
  const today = dayStart(now);
  for (const [t, type] of TYPES.entries()) {
    await database.query(
      `INSERT INTO asset_access_daily (day_start, resource_type, asset_id, hits)
       SELECT ? - INTERVAL (d.seq + 1) DAY, ?, CONCAT('a', a.seq), 1 + MOD(a.seq * 7919 + d.seq * 104729 + ${t} * 31, 50)
       FROM seq_0_to_19 d, seq_0_to_399 a`,
      [new Date(today), type],
    );
  }
  await database.query('UPDATE asset_access_rollup_state SET days_to = ?, months_to = ? WHERE id = 1', [new Date(today), new Date(0)]);
});

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

describe('windowed top cost', () => {
  it('across types reads about what its types read one by one', async () => {
    let perType = 0;
    for (const type of TYPES) perType += await rowsRead(type, 10);
    expect(await rowsRead(undefined, 10)).toBeLessThanOrEqual(1.1 * perType + 10);
  });

  it('never reads more for a smaller limit', async () => {
    for (const type of [undefined, 'datasets']) {
      const reads = [];
      for (const limit of [1, 10, 100, 1000]) reads.push(await rowsRead(type, limit));
      for (let i = 1; i < reads.length; i++) expect(reads[i], `${type ?? 'all types'}: ${reads.join(' ')}`).toBeGreaterThanOrEqual(reads[i - 1] as number);
    }
  });
});
