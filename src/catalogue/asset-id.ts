import { randomInt } from 'node:crypto';
import { resourceTypeByAbbreviation, type ResourceType } from './resource-types';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SUFFIX_LENGTH = 24;
const ASSET_ID = /^([a-z]{3,4})_([A-Za-z0-9]{24})$/;
/** The shape of a generated identifier, for the OpenAPI document. */
export const ASSET_ID_PATTERN = ASSET_ID;

/** A new identifier `<abbreviation>_<24 alphanumerics>`, e.g. `data_p7v02a70CbBGKk29T8przBjf` (~143 bits). */
export function generateAssetId(type: ResourceType): string {
  let suffix = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return `${type.abbreviation}_${suffix}`;
}

/** The resource type an identifier belongs to, or undefined when it is not a well-formed id of a known type. */
export function resourceTypeOfAssetId(id: string): ResourceType | undefined {
  const match = ASSET_ID.exec(id);
  return match ? resourceTypeByAbbreviation(match[1] as string) : undefined;
}
