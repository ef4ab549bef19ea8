import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaderLease } from '../../src/db/leader-lease';
import { createLogger } from '../../src/lifecycle/logger';
import { MYSQL_SERVER_URL, TestDatabase } from '../support/test-database';
import { waitFor } from '../support/test-service';

const database = new TestDatabase();
const logger = createLogger('silent');

beforeAll(async () => {
  const conn = await mysql.createConnection({ uri: MYSQL_SERVER_URL });
  await conn.query(`CREATE DATABASE \`${database.name}\``);
  await conn.end();
});

afterAll(async () => {
  await database.drop();
});

describe('LeaderLease', () => {
  it('tells its listeners each time this process takes the lease, not on the checks that keep it', async () => {
    const options = { intervalMs: 50, connectTimeoutMs: 2000 };
    const a = new LeaderLease(database.url(), logger, options);
    const b = new LeaderLease(database.url(), logger, options);
    const taken = { a: 0, b: 0 };
    a.onAcquired(() => taken.a++);
    b.onAcquired(() => {
      expect(b.isLeader).toBe(true); // already the leader when told
      taken.b++;
    });
    b.onAcquired(() => {
      throw new Error('a failing listener is logged, and the others still run');
    });
    try {
      await a.start();
      await b.start();
      expect([a.isLeader, b.isLeader]).toEqual([true, false]);
      await a.check();
      await a.check();
      expect(taken).toEqual({ a: 1, b: 0 });
      await a.stop();
      await waitFor(() => b.isLeader, 5000, 'b to take the lease');
      expect(taken).toEqual({ a: 1, b: 1 });
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
