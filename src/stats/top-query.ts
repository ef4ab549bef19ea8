import { AppError } from '../errors/app-error';

export const TOP_DEFAULT_LIMIT = 10;
export const TOP_MAX_LIMIT = 1000;

export interface TopQuery {
  limit: number;
  /** Count only accesses at or after this instant (epoch ms); all time when absent. */
  sinceMs?: number;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const HAS_OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/;

/**
 * Epoch ms of an ISO-8601 `since`, NaN when malformed. A date-time without an offset is read as UTC (as a bare date
 * already is), never in the server's time zone: the same URL must mean the same instant on every replica.
 */
export function parseSince(since: string): number {
  if (!ISO_8601.test(since)) return Number.NaN;
  if (since.length === 10) return Date.parse(since);
  const normalized = since.replace(' ', 'T');
  return Date.parse(HAS_OFFSET.test(normalized) ? normalized : `${normalized}Z`);
}
const WINDOW = /^(\d{1,6})(m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const MAX_WINDOW_MS = 3650 * 86_400_000;

function single(name: string, value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw AppError.badRequest(`${name} must be given once`, { parameter: name });
  return value;
}

/** Validates `limit`, `since` and `window` of a top query; a 400 naming the parameter otherwise. */
export function parseTopQuery(query: Record<string, unknown>, now = Date.now()): TopQuery {
  const rawLimit = single('limit', query.limit);
  let limit = TOP_DEFAULT_LIMIT;
  if (rawLimit !== undefined) {
    limit = /^\d{1,5}$/.test(rawLimit) ? Number(rawLimit) : Number.NaN;
    if (!(limit >= 1 && limit <= TOP_MAX_LIMIT)) {
      throw AppError.badRequest(`limit must be an integer from 1 to ${TOP_MAX_LIMIT}`, { parameter: 'limit' });
    }
  }
  const since = single('since', query.since);
  const window = single('window', query.window);
  if (since !== undefined && window !== undefined) {
    throw AppError.badRequest('give either since or window, not both', { parameter: 'window' });
  }
  if (since !== undefined) {
    const sinceMs = parseSince(since);
    if (!Number.isFinite(sinceMs)) {
      throw AppError.badRequest('since must be an ISO-8601 date or date-time, e.g. 2026-01-31T00:00:00Z (UTC when no offset is given)', { parameter: 'since' });
    }
    if (sinceMs > now) throw AppError.badRequest('since must not be in the future', { parameter: 'since' });
    return { limit, sinceMs };
  }
  if (window !== undefined) {
    const match = WINDOW.exec(window);
    const ms = match ? Number(match[1]) * (UNIT_MS[match[2] as string] as number) : Number.NaN;
    if (!(ms > 0 && ms <= MAX_WINDOW_MS)) {
      throw AppError.badRequest('window must be a positive duration such as 30m, 24h, 7d or 2w (at most 3650d)', { parameter: 'window' });
    }
    return { limit, sinceMs: now - ms };
  }
  return { limit };
}
