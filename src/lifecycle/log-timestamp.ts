import { utcMillisFormat } from '../time/utc-millis-format';

const isoTimeField = utcMillisFormat((isoUpToSecond) => `,"time":"${isoUpToSecond}.`, 'Z"');

/**
 * pino's `timestamp` option: the same `"time":"2026-11-25T18:04:42.630Z"` field as `pino.stdTimeFunctions.isoTime`,
 * at a fraction of its cost. Every request writes a line, and formatting a Date per line was about 40 % of a request
 * line's CPU in pino (1.1 of 2.6 µs, measured in a loop).
 */
export function logTimestamp(epochMs = Date.now()): string {
  return isoTimeField(epochMs);
}
