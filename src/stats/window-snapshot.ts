import type { Logger } from '../lifecycle/logger';
import { sqlDateTime, type Database } from '../db';
import { HOUR_MS, hourStart } from '../db/hours';

/** The snapshot holds this many full hours; the current hour and the partial first hour are added when read. */
export const SNAPSHOT_HOURS = 23;

export interface SnapshotRange {
  fromMs: number;
  toMs: number;
}

/** The hours the snapshot should hold at `nowMs`: it waits `settleMs` into a new hour so the last flushes land. */
export function targetRange(nowMs: number, settleMs: number): SnapshotRange {
  const toMs = hourStart(nowMs - settleMs);
  return { fromMs: toMs - SNAPSHOT_HOURS * HOUR_MS, toMs };
}

/**
 * Rebuilds `asset_access_window` once per hour from the hourly aggregates. Only the holder of the background-work
 * lease does it; the row lock on the state row also orders it against a former leader still finishing. Readers see either the old or
 * the new snapshot (they read in a consistent snapshot), never a half-built one.
 */
export class WindowSnapshot {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<boolean> | undefined;

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
    private readonly options: { intervalMs: number; settleMs: number } = { intervalMs: 60_000, settleMs: 120_000 },
    /** Whether this process does the background work (`LeaderLease`); one process alone always does. */
    private readonly isLeader: () => boolean = () => true,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.rebuildIfStale(), this.options.intervalMs);
    this.timer.unref();
    void this.rebuildIfStale();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** True when this call rebuilt the snapshot. Never throws: a failure is logged and tried at the next tick. */
  rebuildIfStale(nowMs = Date.now()): Promise<boolean> {
    this.running ??= this.rebuild(nowMs)
      .catch((err: unknown) => {
        this.logger.warn({ err }, 'window snapshot rebuild failed; will retry');
        return false;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async rebuild(nowMs: number): Promise<boolean> {
    if (!this.database.isReady || !this.isLeader()) return false;
    const target = targetRange(nowMs, this.options.settleMs);
    const conn = await this.database.pool.getConnection();
    try {
      await conn.beginTransaction();
      const [rows] = (await conn.query('SELECT to_hour FROM asset_access_window_state WHERE id = 1 FOR UPDATE')) as unknown as [Array<{ to_hour: Date }>];
      // Done already, or built further by a process whose clock is ahead: a clock behind never rebuilds backwards.
      if ((rows[0]?.to_hour.getTime() ?? 0) >= target.toMs) {
        await conn.commit();
        return false;
      }
      const started = performance.now();
      await conn.query('DELETE FROM asset_access_window');
      await conn.query(
        `INSERT INTO asset_access_window (resource_type, asset_id, hits)
         SELECT resource_type, asset_id, SUM(hits) FROM asset_access_hourly
         WHERE hour_start >= ? AND hour_start < ? GROUP BY resource_type, asset_id`,
        [sqlDateTime(target.fromMs), sqlDateTime(target.toMs)],
      );
      await conn.query('UPDATE asset_access_window_state SET from_hour = ?, to_hour = ?, built_at = UTC_TIMESTAMP(3) WHERE id = 1', [
        sqlDateTime(target.fromMs),
        sqlDateTime(target.toMs),
      ]);
      await conn.commit();
      this.logger.info({ from: new Date(target.fromMs), to: new Date(target.toMs), ms: Math.round(performance.now() - started) }, 'window snapshot rebuilt');
      return true;
    } catch (error) {
      await conn.rollback().catch(() => undefined);
      throw error;
    } finally {
      conn.release();
    }
  }
}
