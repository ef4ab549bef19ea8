import { asc, count, DrizzleQueryError, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/mysql2';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinaryQuery, type DriverRow } from '../../src/db/binary-query';
import { assets } from '../../src/db/schema';
import { MYSQL_SERVER_URL, TestDatabase } from '../support/test-database';

const database = new TestDatabase();
let pool: mysql.Pool;

beforeAll(async () => {
  const server = await mysql.createConnection({ uri: MYSQL_SERVER_URL });
  await server.query(`CREATE DATABASE \`${database.name}\``);
  await server.end();
  await database.query(
    'CREATE TABLE assets (id varchar(64) PRIMARY KEY, resource_type varchar(32) NOT NULL, name text NOT NULL, description text, keywords text NOT NULL, date_created datetime(3) NOT NULL, date_modified datetime(3) NOT NULL)',
  );
  await database.query(
    "INSERT INTO assets VALUES ('data_a', 'datasets', 'A', NULL, '[\"x\"]', '2026-11-25 18:04:42.630', '2026-11-25 18:04:42.007'), ('data_b', 'datasets', 'B', 'b', '[]', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000'), ('mdl_c', 'models', 'C', NULL, '[]', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000')",
  );
  // One connection, so that the server's per-session statement counters see every call.
  pool = mysql.createPool({ uri: database.url(), connectionLimit: 1, timezone: 'Z' });
});

afterAll(async () => {
  await pool?.end();
  await database.drop();
});

const db = () => drizzle(pool, { mode: 'default' });
const sessionCount = async (name: string) => {
  const [rows] = await pool.query(`SHOW SESSION STATUS LIKE '${name}'`);
  return Number((rows as Array<{ Value: string }>)[0]?.Value);
};

describe('BinaryQuery', () => {
  it('returns rows keyed by SQL column names, DATETIME(3) as a Date to the millisecond', async () => {
    const byId = new BinaryQuery<DriverRow<typeof assets>>(pool, db().select().from(assets).where(eq(assets.id, sql.placeholder('id'))).limit(1));
    const [row] = await byId.execute({ id: 'data_a' });
    expect(row).toEqual({
      id: 'data_a',
      resource_type: 'datasets',
      name: 'A',
      description: null,
      keywords: '["x"]',
      date_created: new Date('2026-11-25T18:04:42.630Z'),
      date_modified: new Date('2026-11-25T18:04:42.007Z'),
    });
    expect(await byId.execute({ id: 'nope' })).toEqual([]);
  });

  it('runs as a server-side prepared statement: prepared once per connection, executed on every call', async () => {
    const query = new BinaryQuery(pool, db().select({ id: assets.id }).from(assets).where(eq(assets.resourceType, sql.placeholder('type'))));
    await query.execute({ type: 'models' });
    const prepared = await sessionCount('Com_stmt_prepare');
    const executed = await sessionCount('Com_stmt_execute');
    for (let i = 0; i < 3; i++) await query.execute({ type: 'datasets' });
    expect(await sessionCount('Com_stmt_prepare')).toBe(prepared);
    expect(await sessionCount('Com_stmt_execute')).toBe(executed + 3); // the text protocol would leave it as it was
  });

  it('takes integer placeholders for LIMIT and OFFSET, and aliases for computed columns', async () => {
    const page = new BinaryQuery<{ id: string }>(
      pool,
      db().select({ id: assets.id }).from(assets).orderBy(asc(assets.id)).limit(sql.placeholder('limit')).offset(sql.placeholder('offset')),
    );
    expect(await page.execute({ limit: 2, offset: 1 })).toEqual([{ id: 'data_b' }, { id: 'mdl_c' }]);
    const total = new BinaryQuery<{ total: number }>(pool, db().select({ total: count().as('total') }).from(assets).where(eq(assets.resourceType, sql.placeholder('type'))));
    expect(await total.execute({ type: 'datasets' })).toEqual([{ total: 2 }]);
  });

  it('refuses a call that leaves a placeholder without a value', async () => {
    const query = new BinaryQuery(pool, db().select().from(assets).where(eq(assets.id, sql.placeholder('id'))));
    await expect(query.execute({})).rejects.toThrow(/placeholder/i);
  });
});

describe('a failing BinaryQuery', () => {
  it('throws what Drizzle throws, with the driver error as its cause', async () => {
    const query = new BinaryQuery(pool, db().select().from(assets).where(eq(assets.id, sql.placeholder('id'))));
    await database.query('ALTER TABLE assets RENAME COLUMN name TO title');
    try {
      const failure = await query.execute({ id: 'data_a' }).then(() => undefined, (err: unknown) => err);
      expect(failure).toBeInstanceOf(DrizzleQueryError);
      expect((failure as DrizzleQueryError).cause).toMatchObject({ code: 'ER_BAD_FIELD_ERROR' });
    } finally {
      await database.query('ALTER TABLE assets RENAME COLUMN title TO name');
    }
  });
});
