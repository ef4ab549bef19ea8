import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sqlDateTime } from '../../src/db/sql-datetime';
import { logTimestamp } from '../../src/lifecycle/log-timestamp';
import { utcMillisFormat } from '../../src/time/utc-millis-format';

/** The plain formattings the cached ones must always agree with. */
const iso = (epochMs: number) => new Date(epochMs).toISOString();
const sqlReference = (epochMs: number) => iso(epochMs).replace('T', ' ').replace('Z', '');

const time = fc.integer({ min: -2_000_000_000_000, max: 4_000_000_000_000 });
// Runs of nearby times exercise the cache hit; arbitrary jumps exercise the miss, both sides of each second.
const runs = fc.array(
  time.chain((t) => fc.array(fc.integer({ min: -1500, max: 1500 }).map((d) => t + d), { minLength: 1, maxLength: 20 })),
  { maxLength: 10 },
);

describe('utcMillisFormat', () => {
  it('agrees with Date#toISOString in any order of calls (the per-second cache never leaks)', () => {
    const isoCached = utcMillisFormat((s) => `${s}.`, 'Z');
    fc.assert(
      fc.property(runs, (rs) => {
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

describe('sqlDateTime', () => {
  it('formats UTC with milliseconds, padded, as DATETIME(3) takes it', () => {
    expect(sqlDateTime(Date.UTC(2026, 10, 22, 9, 5, 7, 3))).toBe('2026-11-22 09:05:07.003');
    expect(sqlDateTime(Date.UTC(2026, 10, 22, 9, 5, 7, 45))).toBe('2026-11-22 09:05:07.045');
    expect(sqlDateTime(Date.UTC(2026, 10, 22, 9, 5, 7, 999))).toBe('2026-11-22 09:05:07.999');
    expect(sqlDateTime(0)).toBe('1970-01-01 00:00:00.000');
  });

  it('agrees with the plain formatting for any times', () => {
    fc.assert(fc.property(runs, (rs) => rs.every((run) => run.every((t) => sqlDateTime(t) === sqlReference(t)))));
  });
});

describe('logTimestamp', () => {
  it('is the `time` field pino splices into a line: ISO 8601 UTC with milliseconds, as pino.stdTimeFunctions.isoTime', () => {
    fc.assert(fc.property(runs, (rs) => rs.every((run) => run.every((t) => logTimestamp(t) === `,"time":"${iso(t)}"`))));
  });
});
