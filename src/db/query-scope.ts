/** Why a query was stopped before it finished. */
export const CANCEL_REASONS = ['timeout', 'client_gone'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

/** A query stopped on purpose: its deadline passed or the client that asked for it went away. Not a failure. */
export class QueryCancelledError extends Error {
  constructor(readonly reason: CancelReason, cause?: unknown) {
    super(reason === 'timeout' ? 'query ran past its deadline' : 'the client went away', cause === undefined ? undefined : { cause });
    this.name = 'QueryCancelledError';
  }
}

/**
 * The life of one request's queries: a deadline (`timeoutMs` from now) and a signal that aborts, with a
 * `QueryCancelledError`, when the deadline passes or `clientGone` aborts, whichever comes first. `dispose()` when
 * the request is done, so the timer and the listener go with it.
 */
export class QueryScope {
  readonly deadlineAt: number;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onClientGone = () => this.cancel('client_gone');

  constructor(
    readonly timeoutMs: number,
    private readonly clientGone?: AbortSignal,
  ) {
    this.deadlineAt = Date.now() + timeoutMs;
    this.timer = setTimeout(() => this.cancel('timeout'), timeoutMs);
    this.timer.unref();
    if (clientGone?.aborted) this.cancel('client_gone');
    else clientGone?.addEventListener('abort', this.onClientGone, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Milliseconds left before the deadline (0 once it passed). */
  remainingMs(now = Date.now()): number {
    return Math.max(0, this.deadlineAt - now);
  }

  /** The reason the scope was cancelled for, if it was. */
  get cancelled(): QueryCancelledError | undefined {
    return this.controller.signal.aborted ? (this.controller.signal.reason as QueryCancelledError) : undefined;
  }

  throwIfCancelled(): void {
    const cancelled = this.cancelled;
    if (cancelled) throw cancelled;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.clientGone?.removeEventListener('abort', this.onClientGone);
  }

  private cancel(reason: CancelReason): void {
    if (!this.controller.signal.aborted) this.controller.abort(new QueryCancelledError(reason));
  }
}
