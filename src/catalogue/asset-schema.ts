import { z } from 'zod';
import { ASSET_ID_PATTERN } from './asset-id';
import { RESOURCE_TYPES } from './resource-types';

/**
 * What the catalogue answers, declared once: the TypeScript types below are inferred from these schemas and the
 * OpenAPI document renders them, so a field cannot change in one without the other. They are never parsed at run time
 * (the repository builds the objects); the API conformance tests validate every answer against the document instead.
 */
export const resourceTypeSchema = z.enum(RESOURCE_TYPES.map((type) => type.name) as [string, ...string[]]).meta({
  id: 'ResourceType',
  description: 'A resource type: the first path segment of its routes.',
});

export const assetIdentifierSchema = z.string().regex(ASSET_ID_PATTERN).meta({
  description: "The server's identifier: the type's abbreviation, `_`, then 24 letters and digits.",
  examples: ['data_p7v02a70CbBGKk29T8przBjf'],
});

export const assetSchema = z
  .object({
    identifier: assetIdentifierSchema,
    resource_type: resourceTypeSchema,
    name: z.string().meta({ examples: ['ImageNet'] }),
    description: z.string().nullable().meta({ examples: ['Labelled images for visual recognition.'] }),
    keywords: z.array(z.string()).meta({ examples: [['vision']] }),
    date_created: z.iso.datetime().meta({ description: 'UTC, millisecond precision.' }),
    date_modified: z.iso.datetime().meta({ description: 'UTC, millisecond precision; the creation time until the asset is replaced.' }),
  })
  .meta({ id: 'Asset', description: 'A catalogue asset.' });

export type Asset = z.infer<typeof assetSchema>;

export const assetPageSchema = z
  .object({
    total: z.int().min(0).meta({ description: 'Assets of this type in all.' }),
    offset: z.int().min(0),
    limit: z.int().min(1),
    items: z.array(assetSchema).meta({ description: 'At most `limit` assets, in identifier order.' }),
  })
  .meta({ id: 'AssetPage', description: 'One page of the assets of a type.' });

export type AssetPage = z.infer<typeof assetPageSchema>;
