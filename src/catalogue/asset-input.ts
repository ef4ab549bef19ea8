import { z } from 'zod';

/** A type error that says what was expected, or that the field is missing altogether. */
const expected = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `expected ${what}`);

/**
 * The writable part of an asset; `identifier` and the dates are the server's. Unknown fields (such as those of an
 * asset read back and sent again: `identifier`, `date_created`) are ignored, not rejected. The OpenAPI document
 * renders this schema as the request body of `POST` and `PUT` (lengths count UTF-16 code units, as zod does).
 */
export const assetInputSchema = z
  .object({
    name: z
      .string({ error: expected('a string') })
      .trim()
      .min(1, 'must be 1 to 256 characters')
      .max(256, 'must be 1 to 256 characters')
      // Already implied by trimming then `min(1)`; stated so that the document says a blank name is refused.
      .regex(/\S/, 'must be 1 to 256 characters')
      .meta({ description: 'Surrounding whitespace is trimmed; 1 to 256 characters must remain.', examples: ['ImageNet'] }),
    description: z
      .string({ error: expected('a string or null') })
      .max(10_000, 'must be at most 10000 characters')
      .nullish()
      .meta({ description: 'At most 10 000 characters; absent or null: none.' }),
    keywords: z
      .array(z.string({ error: expected('a string') }).max(64, 'each keyword must be at most 64 characters'), {
        error: expected('an array of strings'),
      })
      .max(50, 'must hold at most 50 keywords')
      .optional()
      .meta({ description: 'At most 50, each at most 64 characters; absent: none.', examples: [['vision', 'benchmark']] }),
  })
  .meta({
    id: 'AssetInput',
    description:
      'The writable fields of an asset. Other fields (such as those of an asset read back) are ignored. Lengths count UTF-16 code units: a character outside the Basic Multilingual Plane (most emoji) counts as two.',
  });

export type AssetInput = z.infer<typeof assetInputSchema>;
