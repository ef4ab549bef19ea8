import type { FieldPacket, PoolConnection } from 'mysql2/promise';
import { isQueryInterrupted, isSelectStatement, isStatementTimeout, withStatementDeadline, type ServerFlavour } from './statement-deadline';
import { QueryCancelledError, type QueryScope } from './query-scope';

/** Ends the statement running on a connection, from another connection (`KILL QUERY <thread id>`). */
export interface QueryKiller {
  killQuery(threadId: number): Promise<void>;
}

/** What the stats code needs of a connection: mysql2's `query(sql, params)` shape, so either can be passed. */
export interface StatementRunner {
  query(sql: string, params?: unknown[]): Promise<[unknown, FieldPacket[] | undefined]>;
}

/**
 * A pool connection lent to one request's queries under its `QueryScope`: every SELECT carries the server-side
 * deadline (what is left of the scope's), and when the scope is cancelled (deadline passed, client gone) the
 * running statement is ended with `KILL QUERY` (closing the socket would not stop it on the server) and the error
 * it ends with becomes the scope's `QueryCancelledError`. `release()` gives the connection back only once it is
 * clean: the kill acknowledged (so it cannot hit the next user's statement), any transaction rolled back; a
 * connection that cannot be made clean is destroyed instead. The connection owns its scope: `release()` ends it.
 */
export class GuardedConnection implements StatementRunner {
  private killing: Promise<boolean> | undefined;
  /** Set once a statement other than a SELECT ran (a transaction may be open) or a kill was sent. */
  private needsRollback = false;

  constructor(
    private readonly conn: PoolConnection,
    private readonly scope: QueryScope,
    private readonly flavour: ServerFlavour,
    private readonly killer: QueryKiller,
  ) {}

  /** mysql2's `query` (text protocol, parameters formatted on the client), under the scope's deadline. */
  query(sql: string, params?: unknown[]): Promise<[unknown, FieldPacket[] | undefined]> {
    return this.run(sql, this.scope.remainingMs(), (bounded) => this.conn.query(bounded, params));
  }

  /**
   * mysql2's `execute` (a prepared statement, kept per connection by its text): bounded by the scope's whole budget,
   * not what is left of it, so one statement text is prepared once, not once per request.
   */
  execute(sql: string, params?: unknown[]): Promise<[unknown, FieldPacket[] | undefined]> {
    return this.run(sql, this.scope.timeoutMs, (bounded) => this.conn.execute(bounded, params as never));
  }

  /**
   * Ends the scope and gives the connection back to the pool once it is clean (see the class). Never throws; need
   * not be awaited (the answer need not wait for the rollback).
   */
  async release(): Promise<void> {
    this.scope.dispose();
    try {
      if (this.killing && !(await this.killing)) throw new Error('KILL QUERY not acknowledged: the statement may still run');
      if (this.needsRollback) await this.conn.query('ROLLBACK');
      this.conn.release();
    } catch {
      this.conn.destroy();
    }
  }

  private async run<T>(sql: string, deadlineMs: number, send: (bounded: string) => Promise<T>): Promise<T> {
    this.scope.throwIfCancelled();
    if (!isSelectStatement(sql)) this.needsRollback = true;
    const kill = () => this.kill();
    this.scope.signal.addEventListener('abort', kill, { once: true });
    try {
      return await send(withStatementDeadline(sql, this.flavour, deadlineMs));
    } catch (error) {
      const cancelled = this.scope.cancelled;
      // The driver's error stays as the cause (1317 after a kill, 1969/3024 at the server's deadline).
      if (cancelled && (isQueryInterrupted(error) || isStatementTimeout(error))) throw new QueryCancelledError(cancelled.reason, error);
      if (isStatementTimeout(error)) throw new QueryCancelledError('timeout', error);
      throw error;
    } finally {
      this.scope.signal.removeEventListener('abort', kill);
    }
  }

  private kill(): void {
    this.needsRollback = true;
    this.killing ??= this.killer.killQuery(this.conn.threadId).then(
      () => true,
      () => false,
    );
  }
}
