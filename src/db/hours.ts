/** Hour arithmetic on epoch milliseconds (UTC), shared by the hourly aggregates and the queries that read them. */
export const HOUR_MS = 3_600_000;

/** Start of the UTC hour holding `epochMs`. */
export function hourStart(epochMs: number): number {
  return Math.floor(epochMs / HOUR_MS) * HOUR_MS;
}

/** The first whole hour at or after `epochMs`: `epochMs` itself when it is on the hour. */
export function firstFullHour(epochMs: number): number {
  const start = hourStart(epochMs);
  return start === epochMs ? epochMs : start + HOUR_MS;
}
