import type { Counter, Histogram, Meter } from '@opentelemetry/api';
import { lockConflictOf, type LockConflict } from '../db/database-errors';
import type { Logger } from '../lifecycle/logger';
import type { AccessRow } from './access-row';

export interface AccessLogWriterOptions {
  flushIntervalMs: number;
  batchSize: number;
  maxQueue: number;
  shutdownTimeoutMs: number;
  /** Batches written at once: MariaDB spends its time in CPU per statement, so two in flight write ~15 % more rows/s. */
  writeConcurrency?: number;
  /** Longest pause between retries while the database fails. */
  maxBackoffMs?: number;
}

/** What a committed batch reports: how many of its rows were folded into per-minute counts instead of stored raw. */
export interface BatchWritten {
  folded: number;
}

export interface BatchSink {
  insertBatch(rows: readonly AccessRow[]): Promise<BatchWritten | void>;
}

export type DropReason = 'queue_full' | 'shutdown';

/** Attempts of one batch while it keeps meeting lock conflicts; beyond, it fails like any write (backoff, kept). */
const MAX_LOCK_RETRIES = 5;

/**
 * Takes access rows off the request path: `enqueue` is a push onto a bounded in-memory queue; batches are written
 * as soon as a batch is full, and a partial batch once per flush interval. Under load this keeps batches full: a
 * writer that took whatever was queued after each write would fall into one small transaction per round trip
 * (measured: ~30 rows per batch at 5k req/s, costing the service ~10 % of its throughput). A failing write keeps its rows at the head of the queue and
 * is retried with exponential backoff; only a full queue (new rows) or a shutdown that runs out of time drops rows,
 * and every dropped row is counted by reason.
 */
export class AccessLogWriter {
  private queue: AccessRow[] = [];
  /** Rows taken off the queue by a batch write that has not finished; they count against the bound. */
  private inFlightRows = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** Rows at the head of the queue that may go in a partial batch: what was queued at the last tick or stop. */
  private dueRows = 0;
  private backoffMs = 0;
  private retryAt = 0;
  private stopped = false;
  /** Set by `stop()`: no batch starts at or after it. */
  private deadline = Number.POSITIVE_INFINITY;
  /** Set once `stop()` has counted what is left as dropped: late outcomes must not count those rows again. */
  private abandoned = false;
  private readonly written: Counter;
  private readonly folded: Counter;
  private readonly dropped: Counter;
  private readonly flushErrors: Counter;
  private readonly flushDuration: Histogram;
  private readonly lockRetries: Counter;
  /** Plain counters too, for tests and logs. */
  readonly stats = {
    written: 0,
    folded: 0,
    dropped: { queue_full: 0, shutdown: 0 } as Record<DropReason, number>,
    flushErrors: 0,
    lockRetries: { deadlock: 0, lock_wait_timeout: 0 } as Record<LockConflict, number>,
  };

