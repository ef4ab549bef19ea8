import type { PoolConnection } from 'mysql2/promise';
import { sqlDateTime, type Database } from '../db';
import { type Grain, dayStart, hourStart, minuteStart, monthStart, periodStart } from '../db/time-grains';
import { PERIOD_TABLES } from '../db/period-tables';
import { readRollupBounds, type RollupBounds } from '../db/rollup-state';
import { isSuccessfulRead, type AccessRow } from './access-row';
import type { BatchWritten } from './access-log-writer';
import { assetKey, foldMissingAssets, mayNameMissingAsset } from './missing-asset-fold';

interface PeriodHits {
  period: number;
  type: string;
  id: string;
  hits: number;
}

/** Successful reads of a batch summed per (period, type, asset), in primary-key order: one lock order everywhere. */
class PeriodCounts {
  private readonly counts = new Map<string, PeriodHits>();

  add(period: number, type: string, id: string, hits: number): void {
    const key = `${period}\u0000${type}\u0000${id}`;
    const entry = this.counts.get(key);
    if (entry) entry.hits += hits;
    else this.counts.set(key, { period, type, id, hits });
  }

  get size(): number {
    return this.counts.size;
  }

  /** In no particular order. */
  values(): IterableIterator<PeriodHits> {
    return this.counts.values();
  }

  /** Key order; the period is a fixed-width epoch (13 digits until 2286), so string order is time order. */
  sorted(): PeriodHits[] {
    return [...this.counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  }
}

/**
 * Writes batches of access rows: the raw rows, the folded requests for assets that do not exist, and the additive
 * per-minute, per-hour and all-time aggregates in one transaction, so a batch counts entirely or not at all (days
 * and months are the leader's roll-ups; rows for periods already rolled up are added to those too). `hits = hits + VALUES(hits)` works on MySQL 8.4 and MariaDB
 * alike and lets several replicas write the same keys concurrently. Keys are written in sorted order and the roll-up
 * state row is locked first, so replicas do not deadlock; should the server still report one (or a lock-wait
 * timeout), the transaction is rolled back whole and the writer retries it, so nothing counts twice.
 */
export class AccessLogRepository {
  constructor(private readonly database: Database) {}

  /**
   * Rows for an asset the catalogue does not hold (`/datasets/<made-up id>`: an error answer, or an OPTIONS) are
   * counted per minute, type, method and status in `asset_access_folded_minute` instead of one raw row each, so a
   * client cannot make us store one row per request; every row for an asset that exists (and every GET, HEAD, PUT or
   * DELETE that succeeded) stays raw and exact.
   */
  async insertBatch(rows: readonly AccessRow[]): Promise<BatchWritten> {
    if (rows.length === 0) return { folded: 0 };
    this.database.assertReady();
    const minutes = new PeriodCounts();
    const hours = new PeriodCounts();
    const totals = new PeriodCounts();
    for (const row of rows) {
      if (!isSuccessfulRead(row)) continue;
      minutes.add(minuteStart(row.accessedAt), row.resourceType, row.assetId, 1);
      hours.add(hourStart(row.accessedAt), row.resourceType, row.assetId, 1);
      totals.add(0, row.resourceType, row.assetId, 1);
    }

    const conn = await this.database.pool.getConnection();
    try {
      // Before the transaction: a plain read that locks nothing.
      const { raw, folded, foldedRows } = foldMissingAssets(rows, await this.existingAssets(conn, rows));
      await conn.beginTransaction();
      // One lock order everywhere: the roll-up state row first (shared here, exclusive in a roll-up), then the
      // folded, minute, hourly, all-time, daily and monthly rows, each in key order. Replicas writing the same keys
      // then queue behind each other instead of deadlocking. The shared lock also orders this batch against a
      // roll-up: either the roll-up sees these rows in the hourly table, or this batch sees its new bounds.
      const rolled = await readRollupBounds(conn, 'share');
      if (raw.length > 0) {
        await conn.query('INSERT INTO asset_access_log (asset_id, resource_type, method, status, accessed_at) VALUES ?', [
          raw.map((r) => [r.assetId, r.resourceType, r.method, r.status, sqlDateTime(r.accessedAt)]),
        ]);
      }
      if (folded.length > 0) {
        await conn.query(
          'INSERT INTO asset_access_folded_minute (minute_start, resource_type, method, status, requests) VALUES ? ON DUPLICATE KEY UPDATE requests = requests + VALUES(requests)',
          [folded.map((f) => [sqlDateTime(f.minute), f.resourceType, f.method, f.status, f.requests])],
        );
      }
      await this.upsertPeriods(conn, 'minute', minutes);
      await this.upsertPeriods(conn, 'hour', hours);
      if (totals.size > 0) {
        await conn.query(
          'INSERT INTO asset_access_total (resource_type, asset_id, hits) VALUES ? ON DUPLICATE KEY UPDATE hits = hits + VALUES(hits)',
          [totals.sorted().map((t) => [t.type, t.id, t.hits])],
        );
      }
      await this.addLateRowsToRollups(conn, rolled, hours);
      await conn.commit();
      return { folded: foldedRows };
    } catch (error) {
      await conn.rollback().catch(() => undefined);
      throw error;
    } finally {
      conn.release();
    }
  }

