import path from 'node:path';
import mysql from 'mysql2/promise';
import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import * as schema from './schema';
import { parseDatabaseUrl } from './connection-url';
import { getLock, lockName, releaseLock } from './named-lock';
import { DatabaseNotReadyError, describeDatabaseError, unavailableReason, type UnavailableReason } from './database-errors';
import type { Config } from '../config';
import type { Logger } from '../lifecycle/logger';

export type Db = MySql2Database<typeof schema>;

/** Longest wait for another replica's migrations before the attempt counts as failed (and is retried). */
const MIGRATION_LOCK_WAIT_S = 120;

/** Where drizzle-kit writes migrations; the same folder from `src/db` (tsx, vitest) and from `dist/db`. */
export const MIGRATIONS_FOLDER = path.resolve(__dirname, '..', '..', 'drizzle');

/**
 * Owns the connection pool and the schema's readiness. The pool is lazy, so the service starts with the database
 * down; `startPreparing` creates the database and applies migrations, retrying until it succeeds, so the service
 * recovers by itself when the database comes back.
 */
export class Database {
  readonly pool: mysql.Pool;
  readonly db: Db;
  private ready = false;
  private lastError = 'database not prepared yet';
  private notReadyReason: UnavailableReason = 'migrating';
  private retryTimer: NodeJS.Timeout | undefined;
  private preparing: Promise<void> | undefined;
  private closed = false;
  private markReady: () => void = () => undefined;
  private readonly readyPromise = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(
    private readonly config: Config['database'],
    private readonly logger: Logger,
  ) {
    this.pool = mysql.createPool({
      uri: config.url,
      connectionLimit: config.poolSize,
      connectTimeout: config.connectTimeoutMs,
      enableKeepAlive: true,
      timezone: 'Z',
      dateStrings: false,
      // No caller stack captured on every query (mysql2's promise wrapper does Error.captureStackTrace per query
      // by default): measurable on the hot reads, and our errors are logged with the route that failed.
      trace: false,
    });
    // A dead connection must not crash the process; mysql2 drops it from the pool and the next query reconnects.
    this.pool.on('connection', (conn) => conn.on('error', () => undefined));
    this.db = drizzle(this.pool, { schema, mode: 'default' });
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Resolves once the schema is in place (never, if it never is). */
  whenReady(): Promise<void> {
    return this.readyPromise;
  }

  /** Throws `DatabaseNotReadyError` (mapped to 503) while the schema is not in place. */
  assertReady(): void {
    if (!this.ready) throw new DatabaseNotReadyError(this.notReadyReason, this.lastError);
  }

  /** Starts preparing in the background; resolves after the first attempt, whatever its outcome. */
  startPreparing(): Promise<void> {
    return this.attempt();
  }

  /**
   * Checks the database answers now. When it does not: a reason code for clients and the driver's detail, which
   * names hosts, users and schemas and so belongs in the log only.
   */
  async ping(timeoutMs: number): Promise<{ ok: true } | { ok: false; reason: UnavailableReason; detail: string }> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.pool.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      if (!this.ready) return { ok: false, reason: this.notReadyReason, detail: this.lastError };
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: 'unreachable', detail: describeDatabaseError(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.preparing?.catch(() => undefined);
    await this.pool.end();
  }

  private attempt(): Promise<void> {
    this.preparing = this.prepare()
      .then(() => {
        this.ready = true;
        this.markReady();
        this.logger.info({ migrated: this.config.migrateOnStart }, 'database ready');
      })
      .catch((error: unknown) => {
        this.lastError = describeDatabaseError(error);
        this.notReadyReason = unavailableReason(error) ?? 'migrating';
        this.logger.warn(
          { err: this.lastError, retryInMs: this.config.retryIntervalMs },
          'database not ready; will retry',
        );
        if (!this.closed) {
          this.retryTimer = setTimeout(() => void this.attempt(), this.config.retryIntervalMs);
          this.retryTimer.unref();
        }
      });
    return this.preparing;
  }

  /**
   * Replicas starting at once on an empty database: one takes a named lock and migrates; the others wait for the
   * lock, then find every migration applied and go on. Nobody exits or crash-loops; a wait longer than
   * MIGRATION_LOCK_WAIT_S is a failed attempt, retried like any other.
   */
  private async migrateUnderLock(database: string): Promise<void> {
    const name = lockName('migrate', database);
    const conn = await mysql.createConnection({ uri: this.config.url, connectTimeout: this.config.connectTimeoutMs });
    try {
      if (!(await getLock(conn, name, 0))) {
        this.logger.info('another replica is migrating the database; waiting for it');
        if (!(await getLock(conn, name, MIGRATION_LOCK_WAIT_S))) {
          throw new DatabaseNotReadyError('migrating', `waited ${MIGRATION_LOCK_WAIT_S} s for another replica's migrations`);
        }
      }
      await migrate(this.db, { migrationsFolder: MIGRATIONS_FOLDER });
      await releaseLock(conn, name);
    } finally {
      await conn.end().catch(() => undefined);
    }
  }

  private async prepare(): Promise<void> {
    const { serverUrl, database } = parseDatabaseUrl(this.config.url);
    const admin = await mysql.createConnection({ uri: serverUrl, connectTimeout: this.config.connectTimeoutMs });
    try {
      await admin.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    } finally {
      await admin.end().catch(() => undefined);
    }
    if (this.config.migrateOnStart) {
      await this.migrateUnderLock(database);
    } else {
      // Without migrations we still want to know the schema exists before serving.
      await this.pool.query('SELECT 1 FROM assets LIMIT 1');
    }
  }
}
