import { z } from 'zod';
import { resourceTypeSchema } from '../catalogue/asset-schema';
import { ASSET_ID_SYNTAX } from '../catalogue/asset-target';

/**
 * What the `/stats/top` routes answer, declared for the OpenAPI document (the routes build the entries from the
 * repository's rows; the API conformance tests check them against the document).
 */
const assetId = z.string().regex(ASSET_ID_SYNTAX).meta({ examples: ['data_p7v02a70CbBGKk29T8przBjf'] });
const hits = z.int().min(0).meta({ description: 'Successful GETs of the asset in the window (all time without one).', examples: [42] });

export const typeTopEntrySchema = z.object({ asset_id: assetId, hits }).meta({ id: 'TypeTopEntry' });

export const topEntrySchema = z.object({ resource_type: resourceTypeSchema, asset_id: assetId, hits }).meta({ id: 'TopEntry' });

export const typeTopSchema = z.array(typeTopEntrySchema).meta({ description: 'Most hits first; ties by asset id (byte order).' });

export const topSchema = z.array(topEntrySchema).meta({ description: 'Most hits first across every type; ties by asset id (byte order).' });
