import fs from 'node:fs';
import mysql from 'mysql2/promise';
import { median } from '../lib/report';
import { send } from './requests';

/** Calls `sample` every `everyMs` (one at a time) until stopped. */
class Loop {
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(everyMs: number, sample: () => Promise<void> | void) {
    this.done = (async () => {
      while (!this.stopped) {
        const started = performance.now();
        try {
          await sample();
        } catch {
          /* a failed sample is skipped; the next one tries again */
        }
        await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (performance.now() - started))));
      }
    })();
  }

  stop(): Promise<void> {
    this.stopped = true;
    return this.done;
  }
}

const kib = (status: string, field: string): number | undefined => {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : undefined;
};

/** The service's resident memory from /proc/<pid>/status every 100 ms, and its high-water mark (VmHWM). */
export class RssSampler {
  private peakKiB = 0;
  private hwmKiB = 0;
  private readonly loop: Loop;

  constructor(private readonly pid: number) {
    this.loop = new Loop(100, () => this.read());
  }

  private read(): void {
    const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8'); // throws once the process is gone
    this.peakKiB = Math.max(this.peakKiB, kib(status, 'VmRSS') ?? 0);
    this.hwmKiB = Math.max(this.hwmKiB, kib(status, 'VmHWM') ?? 0);
  }

  /** Peak RSS in MiB: the larger of the sampled maximum and the kernel's high-water mark at the last reading. */
  async stop(): Promise<number> {
    try {
      this.read();
    } catch {
      /* the service has exited: the last readings stand */
    }
    await this.loop.stop();
    return Math.max(this.peakKiB, this.hwmKiB) / 1024;
  }
}

export interface ReadyResult {
  polls: number;
  failures: number;
  /** Outcomes of the failed polls: `503`, `timeout`, `ECONNREFUSED` … */
  failureKinds: Record<string, number>;
  /** The longest run of consecutive failed polls (Kubernetes pulls the pod at failureThreshold, 2 in our manifests). */
  longestRun: number;
}

/** Polls `/ready` every `everyMs` on a new connection each time, with the 2 s timeout of the manifests' probe. */
export class ReadySampler {
  private readonly result: ReadyResult = { polls: 0, failures: 0, failureKinds: {}, longestRun: 0 };
  private run = 0;
  private readonly loop: Loop;

  constructor(host: string, port: number, everyMs = 250) {
    this.loop = new Loop(everyMs, async () => {
      const { outcome } = await send(host, port, { method: 'GET', path: '/ready' }, { timeoutMs: 2000, agent: false });
      this.result.polls++;
      if (outcome === '200') {
        this.run = 0;
        return;
      }
      this.result.failures++;
      this.result.failureKinds[outcome] = (this.result.failureKinds[outcome] ?? 0) + 1;
      this.result.longestRun = Math.max(this.result.longestRun, ++this.run);
    });
  }

  async stop(): Promise<ReadyResult> {
    await this.loop.stop();
    return this.result;
  }
}

/** One run of one statement, as the processlist showed it: when it started and when it was last seen running. */
export interface StatementRun {
  connection: number;
  startedAt: number;
  lastSeenAt: number;
}

export interface DatabaseResult {
  /** Threads_running, the sampler's own statement not counted. */
  threadsMax: number;
  threadsMedian: number;
  /** Stats reads seen in the processlist (SELECTs on the aggregate tables), each run once. */
  statsStatements: StatementRun[];
  longestStatsMs: number;
}

/** A stats read: a SELECT (possibly under `SET STATEMENT … FOR`) on an aggregate table, not a writer's upsert or a roll-up. */
export function isStatsRead(info: string): boolean {
  return /asset_access_(minute|hourly|daily|monthly|total)\b/.test(info) && !/^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(info);
}

/**
 * Every 100 ms on a connection of its own: `SHOW GLOBAL STATUS LIKE 'Threads_running'` and the bench database's
 * running statements from information_schema.PROCESSLIST (`TIME_MS` on MariaDB, whole seconds on MySQL), so the
 * report can say how long stats reads ran and whether any outlived the client that asked for them.
 */
export class DatabaseSampler {
  private readonly threads: number[] = [];
  private readonly runs: StatementRun[] = [];
  private readonly current = new Map<number, StatementRun>();
  private loop: Loop | undefined;
  private conn: mysql.Connection | undefined;

  constructor(
    private readonly serverUrl: string,
    private readonly database: string,
  ) {}

  /** The sampler's connection, opened again after a failure (a timed-out query closes it). */
  private async connection(): Promise<mysql.Connection> {
    if (this.conn === undefined) {
      const conn = await mysql.createConnection({ uri: this.serverUrl, connectTimeout: 5000 });
      conn.on('error', () => {
        if (this.conn === conn) this.conn = undefined;
      });
      this.conn = conn;
    }
    return this.conn;
  }

  async start(): Promise<void> {
    const [[version]] = (await (await this.connection()).query('SELECT VERSION() AS v')) as unknown as [[{ v: string }]];
    const elapsed = version.v.includes('MariaDB') ? 'TIME_MS' : 'TIME * 1000';
    const processlist = `SELECT ID AS id, ${elapsed} AS ms, LEFT(INFO, 400) AS info FROM information_schema.PROCESSLIST
                         WHERE DB = ? AND COMMAND = 'Query' AND ID <> CONNECTION_ID()`;
    this.loop = new Loop(100, async () => {
      const conn = await this.connection();
      // Each with a timeout: a database in trouble must not hold the bench past its run.
      const query = <T>(sql: string, values: unknown[] = []) =>
        conn.query({ sql, timeout: 2000 }, values).catch((error: unknown) => {
          conn.destroy();
          if (this.conn === conn) this.conn = undefined;
          throw error;
        }) as unknown as Promise<[T]>;
      const [[status]] = await query<[{ Value: string }]>("SHOW GLOBAL STATUS LIKE 'Threads_running'");
      this.threads.push(Number(status.Value) - 1);
      const now = performance.now();
      const [rows] = await query<Array<{ id: number; ms: number | string; info: string | null }>>(processlist, [this.database]);
      const seen = new Set<number>();
      for (const row of rows) {
        if (row.info === null || !isStatsRead(row.info)) continue;
        const startedAt = now - Number(row.ms);
        const run = this.current.get(row.id);
        // The same connection with a start more than 150 ms off is its next statement.
        if (run && Math.abs(run.startedAt - startedAt) < 150) run.lastSeenAt = now;
        else {
          const fresh = { connection: row.id, startedAt, lastSeenAt: now };
          this.current.set(row.id, fresh);
          this.runs.push(fresh);
        }
        seen.add(row.id);
      }
      for (const id of this.current.keys()) if (!seen.has(id)) this.current.delete(id);
    });
  }

  /** Stats reads seen so far. */
  get statements(): readonly StatementRun[] {
    return this.runs;
  }

  async stop(): Promise<DatabaseResult> {
    await this.loop?.stop();
    this.conn?.destroy();
    return {
      threadsMax: this.threads.length ? Math.max(...this.threads) : Number.NaN,
      threadsMedian: this.threads.length ? median(this.threads) : Number.NaN,
      statsStatements: this.runs,
      longestStatsMs: this.runs.reduce((max, r) => Math.max(max, r.lastSeenAt - r.startedAt), 0),
    };
  }
}
