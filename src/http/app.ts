import Koa, { type Middleware } from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import compose from 'koa-compose';
import type { Logger } from '../lifecycle/logger';
import { errorMiddleware } from './error-middleware';
import { requestLogger } from './request-logger';

export type RouteRegistrar = (router: Router) => void;

export interface AppOptions {
  logger: Logger;
  /** Deployment prefix (e.g. `/aiod`); every route is served under it. */
  pathPrefix: string;
  /**
   * Middleware that must see every request exactly once, outermost first (metrics, access log). They run outside
   * the error handler so that they observe the final status, and outside the router so versioned routes are not
   * counted twice.
   */
  outerMiddleware: Middleware[];
  /**
   * Run on the router before any route, only for requests that matched one (the route template is then known).
   * Registered first because the router names a request after the last matching layer.
   */
  routerMiddleware: Middleware[];
  /** Each adds its routes to the one router. */
  routes: RouteRegistrar[];
}

/** Builds the Koa application; it does not listen. */
export function createApp(options: AppOptions): Koa {
  const app = new Koa();
  // Errors are logged once, by the error middleware; Koa's default handler would print them again.
  app.silent = true;
  app.on('error', () => undefined);

  const router = new Router(options.pathPrefix ? { prefix: options.pathPrefix } : {});
  // One router-level layer: each `router.use` costs a path match and params per request. Bodies are read only for
  // requests that matched a route: unknown paths are not parsed, and body errors (400 malformed, 413 too large)
  // are attributed to the route in logs and metrics.
  router.use(compose([...options.routerMiddleware, bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', encoding: 'utf-8' })]));
  for (const register of options.routes) register(router);

  for (const middleware of options.outerMiddleware) app.use(middleware);
  app.use(requestLogger(options.logger));
  app.use(errorMiddleware(options.logger));
  app.use(router.routes());
  // Non-throwing mode: the router then sets `Allow` on 405s, which its throwing mode leaves out.
  app.use(router.allowedMethods());
  return app;
}
