import type { PoolConnection } from 'mysql2/promise';
import type { Logger } from '../lifecycle/logger';
import { PeriodicTask } from '../lifecycle/periodic-task';
import { sqlDateTime, type Database } from '../db';
import { PERIOD_TABLES } from '../db/period-tables';
import { readRollupBounds, type RollupBounds } from '../db/rollup-state';
import { startReadSnapshot } from '../db/read-snapshot';
import { type Grain, dayStart, monthStart, nextMonthStart, periodEnd, periodStart } from '../db/time-grains';

/** How far the roll-ups should reach at `nowMs`: they wait `settleMs` into a new day so the last flushes land. */
export function rollupTargets(nowMs: number, settleMs: number): RollupBounds {
  const settled = nowMs - settleMs;
  return { daysTo: dayStart(settled), monthsTo: monthStart(settled) };
}

/**
 * Rolls closed days up from the hourly aggregates and closed months up from the days, so a long window reads a few
 * hundred periods instead of thousands of hours. Only the holder of the background-work lease does it; the row lock
 * on the state row orders it against the writers (they add rows written late for rolled periods themselves) and
 * against a former leader still finishing. One day per transaction, added to its month in the same transaction, so
 * writers wait at most one day's roll-up: closing a month only moves its bound (readers read a month's rows once
 * `months_to` covers it). Readers see each period either rolled or not (the bounds move with the rows).
 */
