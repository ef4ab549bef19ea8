import type { Context } from 'koa';
import type { Counter, Meter } from '@opentelemetry/api';
import { AppError } from '../errors/app-error';
import { AdmissionGate, AdmissionRejectedError, REJECT_REASONS, type AdmissionLimits } from '../http/admission-gate';
import { watchClientGone } from '../http/client-gone';
import { CANCEL_REASONS, QueryCancelledError } from '../db/query-scope';
import type { Logger } from '../lifecycle/logger';
import type { TopWeight } from './top-query';

/**
 * What stands around every stats query of this process: admission (at most `maxConcurrent` at once, a short bounded
 * queue, then 429 with `Retry-After`), and the query's cancellation when the client goes away (the query deadline
 * itself is the repository's). A query past its deadline answers 503 with reason `timeout`; both cancellations are
 * counted and logged below error level: they are the bound working, not a failure.
 */
export class StatsGuard {
  private readonly gate: AdmissionGate;
  private readonly cancelled: Counter;
  private readonly rejected: Counter;
  private readonly retryAfterS: string;

  constructor(
    limits: AdmissionLimits,
    meter: Meter,
    private readonly logger: Logger,
  ) {
    this.gate = new AdmissionGate(limits);
    this.retryAfterS = String(Math.max(1, Math.ceil(limits.queueTimeoutMs / 1000)));
    this.cancelled = meter.createCounter('stats_queries_cancelled_total', {
      description: 'Stats queries cancelled (KILL QUERY or the server-side deadline), by reason: timeout or client_gone.',
    });
    this.rejected = meter.createCounter('stats_requests_rejected_total', {
      description: 'Stats requests answered 429 without running, by reason: queue_full or queue_timeout.',
    });
    // Every series from the start at 0, so rate() and alerts see them before the first event.
    for (const reason of CANCEL_REASONS) this.cancelled.add(0, { reason });
    for (const reason of REJECT_REASONS) this.rejected.add(0, { reason });
    meter
      .createObservableGauge('stats_requests_in_flight', { description: 'Stats requests running their queries now.' })
      .addCallback((result) => result.observe(this.gate.active));
    meter
      .createObservableGauge('stats_requests_queued', { description: 'Stats requests waiting for a turn now.' })
      .addCallback((result) => result.observe(this.gate.waiting));
  }

  /**
   * Runs `query` when admitted (a `cheap` one at once; a `heavy` one only while fewer than the heavy share of turns
   * are taken), handing it the signal that the client went away; maps the outcomes to HTTP errors.
   */
  async run<T>(ctx: Context, query: (clientGone: AbortSignal) => Promise<T>, weight: TopWeight = 'light'): Promise<T> {
    const gone = watchClientGone(ctx.res);
    try {
      let leave: () => void = () => undefined;
      try {
        if (weight !== 'cheap') leave = await this.gate.enter(gone.signal, weight === 'heavy');
      } catch (error) {
        if (error instanceof AdmissionRejectedError) {
          this.rejected.add(1, { reason: error.reason });
          throw new AppError(429, 'too many stats queries at once; retry shortly', { reason: error.reason }, { 'Retry-After': this.retryAfterS });
        }
        // The client left while queued: its place is free, and nobody reads an answer.
        throw new AppError(503, 'the client went away', { reason: 'client_gone' });
      }
      try {
        return await query(gone.signal);
      } finally {
        leave();
      }
    } catch (error) {
      if (!(error instanceof QueryCancelledError)) throw error;
      this.cancelled.add(1, { reason: error.reason });
      if (error.reason === 'timeout') this.logger.warn({ reason: error.reason, path: ctx.path }, 'stats query cancelled');
      else this.logger.info({ reason: error.reason, path: ctx.path }, 'stats query cancelled');
      throw new AppError(503, error.reason === 'timeout' ? 'the stats query took too long' : 'the client went away', { reason: error.reason });
    } finally {
      gone.dispose();
    }
  }
}
