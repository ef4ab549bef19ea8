import type { PoolConnection } from 'mysql2/promise';
import type { Logger } from '../lifecycle/logger';
import { sqlDateTime, type Database } from '../db';
import { PERIOD_TABLES } from '../db/period-tables';
import { DAY_MS, dayStart, monthStart, nextMonthStart } from '../db/time-grains';

/** How far the roll-ups should reach at `nowMs`: they wait `settleMs` into a new day so the last flushes land. */
export function rollupTargets(nowMs: number, settleMs: number): { daysTo: number; monthsTo: number } {
  const daysTo = dayStart(nowMs - settleMs);
  return { daysTo, monthsTo: monthStart(daysTo) };
}

interface RollupState {
  daysTo: number;
  monthsTo: number;
}

/**
 * Rolls closed days up from the hourly aggregates and closed months up from the days, so a long window sums a few
 * hundred periods instead of thousands of hours. Only the holder of the background-work lease does it; the row lock
 * on the state row orders it against the writers (they add rows written late for rolled periods themselves) and
 * against a former leader still finishing. One period per transaction, so writers wait at most one period's roll-up;
 * readers see each period either rolled or not (the bounds move in the same transaction as the rows).
 */
export class PeriodRollup {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
    private readonly options: { intervalMs: number; settleMs: number } = { intervalMs: 60_000, settleMs: 120_000 },
    /** Whether this process does the background work (`LeaderLease`); one process alone always does. */
    private readonly isLeader: () => boolean = () => true,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.rollUpDue(), this.options.intervalMs);
    this.timer.unref();
    void this.rollUpDue();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** How many periods this call rolled up. Never throws: a failure is logged and tried at the next tick. */
  rollUpDue(nowMs = Date.now()): Promise<number> {
    this.running ??= this.rollUp(nowMs)
      .catch((err: unknown) => {
        this.logger.warn({ err }, 'access roll-up failed; will retry');
        return 0;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async rollUp(nowMs: number): Promise<number> {
    if (!this.database.isReady || !this.isLeader()) return 0;
    const target = rollupTargets(nowMs, this.options.settleMs);
    const started = performance.now();
    let rolled = 0;
    while (!this.stopped && this.isLeader() && (await this.step(target))) rolled++;
    if (rolled > 0) {
      this.logger.info({ periods: rolled, daysTo: new Date(target.daysTo), ms: Math.round(performance.now() - started) }, 'access roll-up done');
    }
    return rolled;
  }

  /** Rolls up the next due day (or, days done, month) in one transaction; false when nothing is due. */
  private async step(target: RollupState): Promise<boolean> {
    const conn = await this.database.pool.getConnection();
    try {
      await conn.beginTransaction();
      const [rows] = (await conn.query('SELECT days_to, months_to FROM asset_access_rollup_state WHERE id = 1 FOR UPDATE')) as unknown as [
        Array<{ days_to: Date; months_to: Date }>,
      ];
      const state = { daysTo: rows[0]?.days_to.getTime() ?? 0, monthsTo: rows[0]?.months_to.getTime() ?? 0 };
      // Bounds only move forward: a process whose clock is behind finds them at or past its own target.
      const progressed =
        (state.daysTo < target.daysTo && (await this.rollNextDay(conn, state.daysTo, target.daysTo))) ||
        (state.monthsTo < Math.min(target.monthsTo, monthStart(state.daysTo)) &&
          (await this.rollNextMonth(conn, state.monthsTo, Math.min(target.monthsTo, monthStart(state.daysTo)))));
      await conn.commit();
      return progressed;
    } catch (error) {
      await conn.rollback().catch(() => undefined);
      throw error;
    } finally {
      conn.release();
    }
  }

  private async rollNextDay(conn: PoolConnection, daysTo: number, targetDaysTo: number): Promise<boolean> {
    // First run: start at the first day the hourly table holds (or, with nothing there, at the target).
    const day = daysTo > 0 ? daysTo : dayStart((await this.earliest(conn, 'hour')) ?? targetDaysTo);
    if (day >= targetDaysTo) {
      await conn.query('UPDATE asset_access_rollup_state SET days_to = ?, rolled_at = UTC_TIMESTAMP(3) WHERE id = 1', [sqlDateTime(targetDaysTo)]);
      return true;
    }
    await this.rollInto(conn, 'day', 'hour', day, day + DAY_MS);
    await conn.query('UPDATE asset_access_rollup_state SET days_to = ?, rolled_at = UTC_TIMESTAMP(3) WHERE id = 1', [sqlDateTime(day + DAY_MS)]);
    return true;
  }

  private async rollNextMonth(conn: PoolConnection, monthsTo: number, limit: number): Promise<boolean> {
    const month = monthsTo > 0 ? monthsTo : monthStart((await this.earliest(conn, 'day')) ?? limit);
    if (month >= limit) {
      await conn.query('UPDATE asset_access_rollup_state SET months_to = ?, rolled_at = UTC_TIMESTAMP(3) WHERE id = 1', [sqlDateTime(limit)]);
      return true;
    }
    const end = nextMonthStart(month);
    await this.rollInto(conn, 'month', 'day', month, end);
    await conn.query('UPDATE asset_access_rollup_state SET months_to = ?, rolled_at = UTC_TIMESTAMP(3) WHERE id = 1', [sqlDateTime(end)]);
    return true;
  }

  private async earliest(conn: PoolConnection, grain: 'hour' | 'day'): Promise<number | undefined> {
    const { table, column } = PERIOD_TABLES[grain];
    const [rows] = (await conn.query(`SELECT MIN(${column}) AS first FROM ${table}`)) as unknown as [Array<{ first: Date | null }>];
    return rows[0]?.first?.getTime();
  }

  /** Sums the finer grain's rows of [fromMs, toMs) into one period of the coarser grain starting at `fromMs`. */
  private async rollInto(conn: PoolConnection, into: 'day' | 'month', from: 'hour' | 'day', fromMs: number, toMs: number): Promise<void> {
    const target = PERIOD_TABLES[into];
    const source = PERIOD_TABLES[from];
    await conn.query(
      `INSERT INTO ${target.table} (${target.column}, resource_type, asset_id, hits)
       SELECT ?, resource_type, asset_id, SUM(hits) FROM ${source.table}
       WHERE ${source.column} >= ? AND ${source.column} < ? GROUP BY resource_type, asset_id`,
      [sqlDateTime(fromMs), sqlDateTime(fromMs), sqlDateTime(toMs)],
    );
  }
}
