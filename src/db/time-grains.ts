/**
 * UTC calendar arithmetic on epoch milliseconds, shared by the aggregates the access log writes (minute, hour), the
 * roll-ups the leader builds (day, month) and the queries that read them.
 */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The grains of the aggregate tables, finest first. */
export type Grain = 'minute' | 'hour' | 'day' | 'month';

function floorTo(epochMs: number, unitMs: number): number {
  return Math.floor(epochMs / unitMs) * unitMs;
}

export const minuteStart = (epochMs: number): number => floorTo(epochMs, MINUTE_MS);
export const hourStart = (epochMs: number): number => floorTo(epochMs, HOUR_MS);
export const dayStart = (epochMs: number): number => floorTo(epochMs, DAY_MS);

/**
 * Epoch ms of a UTC calendar date-time, for any year: `Date.UTC` reads years 0–99 as 1900–1999, `setUTCFullYear`
 * does not. Out-of-range fields roll over as in `Date.UTC` (month 12 is January of the next year).
 */
export function utcDateTime(year: number, monthIndex: number, day = 1, hour = 0, minute = 0, second = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, monthIndex, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

/** Start of the UTC calendar month holding `epochMs`. */
export function monthStart(epochMs: number): number {
  const d = new Date(epochMs);
  return utcDateTime(d.getUTCFullYear(), d.getUTCMonth());
}

/** Start of the UTC calendar month after the one holding `epochMs`. */
export function nextMonthStart(epochMs: number): number {
  const d = new Date(epochMs);
  return utcDateTime(d.getUTCFullYear(), d.getUTCMonth() + 1);
}

/** Start of the period of `grain` holding `epochMs`. */
export function periodStart(grain: Grain, epochMs: number): number {
  switch (grain) {
    case 'minute':
      return minuteStart(epochMs);
    case 'hour':
      return hourStart(epochMs);
    case 'day':
      return dayStart(epochMs);
    case 'month':
      return monthStart(epochMs);
  }
}

/** Start of the period of `grain` after the one starting at `startMs`. */
export function periodEnd(grain: Grain, startMs: number): number {
  switch (grain) {
    case 'minute':
      return startMs + MINUTE_MS;
    case 'hour':
      return startMs + HOUR_MS;
    case 'day':
      return startMs + DAY_MS;
    case 'month':
      return nextMonthStart(startMs);
  }
}
