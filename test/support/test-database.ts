import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

export const MYSQL_SERVER_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';

/** A throw-away database for one test file: a unique name, created lazily by the service, dropped by `drop()`. */
export class TestDatabase {
  readonly name = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

  /** URL of this database on the real server, or behind `host:port` (a proxy) when given. */
  url(hostPort?: string): string {
    const base = new URL(MYSQL_SERVER_URL);
    if (hostPort) base.host = hostPort;
    base.pathname = `/${this.name}`;
    return base.toString();
  }

  async query<T = unknown>(sql: string, values: unknown[] = []): Promise<T> {
    const conn = await mysql.createConnection({ uri: this.url(), timezone: 'Z' });
    try {
      const [rows] = await conn.query(sql, values);
      return rows as T;
    } finally {
      await conn.end();
    }
  }

  async drop(): Promise<void> {
    const conn = await mysql.createConnection({ uri: MYSQL_SERVER_URL });
    try {
      await conn.query(`DROP DATABASE IF EXISTS \`${this.name}\``);
    } finally {
      await conn.end();
    }
  }
}
