import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { firstSegmentOfRoute, routeKeyOf, type ApiVersionPrefix } from './route-key';

type RouteLayer = Router['stack'][number];

/**
 * A router's `routes`, then its `allowedMethods` when no route answered: what `compose([routes, allowedMethods])`
 * does, without composing a chain on every request (the router composes its own matched layers already).
 */
function routesOf(router: Router): Middleware {
  const routes = router.routes() as Middleware;
  const allowedMethods = router.allowedMethods() as Middleware;
  return (ctx, next) => routes(ctx, () => allowedMethods(ctx, next));
}

/** One version's routes, split into one router per first path segment. */
interface VersionRouters {
  bySegment: Map<string, Middleware>;
  /** An empty router for every other path: it still answers 501 to a method no router implements, as one would. */
  otherwise: Middleware;
}

/**
 * Dispatches a request to the router of its version and first path segment (`routeKeyOf`), so that the router tests
 * it against that segment's few routes only: @koa/router tests a request against every layer of a router in turn
 * (a regular expression and a debug call each), and the unversioned API alone has ~45 routes.
 *
 * `table` holds a version's routes as registered (each `RouteRegistrar` adds its routes to it); its layers move to
 * per-segment routers made by `newRouter`, which carry the router-level middleware (observer entry, body parser) and
 * the version's prefix. The dispatcher carries every layer as `.router.stack`, where the Koa instrumentation looks
 * for a router's layers to name its spans after the route, as it did when each router was `app.use`d on its own.
 */
export function dispatchBySegment(pathPrefix: string, tables: ReadonlyMap<ApiVersionPrefix, Router>, newRouter: (prefix: string) => Router): Middleware {
  const versions = new Map<ApiVersionPrefix, VersionRouters>();
  const layers: RouteLayer[] = [];
  for (const [version, table] of tables) {
    // The prefix the table's routes were registered under (deployment prefix, then version).
    const prefix = table.opts.prefix ?? '';
    const routers = new Map<string, Router>();
    for (const layer of table.stack) {
      if (typeof layer.path !== 'string' || layer.methods.length === 0) {
        throw new Error(`route table ${prefix || '/'}: only routes with a path can be dispatched by segment (${String(layer.path)})`);
      }
      const segment = firstSegmentOfRoute(layer.path, prefix);
      let router = routers.get(segment);
      if (router === undefined) {
        router = newRouter(prefix);
        routers.set(segment, router);
      }
      router.stack.push(layer);
    }
    const bySegment = new Map([...routers].map(([segment, router]) => [segment, routesOf(router)]));
    versions.set(version, { bySegment, otherwise: routesOf(newRouter(prefix)) });
    for (const router of routers.values()) layers.push(...router.stack);
  }
  const dispatch: Middleware = (ctx, next) => {
    const key = routeKeyOf(ctx.path, pathPrefix);
    const routers = versions.get(key.version) as VersionRouters;
    return (routers.bySegment.get(key.segment) ?? routers.otherwise)(ctx, next);
  };
  return Object.assign(dispatch, { router: { stack: layers } });
}
