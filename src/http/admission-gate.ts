/** Why a request was turned away instead of run. */
export const REJECT_REASONS = ['queue_full', 'queue_timeout'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export class AdmissionRejectedError extends Error {
  constructor(readonly reason: RejectReason) {
    super(reason === 'queue_full' ? 'too many requests waiting' : 'waited too long for a turn');
    this.name = 'AdmissionRejectedError';
  }
}

export interface AdmissionLimits {
  /** Requests running at once. */
  maxConcurrent: number;
  /**
   * Heavy requests (the caller says which) running at once, at most: the other turns stay free for light ones, so a
   * client sending only heavy requests cannot take every turn from the light ones. Default: half of `maxConcurrent`,
   * at least 1.
   */
  maxHeavy?: number;
  /** Requests waiting for a turn at once; beyond, a request is rejected at once. */
  maxQueued: number;
  /** Longest wait for a turn before the request is rejected. */
  queueTimeoutMs: number;
}

interface Waiter {
  heavy: boolean;
  admit(): void;
}

/**
 * At most `maxConcurrent` holders at a time, of which at most `maxHeavy` heavy; up to `maxQueued` more wait (first
 * come, first served among those that may run; heavy ones at most half the queue) at most `queueTimeoutMs`. A waiter
 * whose `signal` aborts (its client went away) leaves the queue and its place is free.
 */
export class AdmissionGate {
  private running = 0;
  private runningHeavy = 0;
  private queuedHeavy = 0;
  private readonly queue: Waiter[] = [];
  private readonly maxHeavy: number;
  private readonly maxQueuedHeavy: number;

  constructor(private readonly limits: AdmissionLimits) {
    this.maxHeavy = Math.min(limits.maxConcurrent, limits.maxHeavy ?? Math.max(1, Math.floor(limits.maxConcurrent / 2)));
    this.maxQueuedHeavy = Math.ceil(limits.maxQueued / 2);
  }

  get active(): number {
    return this.running;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Resolves with the function that gives the turn back (call it once, when done); rejects with an
   * `AdmissionRejectedError`, or with the signal's reason when it aborts while waiting.
   */
  enter(signal?: AbortSignal, heavy = false): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    // Whenever a turn is given back, every waiter that may run is admitted: those still queued may not. So one that
    // may run now overtakes none that could.
    if (this.mayRun(heavy)) {
      this.take(heavy);
      return Promise.resolve(this.leaver(heavy));
    }
    if (this.queue.length >= this.limits.maxQueued || (heavy && this.queuedHeavy >= this.maxQueuedHeavy)) {
      return Promise.reject(new AdmissionRejectedError('queue_full'));
    }
    return new Promise((resolve, reject) => {
      const leaveQueue = (error: unknown) => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
        if (heavy) this.queuedHeavy--;
        cleanup();
        reject(error);
      };
      const onAbort = () => leaveQueue(signal?.reason);
      const timer = setTimeout(() => leaveQueue(new AdmissionRejectedError('queue_timeout')), this.limits.queueTimeoutMs);
      timer.unref();
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        heavy,
        admit: () => {
          cleanup();
          this.take(heavy);
          resolve(this.leaver(heavy));
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      if (heavy) this.queuedHeavy++;
    });
  }

  private mayRun(heavy: boolean): boolean {
    return this.running < this.limits.maxConcurrent && (!heavy || this.runningHeavy < this.maxHeavy);
  }

  private take(heavy: boolean): void {
    this.running++;
    if (heavy) this.runningHeavy++;
  }

  private leaver(heavy: boolean): () => void {
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.running--;
      if (heavy) this.runningHeavy--;
      // First come, first served among the waiters that may run now.
      for (let i = 0; i < this.queue.length; ) {
        const waiter = this.queue[i] as Waiter;
        if (!this.mayRun(waiter.heavy)) {
          i++;
          continue;
        }
        this.queue.splice(i, 1);
        if (waiter.heavy) this.queuedHeavy--;
        waiter.admit();
      }
    };
  }
}
