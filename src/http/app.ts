import { singleAuthorization } from '../auth/authorization-header';
import Koa, { type Context, type Next } from 'koa';
import Router from '@koa/router';
import type { WriteGuard } from '../auth/write-guard';
import type { Logger } from '../lifecycle/logger';
import { errorMiddleware } from './error-middleware';
import type { DrainBounds } from './lingering-close';
import { BODY_DRAIN_BOUNDS, BODY_LIMIT_BYTES, jsonBodyReader } from './request-body';
import type { RequestObserver } from './request-observer';
import { dispatchBySegment } from './segment-dispatch';
import type { ApiVersionPrefix } from './route-key';
import { API_VERSION_PREFIXES } from './route-paths';

/** Adds routes to a router (whose prefix, deployment and version, the router applies). */
export type RouteRegistrar = (router: Router) => void;

export interface AppOptions {
  logger: Logger;
  /** Deployment prefix (e.g. `/aiod`); every route is served under it. */
  pathPrefix: string;
  /** Sees every request once and tells the metrics, the access log and the request log what happened. */
  observer: RequestObserver;
  /** Unversioned routes (health, metrics, chaos): each adds its routes once. */
  routes: RouteRegistrar[];
  /** API routes: each adds its routes once per version prefix (`/datasets`, `/v1/datasets`, `/v2/datasets`). */
  apiRoutes?: RouteRegistrar[];
  /** Largest JSON body (decompressed) and what is drained of a body still arriving after an error; defaults above. */
  bodies?: { limitBytes?: number; drain?: DrainBounds };
  /** Decides every write (see `WRITE_METHODS`) before its body is read; none: writes are open. */
  guardWrites?: WriteGuard;
}

/** The methods whose body is parsed (the body parser's own default list). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The methods that change something, on any route: they pass `guardWrites` first. Today only the catalogue serves
 * them (POST, PUT, DELETE); a write route added later is guarded without having to remember to.
 */
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Error codes of a client that went away mid-response: nothing for an operator to fix. */
const CLIENT_GONE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

/** Builds the Koa application; it does not listen. */
export function createApp(options: AppOptions): Koa {
  const app = new Koa();
  // Koa's default handler prints to stderr; every error the error middleware did not answer (thrown outside it, or
  // a body stream failing after the headers went out) reaches this one listener and is logged as JSON instead.
  app.silent = true;
  app.on('error', (err: Error & { code?: string }, ctx?: Context) => {
    const fields = { err, method: ctx?.method, path: ctx?.path };
    if (err.code !== undefined && CLIENT_GONE.has(err.code)) options.logger.debug(fields, 'client went away mid-response');
    // Node's HTTP parser failing on what the client sent (a body cut short by a FIN: `HPE_INVALID_EOF_STATE`).
    else if (err.code?.startsWith('HPE_')) options.logger.debug(fields, 'client sent a malformed request');
    else options.logger.error(fields, 'request failed outside the error middleware');
  });

  app.use(options.observer.middleware);
  app.use(errorMiddleware(options.logger, options.bodies?.drain ?? BODY_DRAIN_BOUNDS));
  // Routes are registered per version prefix into a table, then dispatched by version and first path segment: a
  // request is tested against its segment's routes only. Case-sensitive, like the identifiers and the AIoD API:
  // `/DATASETS/…` is not a route (and so not counted).
  const routerUnder = (prefix: string) => new Router({ sensitive: true, ...(prefix ? { prefix } : {}) });
  const tables = new Map<ApiVersionPrefix, Router>();
  for (const version of API_VERSION_PREFIXES) {
    const table = routerUnder(`${options.pathPrefix}${version}`);
    if (version === '') for (const register of options.routes) register(table);
    for (const register of options.apiRoutes ?? []) register(table);
    tables.set(version, table);
  }
  const parseBody = jsonBodyReader(options.bodies?.limitBytes ?? BODY_LIMIT_BYTES);
  const observer = options.observer;
  const guardWrites = options.guardWrites;
  const readBody = (ctx: Context, next: Next) => (BODY_METHODS.has(ctx.method) ? parseBody(ctx, next) : next());
  const segmentRouter = (prefix: string): Router => {
    const router = routerUnder(prefix);
    // One router-level layer (each `router.use` costs a path match and params per request). It runs only for
    // requests that matched a route: the observer marks them in progress, then a write's token is checked, then
    // bodies are read — only for methods that carry one (unknown paths are not parsed, a GET costs no parser call).
    // The token comes before the body: an anonymous client cannot make us read, decompress or parse one (its refusal
    // drains what is still arriving, within the drain bounds, like any early error).
    router.use(function enterRoute(ctx, next) {
      observer.routeEntered(ctx);
      if (guardWrites === undefined || !WRITE_METHODS.has(ctx.method)) return readBody(ctx, next);
      const verifying = guardWrites(singleAuthorization(ctx.req));
      return verifying === undefined ? readBody(ctx, next) : verifying.then(() => readBody(ctx, next));
    });
    return router;
  };
  // Non-throwing `allowedMethods` (in the dispatch): the router then sets `Allow` on 405s, which its throwing mode
  // leaves out.
  app.use(dispatchBySegment(options.pathPrefix, tables, segmentRouter));
  return app;
}
