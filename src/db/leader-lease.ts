import mysql from 'mysql2/promise';
import type { Logger } from '../lifecycle/logger';
import { parseDatabaseUrl } from './connection-url';
import { getLock, lockName, releaseLock } from './named-lock';

/**
 * Which replica (or worker) does the background work — the day and month roll-ups of the access aggregates and retention — so exactly one does
 * it, whatever the number of processes. The leader is whoever holds a named lock (`GET_LOCK`) on a connection of its
 * own; the lock goes with the connection, so a leader that dies or loses the database frees it, and another
 * process takes it at its next try (every `intervalMs`).
 */
export class LeaderLease {
  private conn: mysql.Connection | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private leader = false;
  private readonly acquiredListeners: Array<() => void> = [];
  private stopped = false;
  private readonly name: string;

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
    private readonly options: { intervalMs: number; connectTimeoutMs: number } = { intervalMs: 5000, connectTimeoutMs: 2000 },
  ) {
    this.name = lockName('leader', parseDatabaseUrl(url).database);
  }

  get isLeader(): boolean {
    return this.leader;
  }

  /**
   * Calls `listener` each time this process takes the lease (not on the checks that confirm it): background work
   * that must not wait a whole interval after a (re)start — retention — starts from here.
   */
  onAcquired(listener: () => void): void {
    this.acquiredListeners.push(listener);
  }

  /** Tries at once, then every interval; `check()` resolves after the first try. */
  start(): Promise<void> {
    this.timer = setInterval(() => void this.check(), this.options.intervalMs);
    this.timer.unref();
    return this.check();
  }

  /** Takes the lease if it is free, or confirms the connection that holds it is still alive. Never throws. */
  check(): Promise<void> {
    this.checking ??= this.tryOnce().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.checking;
    const conn = this.conn;
    this.conn = undefined;
    this.setLeader(false);
    if (conn) {
      await releaseLock(conn, this.name).catch(() => undefined);
      await conn.end().catch(() => undefined);
    }
  }

  private async tryOnce(): Promise<void> {
    if (this.stopped) return;
    try {
      if (this.conn && this.leader) {
        await this.conn.query('SELECT 1'); // still connected, so still holding the lock
        return;
      }
      this.conn ??= await this.connect();
      this.setLeader(await getLock(this.conn, this.name, 0));
    } catch (err) {
      // The connection (and with it the lock, if held) is gone: another process may take over now.
      this.setLeader(false);
      const conn = this.conn;
      this.conn = undefined;
      await conn?.end().catch(() => undefined);
      this.logger.debug({ err: (err as Error).message }, 'leader lease: database not reachable; will try again');
    }
  }

  private async connect(): Promise<mysql.Connection> {
    const conn = await mysql.createConnection({ uri: this.url, connectTimeout: this.options.connectTimeoutMs, enableKeepAlive: true });
    conn.on('error', () => undefined); // a dropped connection is noticed by the next check
    return conn;
  }

  private setLeader(leader: boolean): void {
    const acquired = leader && !this.leader;
    if (leader !== this.leader) this.logger.info({ leader }, leader ? 'took the background-work lease' : 'gave up the background-work lease');
    this.leader = leader;
    if (!acquired) return;
    for (const listener of this.acquiredListeners) {
      try {
        listener();
      } catch (err) {
        this.logger.warn({ err }, 'leader lease: a listener for taking the lease failed');
      }
    }
  }
}
