import { type Grain, DAY_MS, HOUR_MS, MINUTE_MS, hourStart, minuteStart, monthStart, nextMonthStart } from '../db/time-grains';

export interface Period {
  grain: Grain;
  startMs: number;
}

export interface WindowBounds {
  /** Days before this instant are rolled up (`asset_access_daily`). */
  daysTo: number;
  /** Months before this instant are rolled up (`asset_access_monthly`). */
  monthsTo: number;
  /** Minutes before this instant may be gone (raw-row retention): a window starting earlier begins on its hour. */
  minutesFrom: number;
}

/**
 * The periods whose aggregates sum to the window [since, now], coarsest first wherever a period fits whole: minutes
 * up to the first full hour, hours up to the first rolled day, days up to the first rolled month, months, then back
 * down to days and hours; the hour holding `now` is read from the hourly table, which the writer keeps current.
 *
 * `since` counts from the start of its minute (from the start of its hour beyond raw-row retention, where minutes
 * are deleted). With the roll-ups current, at most 59 minutes, 2 × 23 hours, 2 × 31 days and one period per month:
 * a window's cost is bounded by its length in months, not by how many requests it holds. While the roll-ups are
 * behind (before the first one, or catching up after an upgrade) a long window would be thousands of hours:
 * `undefined` once more than `maxFinePeriods` periods finer than a month would be needed (none is built past that).
 */
export function windowPeriods(sinceMs: number, nowMs: number, bounds: WindowBounds): Period[];
export function windowPeriods(sinceMs: number, nowMs: number, bounds: WindowBounds, maxFinePeriods: number): Period[] | undefined;
export function windowPeriods(sinceMs: number, nowMs: number, bounds: WindowBounds, maxFinePeriods = Infinity): Period[] | undefined {
  const periods: Period[] = [];
  let fine = 0;
  let at = windowStart(sinceMs, bounds.minutesFrom);
  while (at <= nowMs) {
    if (fine > maxFinePeriods) return undefined;
    if (at % HOUR_MS !== 0) {
      periods.push({ grain: 'minute', startMs: at });
      fine++;
      at += MINUTE_MS;
    } else if (monthStart(at) === at && nextMonthStart(at) <= bounds.monthsTo) {
      periods.push({ grain: 'month', startMs: at });
      at = nextMonthStart(at);
    } else if (at % DAY_MS === 0 && at + DAY_MS <= bounds.daysTo) {
      periods.push({ grain: 'day', startMs: at });
      fine++;
      at += DAY_MS;
    } else {
      periods.push({ grain: 'hour', startMs: at });
      fine++;
      at += HOUR_MS;
    }
  }
  return fine > maxFinePeriods ? undefined : periods;
}

/** Where a window from `sinceMs` starts counting: its minute, or its hour when that minute may be gone. */
export function windowStart(sinceMs: number, minutesFrom: number): number {
  return sinceMs >= minutesFrom ? minuteStart(sinceMs) : hourStart(sinceMs);
}
