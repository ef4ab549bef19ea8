/** Why a request was turned away instead of run. */
export type RejectReason = 'queue_full' | 'queue_timeout';

export class AdmissionRejectedError extends Error {
  constructor(readonly reason: RejectReason) {
    super(reason === 'queue_full' ? 'too many requests waiting' : 'waited too long for a turn');
    this.name = 'AdmissionRejectedError';
  }
}

export interface AdmissionLimits {
  /** Requests running at once. */
  maxConcurrent: number;
  /** Requests waiting for a turn at once; beyond, a request is rejected at once. */
  maxQueued: number;
  /** Longest wait for a turn before the request is rejected. */
  queueTimeoutMs: number;
}

interface Waiter {
  admit(): void;
}

/**
 * At most `maxConcurrent` holders at a time; up to `maxQueued` more wait (first come, first served) at most
 * `queueTimeoutMs`. A waiter whose `signal` aborts (its client went away) leaves the queue and its place is free.
 */
export class AdmissionGate {
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly limits: AdmissionLimits) {}

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
  enter(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.running < this.limits.maxConcurrent && this.queue.length === 0) {
      this.running++;
      return Promise.resolve(this.leaver());
    }
    if (this.queue.length >= this.limits.maxQueued) return Promise.reject(new AdmissionRejectedError('queue_full'));
    return new Promise((resolve, reject) => {
      const leaveQueue = (error: unknown) => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
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
        admit: () => {
          cleanup();
          this.running++;
          resolve(this.leaver());
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private leaver(): () => void {
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.running--;
      this.queue.shift()?.admit();
    };
  }
}
