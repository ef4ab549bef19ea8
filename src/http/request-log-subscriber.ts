import type { Logger } from '../lifecycle/logger';
import type { RequestSubscriber } from './request-outcome';

/**
 * At most this many (route, method) pairs keep a child logger. Routes are templates (or `none`) and Node's parser
 * knows a few dozen methods, so the real number is small; the cap only keeps a surprise from growing without bound.
 */
const MAX_CACHED_PAIRS = 1000;

/**
 * One JSON line per request when the response is done (or the client went away): method, route template, status
 * and duration, plus the trace and span ids when tracing is on, so logs and traces join up.
 *
 * Method and route are the bindings of a child logger kept per (route, method): pino serialises a child's bindings
 * once, when it is made, so a line only serialises status and duration (−30 % of a line's CPU in a loop). The line
 * is the same: pino writes bindings where the fields stood.
 */
export function requestLogSubscriber(logger: Logger): RequestSubscriber {
  const byRoute = new Map<string, Map<string, Logger>>();
  let cached = 0;
  const lineLogger = (route: string, method: string): Logger => {
    let byMethod = byRoute.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      byRoute.set(route, byMethod);
    }
    let child = byMethod.get(method);
    if (child === undefined) {
      child = logger.child({ method, route });
      if (cached < MAX_CACHED_PAIRS) {
        byMethod.set(method, child);
        cached++;
      }
    }
    return child;
  };
  return {
    name: 'request log',
    completed(outcome) {
      if (!logger.isLevelEnabled('info')) return;
      const span = outcome.spanContext;
      const duration_ms = Math.round(outcome.durationSeconds * 1_000_000) / 1000;
      lineLogger(outcome.route, outcome.method).info(
        span
          ? { status: outcome.status, duration_ms, trace_id: span.traceId, span_id: span.spanId, trace_flags: `0${span.traceFlags.toString(16)}` }
          : { status: outcome.status, duration_ms },
        'request',
      );
    },
  };
}
