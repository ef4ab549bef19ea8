import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utcMillisFormat } from '../../src/time/utc-millis-format';
import { nearbyTimeRuns } from '../support/nearby-times';

/** The plain formatting the cached one must always agree with. */
const iso = (epochMs: number) => new Date(epochMs).toISOString();

describe('utcMillisFormat', () => {
  it('agrees with Date#toISOString in any order of calls (the per-second cache never leaks)', () => {
    const isoCached = utcMillisFormat((s) => `${s}.`, 'Z');
    fc.assert(
      fc.property(nearbyTimeRuns, (rs) => {
        for (const run of rs) for (const t of run) expect(isoCached(t)).toBe(iso(t));
      }),
    );
  });

  it('keeps one cache per formatter: interleaved formatters do not see each other’s prefix', () => {
    const a = utcMillisFormat((s) => `a${s}.`);
    const b = utcMillisFormat((s) => `b${s}.`);
    const t = Date.UTC(2026, 10, 22, 9, 5, 7, 3);
    expect([a(t), b(t), a(t + 1000), b(t)]).toEqual(['a2026-11-22T09:05:07.003', 'b2026-11-22T09:05:07.003', 'a2026-11-22T09:05:08.003', 'b2026-11-22T09:05:07.003']);
  });

  it('drops fractional milliseconds as toISOString does', () => {
    expect(utcMillisFormat((s) => `${s}.`, 'Z')(1_700_000_000_123.9)).toBe(iso(1_700_000_000_123));
  });

  it('throws on a time that is not finite', () => {
    expect(() => utcMillisFormat((s) => s)(Number.NaN)).toThrow(RangeError);
  });
});
