import { assetTargetOf, assetTargetOfAnyId, type AssetTarget } from '../catalogue/asset-target';

const VERSION = /^v\d+$/;

/**
 * Which asset a request path addresses, or null when it addresses none. Pure and total: it never throws.
 *
 * Used only for requests that no route served (`/datasets/{id}/content`, `/datasets/v1/1`): a routed request's
 * asset comes from the route's own parameters (`RequestObserver`), so what is counted is exactly what was served.
 *
 * `[pathPrefix] [/v<n>] /<type> [/v<n>] /<id> [/sub/resources…]`, where `<type>` is a registered resource type, or
 * `assets` with the type taken from the id's abbreviation (`data_…` → datasets). The prefix is optional because a
 * proxy may already have removed it. Query strings and trailing slashes are ignored; matching is case-sensitive.
 */
export function parseAssetPath(path: unknown, pathPrefix: string): AssetTarget | null {
  if (typeof path !== 'string') return null;
  let rest = path;
  const cut = rest.search(/[?#]/);
  if (cut >= 0) rest = rest.slice(0, cut);
  if (pathPrefix !== '' && (rest === pathPrefix || rest.startsWith(`${pathPrefix}/`))) {
    rest = rest.slice(pathPrefix.length);
  }
  const segments = rest.split('/').filter((segment) => segment !== '');
  let i = 0;
  if (VERSION.test(segments[i] ?? '')) i++;
  const typeSegment = segments[i++];
  if (typeSegment === undefined) return null;
  if (VERSION.test(segments[i] ?? '')) i++;
  const assetId = segments[i];
  const target = typeSegment === 'assets' ? assetTargetOfAnyId(assetId) : assetTargetOf(typeSegment, assetId);
  return target ?? null;
}
