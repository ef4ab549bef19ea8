import type { Logger } from './logger';

interface ShutdownStep {
  name: string;
  run: () => Promise<void> | void;
  timeoutMs: number;
}

/**
 * The ordered list of things to do on SIGTERM/SIGINT: stop accepting requests, drain in-flight ones, flush the
 * access log, close the pool, flush telemetry. Each step is bounded by its own timeout and a failing step does not
 * stop the later ones, so a stuck dependency cannot keep the process alive or lose the steps after it.
 */
export class ShutdownSequence {
  private readonly steps: ShutdownStep[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  add(name: string, run: ShutdownStep['run'], timeoutMs = 10_000): this {
    this.steps.push({ name, run, timeoutMs });
    return this;
  }

  get stepNames(): string[] {
    return this.steps.map((s) => s.name);
  }

  /** Runs every step once, in order; later calls return the same promise. `reason` (e.g. the signal) is logged. */
  run(reason?: string): Promise<void> {
    if (this.running === undefined) {
      // Logged before the first step, so every step's line follows it.
      this.logger.info({ reason, steps: this.stepNames }, 'shutting down');
      this.running = this.runSteps();
    }
    return this.running;
  }

  private async runSteps(): Promise<void> {
    for (const step of this.steps) {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(step.run),
          new Promise<void>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${step.timeoutMs} ms`)), step.timeoutMs);
          }),
        ]);
        this.logger.info({ step: step.name, ms: Math.round(performance.now() - started) }, 'shutdown step done');
      } catch (err) {
        this.logger.error({ step: step.name, err }, 'shutdown step failed');
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
