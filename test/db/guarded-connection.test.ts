import mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { GuardedConnection } from '../../src/db/guarded-connection';
import { QueryCancelledError, QueryScope } from '../../src/db/query-scope';

/** The guard on the real MariaDB: its server-side deadline, its kill, and the state it leaves the connection in. */
const database = new TestDatabase();
let service: TestService;
let locker: mysql.Connection;

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'warn', ACCESS_LOG_ENABLED: 'false' });
  await waitUntilReady(service);
});

afterEach(async () => {
  await locker?.end().catch(() => undefined);
});

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

/** A statement that waits as long as the lock is held: a write lock on the table it reads. */
async function holdLock(): Promise<void> {
  locker = await mysql.createConnection({ uri: database.url() });
  await locker.query('LOCK TABLES asset_access_total WRITE');
}

const BLOCKED_READ = 'SELECT asset_id FROM asset_access_total LIMIT 1';

async function cancelOf(promise: Promise<unknown>): Promise<QueryCancelledError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(QueryCancelledError);
  return error as QueryCancelledError;
}

describe('GuardedConnection on MariaDB', () => {
  it('is stopped by the server at its deadline (error 1969 ER_STATEMENT_TIMEOUT) even when no kill is sent', async () => {
    await holdLock();
    const killsAsked: number[] = [];
    const noKill = { killQuery: async (id: number) => void killsAsked.push(id) };
    const conn = new GuardedConnection(await service.database.pool.getConnection(), new QueryScope(400), 'mariadb', noKill);
    const started = Date.now();
    const error = await cancelOf(conn.query(BLOCKED_READ));
    expect(error.reason).toBe('timeout');
    expect((error.cause as { errno?: number }).errno).toBe(1969);
    expect(Date.now() - started).toBeLessThan(2000);
    await conn.release();
  });

  it('kills the running statement when cancelled (error 1317), rolls back, and the pool hands out a clean connection', async () => {
    await holdLock();
    const client = new AbortController();
    const conn = await service.database.guardedConnection(60_000, client.signal);
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const [[{ id }]] = (await conn.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
    const blocked = conn.query(BLOCKED_READ);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    client.abort(new Error('gone'));
    const error = await cancelOf(blocked);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error.reason).toBe('client_gone');
    expect((error.cause as { errno?: number }).errno).toBe(1317);
    // Once cancelled, nothing more is sent on it.
    expect((await cancelOf(conn.query('SELECT 1'))).reason).toBe('client_gone');
    await conn.release();

    // The pool lends the most recently released connection first: the same server thread, usable, no transaction.
    const next = await service.database.pool.getConnection();
    try {
      const [[state]] = (await next.query('SELECT CONNECTION_ID() AS id, @@in_transaction AS inTransaction, 1 AS one')) as unknown as [
        [{ id: number; inTransaction: number; one: number }],
      ];
      expect(state).toEqual({ id, inTransaction: 0, one: 1 });
    } finally {
      next.release();
    }
  });

  it('does not wait for a busy pool once cancelled', async () => {
    const held = await Promise.all(Array.from({ length: service.config.database.poolSize }, () => service.database.pool.getConnection()));
    try {
      const client = new AbortController();
      const pending = service.database.guardedConnection(60_000, client.signal);
      await new Promise((r) => setTimeout(r, 50));
      client.abort(new Error('gone'));
      expect((await cancelOf(pending)).reason).toBe('client_gone');
    } finally {
      for (const conn of held) conn.release();
    }
    // The connection it was waiting for went straight back: all of them can be taken again.
    const again = await Promise.all(Array.from({ length: service.config.database.poolSize }, () => service.database.pool.getConnection()));
    for (const conn of again) conn.release();
  });
});
