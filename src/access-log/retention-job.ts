import type { Logger } from '../lifecycle/logger';
import { PeriodicTask } from '../lifecycle/periodic-task';
import type { AccessLogRepository } from './access-log-repository';
import { DAY_MS } from '../db/time-grains';

/**
 * Deletes raw access rows, per-minute aggregates and folded per-minute counts older than `retentionDays` (a `since`
 * is exact to the minute as long as raw rows exist), and hourly, daily and monthly aggregates older than
 * `hourlyRetentionDays`, in small batches so no statement holds locks for long; the all-time totals are kept. Runs
 * on the process holding the background-work lease as soon as it takes the lease (`runNow`, wired in `service.ts`:
 * a leader restarted more often than the interval would otherwise never run it), then every `intervalMs`; a failing
 * run is logged and tried again next time.
 */
export class RetentionJob {
  private readonly task: PeriodicTask;

  constructor(
    private readonly repository: AccessLogRepository,
    private readonly options: { retentionDays: number; hourlyRetentionDays?: number; intervalMs: number; batchSize?: number },
    private readonly logger: Logger,
    /** Whether this process does the background work (`LeaderLease`); one process alone always does. */
    private readonly isLeader: () => boolean = () => true,
  ) {
    this.task = new PeriodicTask((now) => this.deleteExpired(now), options.intervalMs);
  }

  start(): void {
    this.task.start({ runNow: false });
  }

  /** Starts a pass now, unless the job is stopped (or a pass is under way); for when this process becomes the leader. */
  runNow(): void {
    if (!this.task.stopped) void this.runOnce();
  }

  /** One pass; resolves with the number of rows deleted (raw and aggregate). */
  runOnce(now = Date.now()): Promise<number> {
    return this.task.runOnce(now);
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  private async deleteExpired(now: number): Promise<number> {
    if (!this.isLeader()) return 0;
    const { retentionDays, hourlyRetentionDays } = this.options;
    const rawBefore = now - retentionDays * DAY_MS;
    let raw = 0;
    let aggregates = 0;
    try {
      raw = await this.inBatches((limit) => this.repository.deleteOlderThan(rawBefore, limit));
      aggregates += await this.inBatches((limit) => this.repository.deletePeriodsBefore('minute', rawBefore, limit));
      aggregates += await this.inBatches((limit) => this.repository.deleteFoldedBefore(rawBefore, limit));
      if (hourlyRetentionDays !== undefined) {
        const aggregatesBefore = now - hourlyRetentionDays * DAY_MS;
        for (const grain of ['hour', 'day', 'month'] as const) {
          aggregates += await this.inBatches((limit) => this.repository.deletePeriodsBefore(grain, aggregatesBefore, limit));
        }
      }
      if (raw + aggregates > 0) this.logger.info({ raw, aggregates, retentionDays, hourlyRetentionDays }, 'access log retention');
    } catch (err) {
      this.logger.warn({ err, deletedSoFar: raw + aggregates }, 'access log retention failed; will retry');
    }
    return raw + aggregates;
  }

  private async inBatches(deleteUpTo: (limit: number) => Promise<number>): Promise<number> {
    const batch = this.options.batchSize ?? 5000;
    let total = 0;
    for (;;) {
      const deleted = await deleteUpTo(batch);
      total += deleted;
      if (deleted < batch || this.task.stopped) return total;
      await new Promise((r) => setTimeout(r, 10)); // let other writers in between batches
    }
  }
}
