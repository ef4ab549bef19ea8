import type { Logger } from '../lifecycle/logger';
import type { RequestSubscriber } from './request-outcome';

/**
 * One JSON line per request when the response is done (or the client went away): method, route template, status
 * and duration, plus the trace and span ids when tracing is on, so logs and traces join up.
 */
export function requestLogSubscriber(logger: Logger): RequestSubscriber {
  return {
    name: 'request log',
    completed(outcome) {
      if (!logger.isLevelEnabled('info')) return;
      const span = outcome.spanContext;
      logger.info(
        {
          method: outcome.method,
          route: outcome.route,
          status: outcome.status,
          duration_ms: Math.round(outcome.durationSeconds * 1_000_000) / 1000,
          ...(span ? { trace_id: span.traceId, span_id: span.spanId, trace_flags: `0${span.traceFlags.toString(16)}` } : {}),
        },
        'request',
      );
    },
  };
}
