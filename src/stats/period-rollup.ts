import type { PoolConnection } from 'mysql2/promise';
import type { Logger } from '../lifecycle/logger';
import { PeriodicTask } from '../lifecycle/periodic-task';
import { sqlDateTime, type Database } from '../db';
import { PERIOD_TABLES } from '../db/period-tables';
import { readRollupBounds, type RollupBounds } from '../db/rollup-state';
import { type Grain, dayStart, monthStart, periodEnd, periodStart } from '../db/time-grains';

/** How far the roll-ups should reach at `nowMs`: they wait `settleMs` into a new day so the last flushes land. */
export function rollupTargets(nowMs: number, settleMs: number): RollupBounds {
  const settled = nowMs - settleMs;
  return { daysTo: dayStart(settled), monthsTo: monthStart(settled) };
}

/**
 * Rolls closed days up from the hourly aggregates and closed months up from the days, so a long window reads a few
 * hundred periods instead of thousands of hours. Only the holder of the background-work lease does it; the row lock
 * on the state row orders it against the writers (they add rows written late for rolled periods themselves) and
 * against a former leader still finishing. One period per transaction, so writers wait at most one period's roll-up;
 * readers see each period either rolled or not (the bounds move in the same transaction as the rows).
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

  /** Rolls up the next due day or month, in that order, in one transaction; false when nothing is due. */
  private async step(target: RollupBounds): Promise<boolean> {
    const conn = await this.database.pool.getConnection();
    try {
      await conn.beginTransaction();
      const state = await readRollupBounds(conn, 'update');
      // Bounds only move forward: a process whose clock is behind finds them at or past its own target. A month is
      // rolled once its days are.
      const monthsLimit = Math.min(target.monthsTo, monthStart(state.daysTo));
      let progressed = false;
      if (state.daysTo < target.daysTo) progressed = await this.rollNext(conn, 'day', state.daysTo, target.daysTo);
      else if (state.monthsTo < monthsLimit) progressed = await this.rollNext(conn, 'month', state.monthsTo, monthsLimit);
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
   * Rolls up the period of `grain` at the bound `from` (the first period the source holds, on a first run) and moves
   * the bound past it; with nothing to roll before `limit`, moves the bound to `limit`.
   */
  private async rollNext(conn: PoolConnection, grain: 'day' | 'month', from: number, limit: number): Promise<boolean> {
    const source: Grain = grain === 'month' ? 'day' : 'hour';
    const period = from > 0 ? from : periodStart(grain, (await this.earliest(conn, source)) ?? limit);
    const end = period >= limit ? limit : periodEnd(grain, period);
    if (period < limit) await this.rollInto(conn, grain, source, period, end);
    const bound = grain === 'day' ? 'days_to' : 'months_to';
    const [result] = await conn.query(`UPDATE asset_access_rollup_state SET ${bound} = ?, rolled_at = UTC_TIMESTAMP(3) WHERE id = 1`, [sqlDateTime(end)]);
    if ((result as { affectedRows: number }).affectedRows === 1) return true;
    // The state row is gone (deleted by hand, a restore of part of the schema): no bound can move, so this run stops
    // here instead of rolling the same period for ever. The row is put back as the migration created it ("nothing
    // rolled up"); the next run rolls up again from the first hour, which rewrites each period whole (idempotent).
    await conn.query("INSERT IGNORE INTO asset_access_rollup_state (id, days_to, months_to) VALUES (1, '1970-01-01', '1970-01-01')");
    this.logger.warn({ table: 'asset_access_rollup_state' }, 'roll-up state row was missing; re-created it, the roll-up starts over at the next run');
    return false;
  }

  private async earliest(conn: PoolConnection, grain: Grain): Promise<number | undefined> {
    const { table, column } = PERIOD_TABLES[grain];
    const [rows] = (await conn.query(`SELECT MIN(${column}) AS first FROM ${table}`)) as unknown as [Array<{ first: Date | null }>];
    return rows[0]?.first?.getTime();
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
