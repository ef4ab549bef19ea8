import { z } from 'zod';
import { intParamReader } from '../http/int-param';

export const PAGE_DEFAULT_LIMIT = 10;
export const PAGE_MAX_LIMIT = 100;

/**
 * The query of `GET /{type}`, declared once: the route reads its bounds from here and the OpenAPI document renders it.
 * An empty value (`?limit=`) means the default; a parameter given twice is a 400.
 */
export const paginationQuery = z.object({
  offset: z
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .default(0)
    .meta({ description: 'Assets to skip, in identifier order; empty: the default.', examples: [0, 20] }),
  limit: z
    .int()
    .min(1)
    .max(PAGE_MAX_LIMIT)
    .default(PAGE_DEFAULT_LIMIT)
    .meta({ description: 'Assets in the page; empty: the default.', examples: [PAGE_DEFAULT_LIMIT] }),
});

const readOffset = intParamReader('offset', paginationQuery.shape.offset);
const readLimit = intParamReader('limit', paginationQuery.shape.limit);

/** `offset` and `limit` of a page request; a 400 naming the parameter when one is out of bounds or not a whole number. */
export function parsePagination(query: Record<string, unknown>): { offset: number; limit: number } {
  return { offset: readOffset(query.offset), limit: readLimit(query.limit) };
}
