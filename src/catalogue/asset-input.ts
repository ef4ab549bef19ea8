import { z } from 'zod';

/** The writable part of an asset; `identifier` and the dates are the server's. Unknown fields are ignored. */
export const assetInputSchema = z.object({
  name: z.string().trim().min(1, 'must be 1 to 256 characters').max(256, 'must be 1 to 256 characters'),
  description: z.string().max(10_000, 'must be at most 10000 characters').nullish(),
  keywords: z
    .array(z.string().max(64, 'each keyword must be at most 64 characters'))
    .max(50, 'must hold at most 50 keywords')
    .optional(),
});

export type AssetInput = z.infer<typeof assetInputSchema>;

export interface Asset {
  identifier: string;
  resource_type: string;
  name: string;
  description: string | null;
  keywords: string[];
  date_created: string;
  date_modified: string;
}

export interface AssetPage {
  total: number;
  offset: number;
  limit: number;
  items: Asset[];
}
