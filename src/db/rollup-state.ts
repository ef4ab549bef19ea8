import type { StatementRunner } from './guarded-connection';

/** How far the day and month roll-ups reach (`asset_access_rollup_state`, one row). */
export interface RollupBounds {
  /** Days before this are in `asset_access_daily`. */
  daysTo: number;
  /** Months before this are in `asset_access_monthly`. */
  monthsTo: number;
}

/**
 * How the row is read: `share` by a writer (orders its batch against a roll-up), `update` by a roll-up (excludes
 * writers and other roll-ups), `none` by a reader inside its consistent snapshot.
 */
export type RollupStateLock = 'share' | 'update' | 'none';

const LOCK_CLAUSE: Record<RollupStateLock, string> = { share: ' LOCK IN SHARE MODE', update: ' FOR UPDATE', none: '' };

/** The roll-up bounds, read on `conn` (in its transaction) with the given lock; epoch when nothing is rolled up. */
export async function readRollupBounds(conn: StatementRunner, lock: RollupStateLock): Promise<RollupBounds> {
  const [rows] = (await conn.query(`SELECT days_to, months_to FROM asset_access_rollup_state WHERE id = 1${LOCK_CLAUSE[lock]}`)) as unknown as [
    Array<{ days_to: Date; months_to: Date }>,
  ];
  return { daysTo: rows[0]?.days_to.getTime() ?? 0, monthsTo: rows[0]?.months_to.getTime() ?? 0 };
}
