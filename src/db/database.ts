import path from 'node:path';
import mysql from 'mysql2/promise';
import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import * as schema from './schema';
import { parseDatabaseUrl } from './connection-url';
import { getLock, lockName, releaseLock } from './named-lock';
import { DatabaseNotReadyError, describeDatabaseError, unavailableReason, type UnavailableReason } from './database-errors';
import { DedicatedConnection } from './dedicated-connection';
import { GuardedConnection, type QueryKiller } from './guarded-connection';
import { QueryScope } from './query-scope';
import { serverFlavourOf, type ServerFlavour } from './statement-deadline';
import type { Config } from '../config';
import type { Logger } from '../lifecycle/logger';

export type Db = MySql2Database<typeof schema>;

/** Longest wait for another replica's migrations before the attempt counts as failed (and is retried). */
const MIGRATION_LOCK_WAIT_S = 120;

/** Bound of one `KILL QUERY` beyond the connect timeout: a kill that does not answer leaves the server-side deadline. */
const KILL_ANSWER_MS = 1000;

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
  /** Which statement deadline the server understands; learnt from `VERSION()` each time the database is prepared. */
  private flavour: ServerFlavour = 'mariadb';
  /** The readiness ping's own connection: a saturated pool must not read as an unreachable database. */
  private readonly readiness: DedicatedConnection;
  /** Where `KILL QUERY` is sent from: cancelling must not wait for a pool connection. */
  private readonly control: DedicatedConnection;
  private readonly killer: QueryKiller;

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
    // Both on the server URL (no database), so they work before the database exists.
    const side = { uri: parseDatabaseUrl(config.url).serverUrl, connectTimeoutMs: config.connectTimeoutMs };
    this.readiness = new DedicatedConnection(side);
    this.control = new DedicatedConnection(side);
    this.killer = { killQuery: async (threadId) => void (await this.control.query(`KILL QUERY ${Number(threadId)}`, config.connectTimeoutMs + KILL_ANSWER_MS)) };
  }

  get serverFlavour(): ServerFlavour {
    return this.flavour;
  }

  /**
   * A pool connection for one request's queries, under a `QueryScope` of `timeoutMs` that `clientGone` can cancel:
   * a deadline on every SELECT, `KILL QUERY` when cancelled. Cancelled while waiting for the pool, it throws the
   * `QueryCancelledError` at once. Give it back with `GuardedConnection.release()`.
   */
  async guardedConnection(timeoutMs: number, clientGone?: AbortSignal): Promise<GuardedConnection> {
    const scope = new QueryScope(timeoutMs, clientGone);
    const pending = this.pool.getConnection();
    let onAbort: (() => void) | undefined;
    try {
      scope.throwIfCancelled();
      const conn = await Promise.race([
        pending,
        new Promise<never>((_, reject) => {
          onAbort = () => reject(scope.signal.reason as Error);
          scope.signal.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
      return new GuardedConnection(conn, scope, this.flavour, this.killer);
    } catch (error) {
      scope.dispose();
      // Cancelled while waiting: the connection, when the pool hands it over, goes straight back.
      pending.then((conn) => conn.release(), () => undefined);
      throw error;
    } finally {
      if (onAbort) scope.signal.removeEventListener('abort', onAbort);
    }
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
   * Checks the database answers now, on a connection of its own (a pool saturated by slow requests is not an
   * unreachable database). When it does not: a reason code for clients and the driver's detail, which names hosts,
   * users and schemas and so belongs in the log only.
   */
  async ping(timeoutMs: number): Promise<{ ok: true } | { ok: false; reason: UnavailableReason; detail: string }> {
    try {
      await this.readiness.query('SELECT 1', timeoutMs);
      if (!this.ready) return { ok: false, reason: this.notReadyReason, detail: this.lastError };
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: 'unreachable', detail: describeDatabaseError(error) };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.preparing?.catch(() => undefined);
    await Promise.all([this.readiness.close(), this.control.close()]);
    await this.pool.end();
  }

  private attempt(): Promise<void> {
    this.preparing = this.prepare()
      .then(() => {
        this.ready = true;
        this.markReady();
        this.logger.info({ migrated: this.config.migrateOnStart, server: this.flavour }, 'database ready');
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
      const [versionRows] = (await admin.query('SELECT VERSION() AS version')) as unknown as [Array<{ version: string }>];
      this.flavour = serverFlavourOf(versionRows[0]?.version ?? '');
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