  constructor(
    private readonly sink: BatchSink,
    private readonly options: AccessLogWriterOptions,
    meter: Meter,
    private readonly logger: Logger,
  ) {
    this.written = meter.createCounter('access_log_rows_written_total', { description: 'Access-log rows written to the database.' });
    this.folded = meter.createCounter('access_log_rows_folded_total', {
      description: 'Access-log rows (counted in written) for assets that do not exist, folded into per-minute counts instead of stored raw.',
    });
    this.dropped = meter.createCounter('access_log_rows_dropped_total', { description: 'Access-log rows dropped, by reason.' });
    this.flushErrors = meter.createCounter('access_log_flush_errors_total', { description: 'Failed access-log batch writes (rows kept and retried).' });
    this.flushDuration = meter.createHistogram('access_log_flush_duration_seconds', {
      description: 'Time to write one access-log batch, in seconds.',
      advice: { explicitBucketBoundaries: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] },
    });
    // Export every series from the start at 0: alerts on rate() or increase() need them to exist before the first
    // failure (OpenTelemetry only exports a counter once it has been added to).
    this.written.add(0);
    this.folded.add(0);
    this.flushErrors.add(0);
    this.lockRetries = meter.createCounter('access_log_write_retries_total', {
      description: 'Access-log batch writes retried after a deadlock or lock-wait timeout (rolled back whole, so counted once).',
    });
    for (const reason of ['deadlock', 'lock_wait_timeout'] as const) this.lockRetries.add(0, { reason });
    for (const reason of ['queue_full', 'shutdown'] as const) this.dropped.add(0, { reason });
    meter
      .createObservableGauge('access_log_queue_depth', { description: 'Access-log rows waiting to be written.' })
      .addCallback((result) => result.observe(this.queueDepth));
  }

  /** Rows not yet written: queued plus in flight. */
  get queueDepth(): number {
    return this.queue.length + this.inFlightRows;
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  /** Never throws and never waits: the request path only pays for a push. */
  enqueue(row: AccessRow): void {
    if (this.stopped || this.queueDepth >= this.options.maxQueue) {
      this.drop(this.stopped ? 'shutdown' : 'queue_full', 1);
      return;
    }
    this.queue.push(row);
    if (this.queue.length >= this.options.batchSize && this.flushing === undefined && Date.now() >= this.retryAt) {
      setImmediate(() => void this.drainQueue());
    }
  }

  /** Writes everything queued now (full batches, then the remainder); resolves when the drain is over. */
  flush(): Promise<void> {
    this.dueRows = this.queue.length;
    return this.drainQueue();
  }

  /** One drain at a time; a running drain sees rows made due meanwhile. */
  private drainQueue(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.queue.length === 0 || Date.now() < this.retryAt) return Promise.resolve();
    this.flushing = this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /**
   * Stops taking rows and writes what is queued until the shutdown deadline. No batch starts after the deadline;
   * what is left then — queued, or in a write still under way — is counted as dropped (`reason="shutdown"`) before
   * this returns, so the pool can close right after. A write cut off by the pool closing rolls back, so its rows
   * are not in the table either; should one commit anyway, it is logged.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const deadline = Date.now() + this.options.shutdownTimeoutMs;
    this.deadline = deadline;
    this.retryAt = 0;
    while (this.queueDepth > 0 && Date.now() < deadline) {
      await waitAtMost(this.flush(), deadline - Date.now());
      if (this.queue.length > 0 && Date.now() < deadline) {
        // A failed write: wait for its backoff, but not past the deadline.
        await waitAtMost(undefined, Math.min(this.retryAt, deadline) - Date.now());
        this.retryAt = 0;
      }
    }
    this.abandoned = true;
    const left = this.queue.length + this.inFlightRows;
    if (left > 0) {
      this.logger.error({ rows: left, inFlight: this.inFlightRows }, 'access log: shutdown timeout reached, dropping unwritten rows');
      this.drop('shutdown', left);
      this.queue = [];
    }
  }

  /** Up to `writeConcurrency` batch writers take batches off the head of the queue while any is due, until one fails. */
  private async drain(): Promise<void> {
    const writers = Math.max(1, this.options.writeConcurrency ?? 1);
    await Promise.all(Array.from({ length: writers }, () => this.writeBatches()));
  }

  private async writeBatches(): Promise<void> {
    while (
      Date.now() >= this.retryAt &&
      Date.now() < this.deadline &&
      (this.queue.length >= this.options.batchSize || (this.dueRows > 0 && this.queue.length > 0))
    ) {
      const batch = this.queue.splice(0, this.options.batchSize);
      this.dueRows = Math.max(0, this.dueRows - batch.length);
      this.inFlightRows += batch.length;
      const started = performance.now();
      let folded = 0;
      try {
        folded = await this.insertWithLockRetries(batch);
      } catch (err) {
        if (this.abandoned) return; // already counted as dropped by stop()
        // The batch goes back to the head of the queue; every writer stops until the backoff has passed.
        this.queue.unshift(...batch);
        this.dueRows += batch.length;
        this.flushErrors.add(1);
        this.stats.flushErrors++;
        this.backoffMs = Math.min(this.backoffMs === 0 ? 100 : this.backoffMs * 2, this.options.maxBackoffMs ?? 30_000);
        this.retryAt = Date.now() + this.backoffMs;
        this.logger.warn({ err, rows: batch.length, queued: this.queueDepth, retryInMs: this.backoffMs }, 'access log: batch write failed; rows kept');
        return;
      } finally {
        this.inFlightRows -= batch.length;
      }
      if (this.abandoned) {
        this.logger.warn({ rows: batch.length }, 'access log: a batch counted as dropped at the shutdown deadline was written after all');
      }
      this.backoffMs = 0;
      this.flushDuration.record((performance.now() - started) / 1000);
      this.written.add(batch.length);
      this.stats.written += batch.length;
      this.folded.add(folded);
      this.stats.folded += folded;
    }
  }

  /**
   * A deadlock or lock-wait timeout between replicas writing the same keys is not an outage: the transaction was
   * rolled back whole (nothing of it counted), so it is tried again at once, a few times, and counted by reason.
   */
  private async insertWithLockRetries(batch: AccessRow[]): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.sink.insertBatch(batch))?.folded ?? 0;
      } catch (err) {
        const reason = lockConflictOf(err);
        if (reason === undefined || attempt >= MAX_LOCK_RETRIES || this.abandoned) throw err;
        this.lockRetries.add(1, { reason });
        this.stats.lockRetries[reason]++;
        await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt)); // jitter: do not collide again
      }
    }
  }

  private drop(reason: DropReason, count: number): void {
    this.dropped.add(count, { reason });
    this.stats.dropped[reason] += count;
  }
}

/** Waits for `promise` (or nothing), at most `ms`; the timer is cleared either way so it never holds the process. */
async function waitAtMost(promise: Promise<unknown> | undefined, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
  });
  try {
    await (promise ? Promise.race([promise, timeout]) : timeout);
  } finally {
    clearTimeout(timer);
  }
}
