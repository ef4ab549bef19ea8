import type { ServerResponse } from 'node:http';
import { trace, type SpanContext } from '@opentelemetry/api';
import type { Context, Middleware, Next } from 'koa';
import type { AssetTarget } from '../catalogue/asset-target';
import type { Logger } from '../lifecycle/logger';
import type { AssetRoutes } from './asset-routes';
import type { ErrorState } from './error-middleware';
import { CLIENT_CLOSED_REQUEST, NO_ROUTE, type RequestOutcome, type RequestSubscriber } from './request-outcome';
import { routeLayerOf, routeParams } from './route-match';

export interface RequestObserverOptions {
  subscribers: RequestSubscriber[];
  /** Present when some subscriber wants the addressed asset (the access log): how to find it. */
  assets?: {
    /** Routes that address an asset; a routed request's asset comes from the route's parameters. */
    routes: AssetRoutes;
    /** The asset of a path that no route served (sub-resources such as `/datasets/{id}/content`). */
    unrouted: (path: string) => AssetTarget | undefined;
  };
  logger: Logger;
  /** Keep the request's span context for the subscribers (when tracing is on; otherwise there is none to read). */
  captureSpan?: boolean;
}

/** Per-request state kept on the Node response, so one listener function serves every request. */
const CONTEXT = Symbol('observer.context');
const STARTED = Symbol('observer.started');
const STARTED_MS = Symbol('observer.startedMs');
const SPAN = Symbol('observer.span');
const ENTERED = Symbol('observer.entered');
type ObservedResponse = ServerResponse & {
  [CONTEXT]?: Context;
  [STARTED]?: number;
  [STARTED_MS]?: number;
  [SPAN]?: SpanContext;
  [ENTERED]?: boolean;
};

function contentLength(value: string | number | string[] | undefined): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : 0;
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/**
 * Observes every request once and tells each subscriber what happened. The outcome is taken when the Node
 * response closes: by then Koa has set the final status (a handler that threw is 500, not the 404 seen right after
 * `await next()`), and a response that never finished is a client that hung up (499).
 *
 * - `middleware` goes first on the app (outside the error handler, so it sees the final status; outside the router,
 *   so versioned routes are seen once).
 * - `routeMiddleware` goes first on the router, so it runs once a route matched path and method: only then is the
 *   route template known and the request "in progress" under it.
 *
 * Per request this allocates the outcome object and nothing else of its own: one listener created once finds its
 * request through symbol properties on the response (`on`, not `once`, which allocates a wrapper). Subscribers that
 * throw are logged once each and never reach the request.
 */
export class RequestObserver {
  readonly middleware: Middleware;
  readonly routeMiddleware: Middleware;
  private readonly warned = new Set<string>();

  constructor(private readonly options: RequestObserverOptions) {
    const observer = this;
    const subscribers = options.subscribers;
    const captureSpan = options.captureSpan === true;
    function completeOnClose(this: ObservedResponse): void {
      const ctx = this[CONTEXT];
      if (ctx === undefined) return;
      this[CONTEXT] = undefined; // no reference from the response back to the context once recorded
      let outcome: RequestOutcome;
      try {
        outcome = observer.outcomeOf(ctx, this);
      } catch (err) {
        observer.warnOnce('observer', err);
        return;
      }
      for (const subscriber of subscribers) {
        try {
          subscriber.completed(outcome);
        } catch (err) {
          observer.warnOnce(subscriber.name, err);
        }
      }
    }
    this.middleware = function observeRequest(ctx: Context, next: Next) {
      const res = ctx.res as ObservedResponse;
      res[STARTED] = performance.now();
      // The wall clock, not timeOrigin + the monotonic clock: over days the two drift apart.
      res[STARTED_MS] = Date.now();
      if (captureSpan) res[SPAN] = trace.getActiveSpan()?.spanContext();
      res[ENTERED] = false;
      res[CONTEXT] = ctx;
      res.on('close', completeOnClose);
      return next();
    };
    this.routeMiddleware = function observeRouteEntered(ctx: Context, next: Next) {
      const res = ctx.res as ObservedResponse;
      const layer = routeLayerOf(ctx, false);
      if (layer !== undefined && res[CONTEXT] === ctx && !res[ENTERED]) {
        res[ENTERED] = true;
        const route = layer.path as string;
        for (const subscriber of subscribers) {
          try {
            subscriber.routeEntered?.(route, ctx.method);
          } catch (err) {
            observer.warnOnce(subscriber.name, err);
          }
        }
      }
      return next();
    };
  }

  private outcomeOf(ctx: Context, res: ObservedResponse): RequestOutcome {
    const layer = routeLayerOf(ctx, true);
    const route = layer === undefined ? NO_ROUTE : (layer.path as string);
    const assets = this.options.assets;
    let asset: AssetTarget | undefined;
    if (assets !== undefined) {
      if (layer === undefined) {
        asset = assets.unrouted(ctx.path);
      } else {
        // The route's own parameters, decoded as the router decodes them (also when its handler never ran: 405, 413).
        const resolve = assets.routes.resolverOf(route);
        if (resolve !== undefined) asset = resolve(routeParams(layer, ctx.path));
      }
    }
    const started = res[STARTED] as number;
    return {
      method: ctx.method,
      route,
      status: res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST,
      startedAtMs: res[STARTED_MS] as number,
      durationSeconds: (performance.now() - started) / 1000,
      requestBytes: contentLength(ctx.req.headers['content-length']),
      responseBytes: contentLength(res.getHeader('content-length')),
      errorType: (ctx.state as ErrorState).unhandledErrorType,
      asset,
      entered: res[ENTERED] === true,
      spanContext: res[SPAN],
    };
  }

  private warnOnce(name: string, err: unknown): void {
    if (this.warned.has(name)) return;
    this.warned.add(name);
    this.options.logger.warn({ err, subscriber: name }, 'request observer: a subscriber failed; further failures are not logged');
  }
}
