/**
 * What the router matched, read from `ctx.matched` (the router's layers whose path matched). This file is the one
 * place that knows the router's internals; everything else receives a template string or parameters.
 */
export interface RouteLayer {
  path: string | RegExp;
  methods: string[];
  captures(path: string): string[];
  params(path: string, captures: string[], existing?: Record<string, string>): Record<string, string>;
}

function matchedLayers(ctx: object): RouteLayer[] | undefined {
  return (ctx as { matched?: RouteLayer[] }).matched;
}

/**
 * The route layer that serves this request: the last matched route (not `router.use` middleware) that allows the
 * method, as the router itself picks it. With `acceptPathOnly`, a route whose path matched but not its method (the
 * router's 405, or OPTIONS) counts too, so a `PATCH /datasets/:id` is recorded under `/datasets/:id`.
 */
export function routeLayerOf(ctx: { method: string }, acceptPathOnly: boolean): RouteLayer | undefined {
  const matched = matchedLayers(ctx);
  if (!matched) return undefined;
  let pathOnly: RouteLayer | undefined;
  for (let i = matched.length - 1; i >= 0; i--) {
    const layer = matched[i] as RouteLayer;
    if (typeof layer.path !== 'string' || layer.methods.length === 0) continue;
    if (layer.methods.includes(ctx.method)) return layer;
    pathOnly ??= layer;
  }
  return acceptPathOnly ? pathOnly : undefined;
}

/**
 * The route's own parameters, decoded as the router decodes them: those the router set if the route's layer ran
 * (it names itself in `_matchedRoute` when it does), else worked out from the path — its handler never ran when the
 * body parser refused the body (400, 413) or the method is not allowed (405).
 */
export function routeParams(ctx: { path: string; params?: unknown }, layer: RouteLayer): Record<string, string> {
  const ran = (ctx as { _matchedRoute?: unknown })._matchedRoute === layer.path;
  return ran && ctx.params !== undefined ? (ctx.params as Record<string, string>) : layer.params(ctx.path, layer.captures(ctx.path), {});
}
