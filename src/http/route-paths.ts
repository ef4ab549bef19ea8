/** The version prefixes every API route is also served under; the unversioned path is the latest version. */
export const API_VERSION_PREFIXES = ['', '/v1', '/v2'] as const;

/** Template under which Koa's router matched the request, or undefined when nothing matched. */
export function matchedRoute(ctx: object): string | undefined {
  const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  return typeof route === 'string' ? route : undefined;
}

interface MatchedLayer {
  path: string | RegExp;
  methods: string[];
}

/**
 * The route template the router chose, readable from inside router-level middleware (where `_matchedRoute` still
 * names the middleware's own layer): the last matched layer serving this method, as the router itself picks it.
 */
export function chosenRoute(ctx: { method: string }): string | undefined {
  const matched = (ctx as { matched?: MatchedLayer[] }).matched;
  if (!matched) return undefined;
  for (let i = matched.length - 1; i >= 0; i--) {
    const layer = matched[i] as MatchedLayer;
    if (typeof layer.path === 'string' && layer.methods.includes(ctx.method)) return layer.path;
  }
  return undefined;
}
