import { z } from 'zod';

/** A type error that says what was expected, or that the field is missing altogether. */
const expected = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `expected ${what}`);

/**
 * The writable part of an asset; `identifier` and the dates are the server's. Unknown fields (such as those of an
 * asset read back and sent again: `identifier`, `date_created`) are ignored, not rejected.
 */
export const assetInputSchema = z.object({
  name: z
    .string({ error: expected('a string') })
    .trim()
    .min(1, 'must be 1 to 256 characters')
    .max(256, 'must be 1 to 256 characters'),
  description: z.string({ error: expected('a string or null') }).max(10_000, 'must be at most 10000 characters').nullish(),
  keywords: z
    .array(z.string({ error: expected('a string') }).max(64, 'each keyword must be at most 64 characters'), {
      error: expected('an array of strings'),
    })
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
