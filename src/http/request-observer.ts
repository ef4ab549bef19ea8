import type { ServerResponse } from 'node:http';
import { trace, type SpanContext } from '@opentelemetry/api';
import type { Context, Middleware, Next } from 'koa';
import type { AssetTarget } from '../catalogue/asset-target';
import type { Logger } from '../lifecycle/logger';
import type { AssetRoutes } from './asset-routes';
import type { ErrorState } from './error-middleware';
import { CLIENT_CLOSED_REQUEST, NO_ROUTE, type RequestOutcome, type RequestSubscriber } from './request-outcome';
import { routeLayerOf, routeParams, type RouteLayer } from './route-match';

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

/**
 * One request under observation: created when it arrives, completed when its response closes, then handed to the
 * subscribers as its `RequestOutcome`. A class, so every request has the same shape (one hidden class for V8), and
 * the only per-request allocation of the observer.
 */
class ObservedRequest implements RequestOutcome {
  route = NO_ROUTE;
  status = 0;
  durationSeconds = 0;
  requestBytes = 0;
  responseBytes = 0;
  errorType: string | undefined = undefined;
  asset: AssetTarget | undefined = undefined;
  entered = false;
  /** The route layer that matched path and method (set when entered). */
  layer: RouteLayer | undefined = undefined;

  constructor(
    /** Cleared once completed: no reference from the response back to the context afterwards. */
    public ctx: Context | undefined,
    readonly method: string,
    /** `performance.now()` at arrival, for the duration. */
    readonly started: number,
    readonly startedAtMs: number,
    readonly spanContext: SpanContext | undefined,
    readonly scheme: 'http' | 'https',
    readonly httpVersion: string,
  ) {}
}

/** Per-request state kept on the Node response, so one listener function serves every request. */
const OBSERVED = Symbol('observer.request');
type ObservedResponse = ServerResponse & { [OBSERVED]?: ObservedRequest };

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
 * - `routeEntered` is called first by the router's middleware, so it runs once a route matched path and method: only
 *   then is the route template known and the request "in progress" under it.
 *
 * Per request this allocates one `ObservedRequest` and adds one property to the response: one listener created
 * once finds its request through it (`on`, not `once`, which allocates a wrapper). Subscribers that throw are
 * logged once each and never reach the request.
 */
export class RequestObserver {
  readonly middleware: Middleware;
  /** Called first for a request that matched a route's path and method (from the router, before the handler). */
  readonly routeEntered: (ctx: Context) => void;
  private readonly warned = new Set<string>();

  constructor(private readonly options: RequestObserverOptions) {
    const observer = this;
    const subscribers = options.subscribers;
    const captureSpan = options.captureSpan === true;
    function completeOnClose(this: ObservedResponse): void {
      const request = this[OBSERVED];
      if (request === undefined || request.ctx === undefined) return;
      try {
        observer.complete(request, request.ctx, this);
      } catch (err) {
        observer.warnOnce('observer', err);
        return;
      } finally {
        request.ctx = undefined;
      }
      for (const subscriber of subscribers) {
        try {
          subscriber.completed(request);
        } catch (err) {
          observer.warnOnce(subscriber.name, err);
        }
      }
    }
    this.middleware = function observeRequest(ctx: Context, next: Next) {
      const res = ctx.res as ObservedResponse;
      // The wall clock for the access log's timestamp, the monotonic one for the duration: over days they drift.
      const req = ctx.req;
      res[OBSERVED] = new ObservedRequest(
        ctx,
        ctx.method,
        performance.now(),
        Date.now(),
        captureSpan ? trace.getActiveSpan()?.spanContext() : undefined,
        (req.socket as { encrypted?: boolean } | null)?.encrypted === true ? 'https' : 'http',
        req.httpVersion,
      );
      res.on('close', completeOnClose);
      return next();
    };
    this.routeEntered = function observeRouteEntered(ctx: Context): void {
      const request = (ctx.res as ObservedResponse)[OBSERVED];
      if (request === undefined || request.ctx !== ctx || request.entered) return;
      const layer = routeLayerOf(ctx, false);
      if (layer === undefined) return;
      request.entered = true;
      request.layer = layer;
      const route = layer.path as string;
      for (const subscriber of subscribers) {
        try {
          subscriber.routeEntered?.(route, ctx.method);
        } catch (err) {
          observer.warnOnce(subscriber.name, err);
        }
      }
    };
  }

  /** Fills in what is known only now that the response closed. */
  private complete(request: ObservedRequest, ctx: Context, res: ServerResponse): void {
    // A route that matched path and method was found on entry; otherwise one that matched the path only (405).
    const layer = request.layer ?? routeLayerOf(ctx, true);
    if (layer !== undefined) request.route = layer.path as string;
    const assets = this.options.assets;
    if (assets !== undefined) {
      if (layer === undefined) {
        request.asset = assets.unrouted(ctx.path);
      } else {
        const resolve = assets.routes.resolverOf(request.route);
        if (resolve !== undefined) request.asset = resolve(routeParams(ctx, layer));
      }
    }
    request.status = res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST;
    request.durationSeconds = (performance.now() - request.started) / 1000;
    request.requestBytes = contentLength(ctx.req.headers['content-length']);
    request.responseBytes = contentLength(res.getHeader('content-length'));
    request.errorType = (ctx.state as ErrorState).unhandledErrorType;
  }

  private warnOnce(name: string, err: unknown): void {
    if (this.warned.has(name)) return;
    this.warned.add(name);
    this.options.logger.warn({ err, subscriber: name }, 'request observer: a subscriber failed; further failures are not logged');
  }
}
