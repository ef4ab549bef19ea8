import type { Middleware } from 'koa';
import compose from 'koa-compose';
import { API_VERSION_PREFIXES } from './route-paths';

export type ApiVersionPrefix = (typeof API_VERSION_PREFIXES)[number];

const VERSIONED = API_VERSION_PREFIXES.filter((v) => v !== '');

/**
 * The version prefix a request path is under (`/v1/datasets/x` → `/v1`), after the deployment prefix; `''` for the
 * unversioned routes and for anything else. Pure: the guard below and its tests share it.
 */
export function apiVersionOf(path: string, pathPrefix: string): ApiVersionPrefix {
  let rest = path;
  if (pathPrefix !== '' && (path === pathPrefix || path.startsWith(`${pathPrefix}/`))) rest = path.slice(pathPrefix.length);
  for (const version of VERSIONED) {
    if (rest.startsWith(version) && (rest.length === version.length || rest.charCodeAt(version.length) === 47 /* / */)) return version;
  }
  return '';
}

/**
 * A router's `routes` then `allowedMethods` middleware, for the requests under `version` only; the others pass on at
 * the cost of one prefix check. The router tests a request against each of its route layers in turn, so one router
 * per version makes a request pay for its version's routes (~45), not all (~130). The router stays visible as
 * `.router`, where the Koa instrumentation looks for it to name its spans after the route.
 */
export function onlyUnderApiVersion(version: ApiVersionPrefix, pathPrefix: string, routes: Middleware, allowedMethods: Middleware): Middleware {
  const both = compose([routes, allowedMethods]);
  const guarded: Middleware = (ctx, next) => (apiVersionOf(ctx.path, pathPrefix) === version ? both(ctx, next) : next());
  return Object.assign(guarded, { router: (routes as { router?: unknown }).router });
}
