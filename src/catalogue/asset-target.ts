import { resourceTypeByAbbreviation, resourceTypeByName } from './resource-types';

/** The asset a request addresses: what the access log records and popularity counts. */
export interface AssetTarget {
  resourceType: string;
  assetId: string;
}

/**
 * What an identifier may look like at all: ASCII letters, digits and `._:-`, at most 64 characters — what the
 * `ascii_bin` id columns can hold. Anything else (`é`, spaces, 65 characters) cannot name an asset: it is answered
 * 404 without a query (MariaDB would fail comparing it with the column: "Illegal mix of collations") and is never
 * written to the access log.
 */
export const ASSET_ID_SYNTAX = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export function isAssetIdSyntax(id: unknown): id is string {
  return typeof id === 'string' && ASSET_ID_SYNTAX.test(id);
}

/** The target of `/{type}/{id}`: undefined when the type is unknown or the id cannot name an asset. */
export function assetTargetOf(typeName: string, id: unknown): AssetTarget | undefined {
  // An own-property lookup in the registry: names such as `constructor` or `__proto__` are simply unknown.
  const type = resourceTypeByName(typeName);
  return type && isAssetIdSyntax(id) ? { resourceType: type.name, assetId: id } : undefined;
}

/**
 * The target of the generic `/assets/{id}`: the type comes from the id's abbreviation (`data_…` → datasets). Any
 * `<abbr>_…` counts, well-formed or not, so a 404 for a mistyped id is logged against the type it claims.
 */
export function assetTargetOfAnyId(id: unknown): AssetTarget | undefined {
  if (!isAssetIdSyntax(id)) return undefined;
  const underscore = id.indexOf('_');
  const type = underscore > 0 ? resourceTypeByAbbreviation(id.slice(0, underscore)) : undefined;
  return type ? { resourceType: type.name, assetId: id } : undefined;
}
