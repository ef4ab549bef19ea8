import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { windowPeriods, type Period } from '../../src/stats/window-periods';
import { MAX_FINE_PERIODS } from '../../src/stats/stats-repository';
import { DAY_MS, HOUR_MS, MINUTE_MS, dayStart, hourStart, minuteStart, monthStart, periodEnd } from '../../src/db/time-grains';

const NOW = Date.UTC(2026, 10, 25, 15, 37, 12, 345);
const ROLLED = { daysTo: dayStart(NOW), monthsTo: monthStart(NOW), minutesFrom: NOW - 90 * DAY_MS };
const NOTHING_ROLLED = { daysTo: 0, monthsTo: 0, minutesFrom: NOW - 90 * DAY_MS };

const count = (periods: Period[], grain: Period['grain']) => periods.filter((p) => p.grain === grain).length;

/** The periods tile [first start, end of the last) with neither gap nor overlap, and the last one holds `now`. */
function expectTiling(periods: Period[], firstStart: number, now: number): void {
  let at = firstStart;
  for (const p of periods) {
    expect(p.startMs).toBe(at);
    at = periodEnd(p.grain, p.startMs);
  }
  expect(at).toBeGreaterThan(now);
  expect(periods.at(-1)?.startMs).toBeLessThanOrEqual(now);
}

describe('windowPeriods', () => {
  it('reads the last 24 hours as the ragged minutes of the first hour, then hours up to the current one', () => {
    const periods = windowPeriods(NOW - 24 * HOUR_MS, NOW, ROLLED);
    expectTiling(periods, minuteStart(NOW - 24 * HOUR_MS), NOW);
    expect(count(periods, 'minute')).toBe(23); // 15:37 → 16:00
    expect(count(periods, 'hour')).toBe(24); // 16:00 yesterday … the current hour 15:00
    expect(periods.at(-1)).toEqual({ grain: 'hour', startMs: hourStart(NOW) });
  });

  it('uses rolled days and months wherever one fits whole, and hours where nothing is rolled', () => {
    const since = NOW - 365 * DAY_MS;
    const rolled = windowPeriods(since, NOW, { ...ROLLED, minutesFrom: 0 });
    expectTiling(rolled, minuteStart(since), NOW);
    expect(count(rolled, 'month')).toBe(11);
    expect(count(rolled, 'day')).toBeLessThanOrEqual(2 * 30);
    expect(rolled.length).toBeLessThan(59 + 2 * 23 + 2 * 31 + 12);
    const unrolled = windowPeriods(since, NOW, { ...NOTHING_ROLLED, minutesFrom: 0 });
    expectTiling(unrolled, minuteStart(since), NOW);
    expect(count(unrolled, 'day') + count(unrolled, 'month')).toBe(0);
  });

  it('starts on the hour when the minutes of since are past raw-row retention', () => {
    const since = NOW - 100 * DAY_MS + 17 * MINUTE_MS;
    const periods = windowPeriods(since, NOW, ROLLED);
    expect(count(periods, 'minute')).toBe(0);
    expectTiling(periods, hourStart(since), NOW);
  });

  it('tiles any window with bounded periods, whatever the roll-up bounds (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3650 * DAY_MS }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 14 }),
        (age, daysBehind, monthsBehind) => {
          const daysTo = dayStart(NOW) - daysBehind * DAY_MS;
          const monthsTo = Math.min(monthStart(daysTo), Date.UTC(2026, 10 - monthsBehind, 1));
          const since = NOW - age;
          const periods = windowPeriods(since, NOW, { daysTo, monthsTo, minutesFrom: ROLLED.minutesFrom });
          expectTiling(periods, since >= ROLLED.minutesFrom ? minuteStart(since) : hourStart(since), NOW);
          for (const p of periods) {
            if (p.grain === 'day') expect(p.startMs + DAY_MS).toBeLessThanOrEqual(daysTo);
            if (p.grain === 'month') expect(periodEnd('month', p.startMs)).toBeLessThanOrEqual(monthsTo);
          }
          expect(count(periods, 'minute')).toBeLessThanOrEqual(59);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives up past maxFinePeriods periods finer than a month, without building them (roll-up behind)', () => {
    // Ten years with nothing rolled up: 87 600 hours. Refused, and before building them all.
    const started = process.memoryUsage().heapUsed;
    expect(windowPeriods(NOW - 3650 * DAY_MS, NOW, NOTHING_ROLLED, MAX_FINE_PERIODS)).toBeUndefined();
    expect(process.memoryUsage().heapUsed - started).toBeLessThan(5_000_000);
    // A week before the first roll-up fits (23 minutes + 168 hours); 11 days do not.
    expect(windowPeriods(NOW - 7 * DAY_MS, NOW, NOTHING_ROLLED, MAX_FINE_PERIODS)?.length).toBe(23 + 7 * 24);
    expect(windowPeriods(NOW - 11 * DAY_MS, NOW, NOTHING_ROLLED, MAX_FINE_PERIODS)).toBeUndefined();
    // Rolled up, a year is months plus a bounded rest; months do not count against the cap.
    const year = windowPeriods(NOW - 365 * DAY_MS, NOW, { ...ROLLED, minutesFrom: 0 }, MAX_FINE_PERIODS) as Period[];
    expect(year.length - count(year, 'month')).toBeLessThanOrEqual(59 + 2 * 23 + 2 * 31 + 1);
    const exactlyAtCap = windowPeriods(hourStart(NOW) - (MAX_FINE_PERIODS - 1) * HOUR_MS, NOW, NOTHING_ROLLED, MAX_FINE_PERIODS);
    expect(exactlyAtCap?.length).toBe(MAX_FINE_PERIODS);
    expect(windowPeriods(hourStart(NOW) - MAX_FINE_PERIODS * HOUR_MS, NOW, NOTHING_ROLLED, MAX_FINE_PERIODS)).toBeUndefined();
  });
});
