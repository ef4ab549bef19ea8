/**
 * A formatter of epoch milliseconds as UTC text with millisecond precision, for hot paths that stamp a time on every
 * row or line. `Date#toISOString` costs about a microsecond here; times arrive in order, so the text up to the second
 * is kept from the previous call (one cache per formatter: two callers never evict each other) and only the
 * milliseconds are appended.
 *
 * @param prefixOf turns `YYYY-MM-DDTHH:MM:SS` (the second's ISO text) into what goes before the milliseconds
 * @param suffix what goes after the three digits of milliseconds
 */
export function utcMillisFormat(prefixOf: (isoUpToSecond: string) => string, suffix = ''): (epochMs: number) => string {
  let cachedSecond = Number.NaN;
  let cachedPrefix = '';
  return (epochMs: number): string => {
    const ms = Math.floor(epochMs);
    const second = Math.floor(ms / 1000);
    if (second !== cachedSecond) {
      // Throws RangeError for a non-finite time, like Date#toISOString (NaN never equals the cached second).
      cachedPrefix = prefixOf(new Date(second * 1000).toISOString().slice(0, 19));
      cachedSecond = second;
    }
    const millis = ms - second * 1000;
    return `${cachedPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}${suffix}`;
  };
}
