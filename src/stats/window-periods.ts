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
 * are deleted). At most 59 minutes, 2 × 23 hours, 2 × 30 days and one period per month: a window's cost is bounded
 * by its length in months, not by how many requests it holds.
 */
export function windowPeriods(sinceMs: number, nowMs: number, bounds: WindowBounds): Period[] {
  const periods: Period[] = [];
  let at = sinceMs >= bounds.minutesFrom ? minuteStart(sinceMs) : hourStart(sinceMs);
  while (at <= nowMs) {
    if (at % HOUR_MS !== 0) {
      periods.push({ grain: 'minute', startMs: at });
      at += MINUTE_MS;
    } else if (monthStart(at) === at && nextMonthStart(at) <= bounds.monthsTo) {
      periods.push({ grain: 'month', startMs: at });
      at = nextMonthStart(at);
    } else if (at % DAY_MS === 0 && at + DAY_MS <= bounds.daysTo) {
      periods.push({ grain: 'day', startMs: at });
      at += DAY_MS;
    } else {
      periods.push({ grain: 'hour', startMs: at });
      at += HOUR_MS;
    }
  }
  return periods;
}
