import { createHash } from 'node:crypto';
import type mysql from 'mysql2/promise';

/**
 * A server-wide lock name for `purpose` on one database. MariaDB and MySQL allow 64 characters; the database name
 * alone may have 64, so it is hashed: replicas on the same database share the name, tests on other databases do not.
 */
export function lockName(purpose: string, database: string): string {
  return `asset_catalogue.${purpose}.${createHash('sha256').update(database).digest('hex').slice(0, 16)}`;
}

/** `GET_LOCK` on this connection: true when it holds the lock (it is held until released or the connection ends). */
export async function getLock(conn: mysql.Connection, name: string, timeoutSeconds: number): Promise<boolean> {
  const [rows] = (await conn.query('SELECT GET_LOCK(?, ?) AS got', [name, timeoutSeconds])) as unknown as [Array<{ got: number | null }>];
  return rows[0]?.got === 1;
}

export async function releaseLock(conn: mysql.Connection, name: string): Promise<void> {
  await conn.query('SELECT RELEASE_LOCK(?)', [name]);
}
