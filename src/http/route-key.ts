import { API_VERSION_PREFIXES } from './route-paths';

export type ApiVersionPrefix = (typeof API_VERSION_PREFIXES)[number];

const VERSIONED = API_VERSION_PREFIXES.filter((v) => v !== '');
const SLASH = 47;

/** Where a request is dispatched: the version prefix it is under and the first path segment after that. */
export interface RouteKey {
  version: ApiVersionPrefix;
  /** `datasets` for `/v1/datasets/x`; `''` for a version's root and for paths outside the deployment prefix. */
  segment: string;
}

/**
 * The route key of a request path: `/aiod/v1/datasets/x` under the deployment prefix `/aiod` is version `/v1`, segment
 * `datasets`; `/aiod/health` is version `''`, segment `health`. Pure: the dispatcher and its tests share it. It only
 * narrows which routes are tried — the router still matches the whole path — so it never needs to be stricter than
 * the router (case, trailing slashes, encodings are the router's business).
 */
export function routeKeyOf(path: string, pathPrefix: string): RouteKey {
  let start = 0;
  if (pathPrefix !== '') {
    if (!path.startsWith(pathPrefix) || (path.length > pathPrefix.length && path.charCodeAt(pathPrefix.length) !== SLASH)) return { version: '', segment: '' };
    start = pathPrefix.length;
  }
  let version: ApiVersionPrefix = '';
  for (const candidate of VERSIONED) {
    const end = start + candidate.length;
    if (path.startsWith(candidate, start) && (path.length === end || path.charCodeAt(end) === SLASH)) {
      version = candidate;
      start = end;
      break;
    }
  }
  if (path.charCodeAt(start) !== SLASH) return { version, segment: '' };
  const end = path.indexOf('/', start + 1);
  return { version, segment: path.slice(start + 1, end === -1 ? path.length : end) };
}

/**
 * The first segment of a route's path after its router's prefix (`/v1/datasets/:id` under `/v1` is `datasets`), the
 * segment under which the dispatcher finds it. A route whose first segment is not literal could match any segment:
 * it cannot be dispatched this way and is refused at startup.
 */
export function firstSegmentOfRoute(routePath: string, routerPrefix: string): string {
  const rest = routePath.slice(routerPrefix.length);
  const end = rest.indexOf('/', 1);
  const segment = rest.slice(1, end === -1 ? rest.length : end);
  if (!routePath.startsWith(routerPrefix) || /[:*{}()?+]/.test(segment)) {
    throw new Error(`route ${routePath}: its first segment after ${routerPrefix || '/'} must be literal (routes are dispatched by it)`);
  }
  return segment;
}
