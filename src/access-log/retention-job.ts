import type { Logger } from '../lifecycle/logger';
import type { AccessLogRepository } from './access-log-repository';

const DAY_MS = 86_400_000;

/**
 * Deletes raw access rows older than the retention period, in small batches so no statement holds locks for long;
 * the aggregates are kept. Runs every `intervalMs`; a failing run is logged and tried again next time.
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(
    private readonly repository: AccessLogRepository,
    private readonly options: { retentionDays: number; intervalMs: number; batchSize?: number },
    private readonly logger: Logger,
    /** Whether this process does the background work (`LeaderLease`); one process alone always does. */
    private readonly isLeader: () => boolean = () => true,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
  }

  /** One pass; resolves with the number of rows deleted. */
  runOnce(now = Date.now()): Promise<number> {
    this.running ??= this.deleteExpired(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => 0);
  }

  private async deleteExpired(now: number): Promise<number> {
    if (!this.isLeader()) return 0;
    const before = now - this.options.retentionDays * DAY_MS;
    const batch = this.options.batchSize ?? 5000;
    let total = 0;
    try {
      for (;;) {
        const deleted = await this.repository.deleteOlderThan(before, batch);
        total += deleted;
        if (deleted < batch || this.stopped) break;
        await new Promise((r) => setTimeout(r, 10)); // let other writers in between batches
      }
      if (total > 0) this.logger.info({ deleted: total, retentionDays: this.options.retentionDays }, 'access log retention');
    } catch (err) {
      this.logger.warn({ err, deletedSoFar: total }, 'access log retention failed; will retry');
    }
    return total;
  }
}
