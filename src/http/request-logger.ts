import type { Context, Next } from 'koa';
import { trace } from '@opentelemetry/api';
import type { Logger } from '../lifecycle/logger';
import { matchedRoute } from './route-paths';

/**
 * One JSON line per request when the response is done (or the client went away): method, route template, status
 * and duration, plus the trace and span ids when tracing is on, so logs and traces join up.
 */
export function requestLogger(logger: Logger) {
  return async function logRequest(ctx: Context, next: Next): Promise<void> {
    if (!logger.isLevelEnabled('info')) return next();
    const started = performance.now();
    const spanContext = trace.getActiveSpan()?.spanContext();
    ctx.res.once('close', () => {
      logger.info(
        {
          method: ctx.method,
          route: matchedRoute(ctx) ?? 'none',
          status: ctx.res.writableFinished ? ctx.status : 499,
          duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
          ...(spanContext ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : {}),
        },
        'request',
      );
    });
    return next();
  };
}