  /**
   * Which of the assets named by the batch's rows that may be missing exist (as `assetKey`s): one look-up by primary
   * key, and none at all for a batch of successful reads.
   */
  private async existingAssets(conn: PoolConnection, rows: readonly AccessRow[]): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const row of rows) if (mayNameMissingAsset(row)) ids.add(row.assetId);
    if (ids.size === 0) return new Set();
    const [found] = await conn.query('SELECT resource_type, id FROM assets WHERE id IN (?)', [[...ids]]);
    return new Set((found as Array<{ resource_type: string; id: string }>).map((a) => assetKey(a.resource_type, a.id)));
  }

  private async upsertPeriods(conn: PoolConnection, grain: Grain, counts: PeriodCounts): Promise<void> {
    if (counts.size === 0) return;
    const { table, column } = PERIOD_TABLES[grain];
    await conn.query(
      `INSERT INTO ${table} (${column}, resource_type, asset_id, hits) VALUES ? ON DUPLICATE KEY UPDATE hits = hits + VALUES(hits)`,
      [counts.sorted().map((c) => [sqlDateTime(c.period), c.type, c.id, c.hits])],
    );
  }

  /**
   * Rows for days already rolled up (written late, e.g. after an outage) are added to those days and to their months
   * too (a month is summed from each day as that day is rolled, `PeriodRollup`), so every grain stays exact.
   */
  private async addLateRowsToRollups(conn: PoolConnection, { daysTo }: RollupBounds, hours: PeriodCounts): Promise<void> {
    const days = new PeriodCounts();
    const months = new PeriodCounts();
    // Summed first and sorted by their own upserts: no need for the hours' order here.
    for (const h of hours.values()) {
      if (h.period >= daysTo) continue;
      days.add(dayStart(h.period), h.type, h.id, h.hits);
      months.add(monthStart(h.period), h.type, h.id, h.hits);
    }
    await this.upsertPeriods(conn, 'day', days);
    await this.upsertPeriods(conn, 'month', months);
  }

  /** Deletes up to `limit` rows of `grain` whose period ended before `beforeMs`; returns how many went. */
  deletePeriodsBefore(grain: Grain, beforeMs: number, limit: number): Promise<number> {
    const { table, column } = PERIOD_TABLES[grain];
    // A period is deleted once all of it is older than the cutoff: its start is before the cutoff's own period.
    return this.deleteBefore(`DELETE FROM ${table} WHERE ${column} < ? ORDER BY ${column} LIMIT ?`, periodStart(grain, beforeMs), limit);
  }

  /** Deletes up to `limit` raw rows older than `beforeMs`; returns how many went. */
  deleteOlderThan(beforeMs: number, limit: number): Promise<number> {
    return this.deleteBefore('DELETE FROM asset_access_log WHERE accessed_at < ? ORDER BY accessed_at LIMIT ?', beforeMs, limit);
  }

  /** Deletes up to `limit` folded per-minute counts whose minute ended before `beforeMs`; returns how many went. */
  deleteFoldedBefore(beforeMs: number, limit: number): Promise<number> {
    return this.deleteBefore(
      'DELETE FROM asset_access_folded_minute WHERE minute_start < ? ORDER BY minute_start LIMIT ?',
      minuteStart(beforeMs),
      limit,
    );
  }

  /** Runs one bounded, time-ordered delete (`statement` binds the instant, then the limit). */
  private async deleteBefore(statement: string, beforeMs: number, limit: number): Promise<number> {
    this.database.assertReady();
    const [result] = await this.database.pool.query(statement, [sqlDateTime(beforeMs), limit]);
    return (result as { affectedRows: number }).affectedRows;
  }
}
