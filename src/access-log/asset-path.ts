import { resourceTypeByAbbreviation, resourceTypeByName } from '../catalogue/resource-types';

export interface AssetAccessTarget {
  resourceType: string;
  assetId: string;
}

const VERSION = /^v\d+$/;
const ASSET_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/**
 * Which asset a request path addresses, or null when it addresses none. Pure and total: it never throws.
 *
 * `[pathPrefix] [/v<n>] /<type> [/v<n>] /<id> [/sub/resources…]`, where `<type>` is a registered resource type, or
 * `assets` with the type taken from the id's abbreviation (`data_…` → datasets). The prefix is optional because a
 * proxy may already have removed it. Query strings and trailing slashes are ignored; matching is case-sensitive.
 */
export function parseAssetPath(path: unknown, pathPrefix: string): AssetAccessTarget | null {
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
  if (assetId === undefined || !ASSET_ID.test(assetId)) return null;

  if (typeSegment === 'assets') {
    const underscore = assetId.indexOf('_');
    const type = underscore > 0 ? resourceTypeByAbbreviation(assetId.slice(0, underscore)) : undefined;
    return type ? { resourceType: type.name, assetId } : null;
  }
  // An own-property lookup in the registry: names such as `constructor` or `__proto__` are simply unknown.
  const type = resourceTypeByName(typeSegment);
  return type ? { resourceType: type.name, assetId } : null;
}
