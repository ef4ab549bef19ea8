import mysql from 'mysql2/promise';

/**
 * One connection outside the pool, opened on first use and opened again after it failed, for the commands that must
 * not wait behind a busy pool: the readiness ping (a saturated pool is not an unreachable database) and `KILL QUERY`
 * (cancelling a statement must not need a connection the statements hold). Each command has a bound: a connection
 * that does not answer in time is dropped, and the next command starts on a fresh one.
 */
export class DedicatedConnection {
  private current: Promise<mysql.Connection> | undefined;
  private closed = false;

  constructor(private readonly options: { uri: string; connectTimeoutMs: number }) {}

  async query<Row = unknown>(sql: string, timeoutMs: number): Promise<Row[]> {
    if (this.closed) throw new Error('dedicated connection closed');
    const pending = (this.current ??= this.connect());
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        pending.then(async (conn) => (await conn.query(sql))[0] as Row[]),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (error) {
      // A server's answer to the statement (it carries an SQL state) leaves the connection usable; anything else
      // (refused, lost, silent) may not have.
      const answered = typeof (error as { sqlState?: unknown }).sqlState === 'string' && !(error as { fatal?: boolean }).fatal;
      if (!answered) this.drop(pending);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = this.current;
    this.current = undefined;
    const conn = await pending?.catch(() => undefined);
    await conn?.end().catch(() => conn.destroy());
  }

  private connect(): Promise<mysql.Connection> {
    const pending = mysql.createConnection({ uri: this.options.uri, connectTimeout: this.options.connectTimeoutMs, enableKeepAlive: true });
    pending.then(
      (conn) => conn.on('error', () => this.drop(pending)),
      () => this.drop(pending),
    );
    return pending;
  }

  private drop(pending: Promise<mysql.Connection>): void {
    if (this.current !== pending) return;
    this.current = undefined;
    pending.then((conn) => conn.destroy(), () => undefined);
  }
}
