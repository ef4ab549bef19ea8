import type { Context, Middleware, Next } from 'koa';
import { chosenRoute, matchedRoute } from '../../http/route-paths';
import type { ErrorState } from '../../http/error-middleware';
import type { Logger } from '../../lifecycle/logger';
import type { HttpMetrics, MethodSeries } from './http-metrics';
import { boundMethod } from './labels';

/** Status recorded for a client that hung up before the response was sent (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

const IN_PROGRESS = Symbol('httpMetrics.inProgress');
type MetricsState = ErrorState & { [IN_PROGRESS]?: MethodSeries };

function contentLength(value: string | number | string[] | undefined): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : 0;
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/**
 * Records every request when its response is done, on the Node response's `close` event: by then Koa has set the
 * final status (a handler that threw is 500, not the 404 seen right after `await next()`), and a response that
 * never finished is a client that hung up (499). Telemetry never throws into the app.
 */
export function httpMetricsMiddleware(metrics: HttpMetrics, logger: Logger): Middleware {
  let warned = false;
  return function recordHttpMetrics(ctx: Context, next: Next) {
    const started = performance.now();
    ctx.res.once('close', () => {
      try {
        const state = ctx.state as MetricsState;
        const running = state[IN_PROGRESS];
        if (running) running.inProgress--;
        const handlerSeries = metrics.handlerSeries(matchedRoute(ctx) ?? 'none');
        if (handlerSeries === null) return;
        const methodSeries = running ?? metrics.methodSeries(handlerSeries, boundMethod(ctx.method));
        const res = ctx.res;
        const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST;
        metrics.recordRequest(
          handlerSeries,
          methodSeries,
          status,
          (performance.now() - started) / 1000,
          contentLength(ctx.req.headers['content-length']),
          contentLength(res.getHeader('content-length')),
        );
        if (state.unhandledErrorType !== undefined) metrics.recordError(handlerSeries, state.unhandledErrorType);
      } catch (err) {
        if (!warned) logger.warn({ err }, 'recording HTTP metrics failed; further failures are not logged');
        warned = true;
      }
    });
    return next();
  };
}

/**
 * Router-level middleware, run only once a route matched: only then is the route template (the `handler` label)
 * known, so this is where a request starts counting as in progress.
 */
export function inProgressMiddleware(metrics: HttpMetrics): Middleware {
  return function markInProgress(ctx: Context, next: Next) {
    const route = chosenRoute(ctx);
    const handlerSeries = route === undefined ? null : metrics.handlerSeries(route);
    if (handlerSeries !== null) {
      const series = metrics.methodSeries(handlerSeries, boundMethod(ctx.method));
      series.inProgress++;
      (ctx.state as MetricsState)[IN_PROGRESS] = series;
    }
    return next();
  };
}
