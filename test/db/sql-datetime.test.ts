import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sqlDateTime } from '../../src/db/sql-datetime';

/** The plain formatting the cached one must always agree with. */
const reference = (epochMs: number) => new Date(epochMs).toISOString().replace('T', ' ').replace('Z', '');

describe('sqlDateTime', () => {
  it('formats UTC with milliseconds, padded', () => {
    expect(sqlDateTime(Date.UTC(2026, 10, 22, 9, 5, 7, 3))).toBe('2026-11-22 09:05:07.003');
    expect(sqlDateTime(Date.UTC(2026, 10, 22, 9, 5, 7, 45))).toBe('2026-11-22 09:05:07.045');
    expect(sqlDateTime(Date.UTC(2026, 10, 22, 9, 5, 7, 999))).toBe('2026-11-22 09:05:07.999');
    expect(sqlDateTime(0)).toBe('1970-01-01 00:00:00.000');
  });

  it('agrees with Date#toISOString in any order of calls (the per-second cache never leaks)', () => {
    const time = fc.integer({ min: -2_000_000_000_000, max: 4_000_000_000_000 });
    // Runs of nearby times exercise the cache hit; arbitrary jumps exercise the miss, both sides of each second.
    const nearby = time.chain((t) => fc.array(fc.integer({ min: -1500, max: 1500 }).map((d) => t + d), { minLength: 1, maxLength: 20 }));
    fc.assert(
      fc.property(fc.array(nearby, { maxLength: 10 }), (runs) => {
        for (const run of runs) for (const t of run) expect(sqlDateTime(t)).toBe(reference(t));
      }),
    );
  });

  it('drops fractional milliseconds as toISOString does', () => {
    expect(sqlDateTime(1_700_000_000_123.9)).toBe(reference(1_700_000_000_123));
  });

  it('throws on a time that is not finite', () => {
    expect(() => sqlDateTime(Number.NaN)).toThrow(RangeError);
  });
});
