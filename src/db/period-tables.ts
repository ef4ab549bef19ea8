import type { Grain } from './time-grains';

/**
 * The aggregate table of each grain and its period column (`schema.ts` defines them alike). Names are constants,
 * never input, so the SQL that interpolates them stays free of injection.
 */
export const PERIOD_TABLES: Record<Grain, { table: string; column: string }> = {
  minute: { table: 'asset_access_minute', column: 'minute_start' },
  hour: { table: 'asset_access_hourly', column: 'hour_start' },
  day: { table: 'asset_access_daily', column: 'day_start' },
  month: { table: 'asset_access_monthly', column: 'month_start' },
};
