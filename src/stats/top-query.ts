import { z } from 'zod';
import { AppError } from '../errors/app-error';
import { utcDateTime } from '../db/time-grains';
import { intParamBounds, intParamReader } from '../http/int-param';

export interface TopQuery {
  limit: number;
  /** Count only accesses at or after this instant (epoch ms); all time when absent. */
  sinceMs?: number;
}

/** Past this `limit`, a top reads each ranked list deeper: it counts as heavy for admission. */
export const HEAVY_TOP_LIMIT = 100;

/**
 * What a top costs, for admission: `cheap` is the all-time head (one indexed statement, like an asset read: not
 * admitted, only bounded by the deadline); `heavy` costs several times a one-type window (a window across all types,
 * one threshold per type, or a long list) and may hold only part of the turns; `light` is the rest.
 */
export type TopWeight = 'cheap' | 'light' | 'heavy';

export function topWeight(query: TopQuery, allTypes: boolean): TopWeight {
  if ((allTypes && query.sinceMs !== undefined) || query.limit > HEAVY_TOP_LIMIT) return 'heavy';
  return query.sinceMs === undefined ? 'cheap' : 'light';
}

export const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):?(\d{2}))?)?$/;

/**
 * Epoch ms of an ISO-8601 `since`, NaN when malformed or not a real calendar date-time (`2026-02-30`, `T24:61`):
 * each field is checked, never rolled over into the next. A date-time without an offset is read as UTC (as a bare
 * date already is), never in the server's time zone: the same URL must mean the same instant on every replica.
 * Any year 0000–9999 is read as written (`utcDateTime`, not `Date.UTC`, which maps 0–99 to 1900–1999).
 */
export function parseSince(since: string): number {
  const m = ISO_8601.exec(since);
  if (!m) return Number.NaN;
  const field = (i: number) => Number(m[i] ?? 0);
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = [1, 2, 3, 4, 5, 6, 9, 10].map(field) as [
    number, number, number, number, number, number, number, number,
  ];
  if (!(month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 23 && offsetMinutes <= 59)) {
    return Number.NaN;
  }
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const local = utcDateTime(year, month - 1, day, hour, minute, second, ms);
  // A day past the month's end (30 February) rolls into the next month: not a date.
  if (new Date(local).getUTCDate() !== day) return Number.NaN;
  const offsetMs = (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return local - offsetMs;
}
// Up to 7 digits: 3650 days is 5 256 000 minutes.
export const WINDOW = /^(\d{1,7})(m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
export const MAX_WINDOW_DAYS = 3650;
const MAX_WINDOW_MS = MAX_WINDOW_DAYS * 86_400_000;

/**
 * The query of both `/stats/top` routes, declared once: `parseTopQuery` takes the bounds of `limit` from here and
 * shares the patterns, and the OpenAPI document renders it. The patterns are necessary, not sufficient: `since` must also be a real calendar
 * date-time in the past, `window` at most 3650 days (the descriptions say so; `parseTopQuery` checks it).
 */
export const topQuery = z.object({
  limit: z
    .int()
    .min(1)
    .max(1000)
    .default(10)
    .meta({ description: `Entries in the answer; past ${HEAVY_TOP_LIMIT} the request counts as heavy for admission. Empty: the default.`, examples: [10] }),
  since: z
    .string()
    .regex(ISO_8601)
    .optional()
    .meta({
      description:
        'Count accesses from this instant on (from the start of its minute; of its hour beyond ACCESS_LOG_RETENTION_DAYS): an ISO-8601 date or date-time, a real calendar one, not in the future, UTC when no offset is given. Not with `window`. Empty: all time.',
      examples: ['2026-01-31', '2026-01-31T12:00:00Z'],
    }),
  window: z
    .string()
    .regex(WINDOW)
    .optional()
    .meta({
      description: `Count accesses of the last \`<n><unit>\`, unit \`m\`, \`h\`, \`d\` or \`w\`; more than 0, at most ${MAX_WINDOW_DAYS}d. Not with \`since\`. Empty: all time.`,
      examples: ['24h', '7d'],
    }),
});

const LIMIT = intParamBounds(topQuery.shape.limit);
export const TOP_DEFAULT_LIMIT = LIMIT.default;
export const TOP_MAX_LIMIT = LIMIT.max;
/** `limit` as the catalogue's page parameters are read: the bounds of its declaration, no zod parse per request. */
const readLimit = intParamReader('limit', topQuery.shape.limit);

function single(name: string, value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw AppError.badRequest(`${name} must be given once`, { parameter: name });
  return value;
}

/** Validates `limit`, `since` and `window` of a top query; a 400 naming the parameter otherwise. */
export function parseTopQuery(query: Record<string, unknown>, now = Date.now()): TopQuery {
  const limit = readLimit(single('limit', query.limit));
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
      throw AppError.badRequest(`window must be a positive duration such as 30m, 24h, 7d or 2w (at most ${MAX_WINDOW_DAYS}d)`, { parameter: 'window' });
    }
    return { limit, sinceMs: now - ms };
  }
  return { limit };
}
