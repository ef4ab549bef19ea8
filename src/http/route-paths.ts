/** The version prefixes every API route is also served under; the unversioned path is the latest version. */
export const API_VERSION_PREFIXES = ['', '/v1', '/v2'] as const;

/** Template under which Koa's router matched the request, or undefined when nothing matched. */
export function matchedRoute(ctx: object): string | undefined {
  const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  return typeof route === 'string' ? route : undefined;
}
