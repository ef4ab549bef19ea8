import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PoolConnection } from 'mysql2/promise';
import { startTestService, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { StatsRepository } from '../../src/stats/stats-repository';
import { HOUR_MS } from '../../src/db/time-grains';
import { Database } from '../../src/db/database';

/** The windowed top's snapshot transaction on the real server: its isolation level and its end. */
const database = new TestDatabase();
let service: TestService;
let stats: StatsRepository;
/**
 * The stats' own pool: the service's roll-up opens read snapshots on its pool too, at times of its own, and would
 * be counted with the windowed top's (the test caught three REPEATABLE READ transactions instead of one that way).
 */
let own: Database;

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'warn' });
  await waitUntilReady(service);
  own = new Database(service.config.database, service.logger);
  await own.startPreparing();
  stats = new StatsRepository(own);
  await database.query("INSERT INTO asset_access_hourly (hour_start, resource_type, asset_id, hits) VALUES (?, 'datasets', 'a1', 3)", [new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS)]);
});

afterAll(async () => {
  await own?.close();
  await service?.stop();
  await database.drop();
});

describe('windowed top snapshot', () => {
  it('reads under REPEATABLE READ whatever the session default, and returns the connection after its ROLLBACK', async () => {
    const pool = own.pool;
    const getConnection = pool.getConnection.bind(pool);
    const events: string[] = [];
    const isolation: string[] = [];
    let snapshotThread = -1;
    // …and only until it is released: the pool lends it out again at once.
    const ofSnapshot = () => {
      const mine = events.filter((e) => e.startsWith(`${snapshotThread} `)).map((e) => e.slice(e.indexOf(' ') + 1));
      const from = mine.indexOf('done START');
      const released = mine.indexOf('release', from);
      return released === -1 ? mine.slice(from) : mine.slice(from, released + 1);
    };
    pool.getConnection = async () => {
      const conn = (await getConnection()) as PoolConnection;
      // A session whose default would give no consistent snapshot across statements.
      await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
      const query = conn.query.bind(conn) as (sql: string, values?: unknown) => Promise<unknown>;
      (conn as unknown as { query: typeof query }).query = async (sql: string, values?: unknown) => {
        const result = await query(sql, values);
        if (sql.startsWith('START TRANSACTION')) {
          const [rows] = (await query('SELECT trx_isolation_level AS level FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = CONNECTION_ID()')) as [
            Array<{ level: string }>,
          ];
          isolation.push(...rows.map((r) => r.level));
        }
        events.push(`${conn.threadId} done ${sql.split(' ')[0]}`);
        if (sql.startsWith('START TRANSACTION')) snapshotThread = conn.threadId;
        return result;
      };
      const release = conn.release.bind(conn);
      conn.release = () => {
        events.push(`${conn.threadId} release`);
        release();
      };
      return conn;
    };
    try {
      expect(await stats.top('datasets', 10, Date.now() - 2 * HOUR_MS)).toEqual([{ resource_type: 'datasets', asset_id: 'a1', hits: 3 }]);
      // The answer does not wait for the ROLLBACK; the connection goes back to the pool only after it.
      for (let i = 0; i < 100 && !ofSnapshot().includes('release'); i++) await new Promise((r) => setTimeout(r, 10));
    } finally {
      pool.getConnection = getConnection;
    }
    expect(isolation).toEqual(['REPEATABLE READ']);
    expect(ofSnapshot().slice(-2)).toEqual(['done ROLLBACK', 'release']);
  });
});
