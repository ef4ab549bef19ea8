/**
 * Background work run every `intervalMs` (the timer does not keep the process alive), never twice at once: a call
 * made while a run is in progress gets that run's result. `stop` ends the timer, marks the task stopped (a long run
 * checks `stopped` between its steps) and waits for the run in progress.
 *
 * `run` must not reject (each job logs its own failure and is tried again at the next tick): the timer has no one
 * to hand a rejection to.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopRequested = false;

  constructor(
    private readonly run: (nowMs: number) => Promise<number>,
    private readonly intervalMs: number,
  ) {}

  get stopped(): boolean {
    return this.stopRequested;
  }

  start(options: { runNow: boolean }): void {
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
    if (options.runNow) void this.runOnce();
  }

  /** One run now, or the one in progress; resolves with what the run reports (rows deleted, periods rolled). */
  runOnce(nowMs = Date.now()): Promise<number> {
    this.running ??= this.run(nowMs).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    clearInterval(this.timer);
    await this.running?.catch(() => 0);
  }
}