export class PeriodRollup {
  private readonly task: PeriodicTask;

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
    private readonly options: { intervalMs: number; settleMs: number } = { intervalMs: 60_000, settleMs: 120_000 },
    /** Whether this process does the background work (`LeaderLease`); one process alone always does. */
    private readonly isLeader: () => boolean = () => true,
  ) {
    this.task = new PeriodicTask(
      (nowMs) =>
        this.rollUp(nowMs).catch((err: unknown) => {
          this.logger.warn({ err }, 'access roll-up failed; will retry');
          return 0;
        }),
      options.intervalMs,
    );
  }

  /** Rolls up at once (the first roll-up as soon as the schema is there), then every `intervalMs`. */
  start(): void {
    this.task.start({ runNow: true });
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /** How many periods this call rolled up. Never throws: a failure is logged and tried at the next tick. */
  rollUpDue(nowMs = Date.now()): Promise<number> {
    return this.task.runOnce(nowMs);
  }

  private async rollUp(nowMs: number): Promise<number> {
    if (!this.database.isReady || !this.isLeader()) return 0;
    const target = rollupTargets(nowMs, this.options.settleMs);
    const started = performance.now();
    let rolled = 0;
    while (!this.task.stopped && this.isLeader() && (await this.step(target))) rolled++;
    if (rolled > 0) {
      this.logger.info({ periods: rolled, daysTo: new Date(target.daysTo), ms: Math.round(performance.now() - started) }, 'access roll-up done');
    }
    return rolled;
  }

  /** Rolls up the next due day or closes the next due month, in that order, in one transaction; false when nothing is due. */
  private async step(target: RollupBounds): Promise<boolean> {
    // Checked before taking the state row's lock, so writers never wait for a scan of a month's days.
    const verified = await this.verifyNextMonth(target);
    const conn = await this.database.pool.getConnection();
    try {
      await conn.beginTransaction();
      const state = await readRollupBounds(conn, 'update');
      // Bounds only move forward: a process whose clock is behind finds them at or past its own target. A month is
      // closed once its days are rolled.
      const monthsLimit = Math.min(target.monthsTo, monthStart(state.daysTo));
      let progressed = false;
      if (state.daysTo < target.daysTo) progressed = await this.rollNext(conn, 'day', state.daysTo, target.daysTo);
      else if (state.monthsTo < monthsLimit) progressed = await this.rollNext(conn, 'month', state.monthsTo, monthsLimit, verified);
      await conn.commit();
      return progressed;
    } catch (error) {
      await conn.rollback().catch(() => undefined);
      throw error;
    } finally {
      conn.release();
    }
  }

  /**
   * The month the next step would close, when its rows (summed from each day as it was rolled, plus late rows) add
   * up to its days' in one consistent snapshot, without locks. Undefined when none is due or they differ: days
   * rolled by a version that did not sum months as it went (an upgrade in mid-month), or late rows from such a
   * version's writer; that month is then summed from its days whole, under the lock, once.
   */
  private async verifyNextMonth(target: RollupBounds): Promise<number | undefined> {
    const conn = await this.database.pool.getConnection();
    try {
      await startReadSnapshot(conn);
      const state = await readRollupBounds(conn, 'none');
      if (state.daysTo < target.daysTo || state.monthsTo >= Math.min(target.monthsTo, monthStart(state.daysTo))) return undefined;
      const month = state.monthsTo > 0 ? state.monthsTo : (await this.earliest(conn, 'day'));
      if (month === undefined) return undefined;
      const [rows] = (await conn.query(
        `SELECT (SELECT COALESCE(SUM(hits), 0) FROM asset_access_monthly WHERE month_start = ?) AS months,
                (SELECT COALESCE(SUM(hits), 0) FROM asset_access_daily WHERE day_start >= ? AND day_start < ?) AS days`,
        [sqlDateTime(monthStart(month)), sqlDateTime(monthStart(month)), sqlDateTime(nextMonthStart(month))],
      )) as unknown as [Array<{ months: string | number; days: string | number }>];
      return String(rows[0]?.months) === String(rows[0]?.days) ? monthStart(month) : undefined;
    } finally {
      await conn.query('ROLLBACK').catch(() => undefined);
      conn.release();
    }
  }

  /**
   * Rolls up the period of `grain` at the bound `from` (the first period the source holds, on a first run) and moves
   * the bound past it; with nothing to roll before `limit`, moves the bound to `limit`. A day is added to its month
   * as it is rolled, so closing a month is a move of its bound, unless its sum could not be `verified`.
   */
  private async rollNext(conn: PoolConnection, grain: 'day' | 'month', from: number, limit: number, verified?: number): Promise<boolean> {
    const source: Grain = grain === 'month' ? 'day' : 'hour';
    const period = from > 0 ? from : periodStart(grain, (await this.earliest(conn, source)) ?? limit);
    const end = period >= limit ? limit : periodEnd(grain, period);
    if (period < limit && grain === 'day') await this.rollDay(conn, period);
    if (period < limit && grain === 'month' && verified !== period) {
      this.logger.warn({ month: new Date(period) }, 'month rows do not add up to its days; summing the month from its days');
      await this.rollInto(conn, 'month', 'day', period, end);
    }
    const bound = grain === 'day' ? 'days_to' : 'months_to';
    const [result] = await conn.query(`UPDATE asset_access_rollup_state SET ${bound} = ?, rolled_at = UTC_TIMESTAMP(3) WHERE id = 1`, [sqlDateTime(end)]);
    if ((result as { affectedRows: number }).affectedRows === 1) return true;
    // The state row is gone (deleted by hand, a restore of part of the schema): no bound can move, so this run stops
    // here instead of rolling the same period for ever. The row is put back as the migration created it ("nothing
    // rolled up"); the next run rolls up again from the first hour, which rewrites each day whole (idempotent).
    await conn.query("INSERT IGNORE INTO asset_access_rollup_state (id, days_to, months_to) VALUES (1, '1970-01-01', '1970-01-01')");
    this.logger.warn({ table: 'asset_access_rollup_state' }, 'roll-up state row was missing; re-created it, the roll-up starts over at the next run');
    return false;
  }

  private async earliest(conn: PoolConnection, grain: Grain): Promise<number | undefined> {
    const { table, column } = PERIOD_TABLES[grain];
    const [rows] = (await conn.query(`SELECT MIN(${column}) AS first FROM ${table}`)) as unknown as [Array<{ first: Date | null }>];
    return rows[0]?.first?.getTime();
  }

  /**
   * Writes the day at `dayMs` summed from its hours and adds it to its month. Idempotent: what a former roll of the
   * same day added to the month (the state row lost and re-created) is taken back first.
   */
  private async rollDay(conn: PoolConnection, dayMs: number): Promise<void> {
    const [day, month] = [sqlDateTime(dayMs), sqlDateTime(monthStart(dayMs))];
    await conn.query(
      `UPDATE asset_access_monthly m JOIN asset_access_daily d
         ON m.month_start = ? AND m.resource_type = d.resource_type AND m.asset_id = d.asset_id
       SET m.hits = IF(m.hits > d.hits, m.hits - d.hits, 0) WHERE d.day_start = ?`,
      [month, day],
    );
    await this.rollInto(conn, 'day', 'hour', dayMs, periodEnd('day', dayMs));
    await conn.query(
      `INSERT INTO asset_access_monthly (month_start, resource_type, asset_id, hits)
       SELECT ?, d.resource_type, d.asset_id, d.hits FROM asset_access_daily d WHERE d.day_start = ?
       ON DUPLICATE KEY UPDATE hits = asset_access_monthly.hits + VALUES(hits)`,
      [month, day],
    );
  }

  /** Writes the source grain's rows of [fromMs, toMs) summed, as the period starting at `fromMs` (idempotent). */
  private async rollInto(conn: PoolConnection, grain: 'day' | 'month', source: Grain, fromMs: number, toMs: number): Promise<void> {
    const from = PERIOD_TABLES[source];
    const into = PERIOD_TABLES[grain];
    await conn.query(
      `INSERT INTO ${into.table} (${into.column}, resource_type, asset_id, hits)
       SELECT ?, resource_type, asset_id, SUM(hits) FROM ${from.table}
       WHERE ${from.column} >= ? AND ${from.column} < ? GROUP BY resource_type, asset_id
       ON DUPLICATE KEY UPDATE hits = VALUES(hits)`,
      [sqlDateTime(fromMs), sqlDateTime(fromMs), sqlDateTime(toMs)],
    );
  }
}
