import type { PoolConnection } from 'mysql2/promise';
import { sqlDateTime, type Database } from '../db';
import { hourStart } from '../db/hours';
import { isSuccessfulRead, type AccessRow } from './access-row';

/**
 * Writes batches of access rows: the raw rows and the additive aggregates in one transaction, so a batch counts
 * entirely or not at all. `hits = hits + VALUES(hits)` works on MySQL 8.4 and MariaDB alike and lets several
 * replicas write the same keys concurrently. Keys are written in sorted order and the window state row is locked
 * first, so replicas do not deadlock; should the server still report one (or a lock-wait timeout), the transaction
 * is rolled back whole and the writer retries it, so nothing counts twice.
 */
export class AccessLogRepository {
  constructor(private readonly database: Database) {}

  async insertBatch(rows: readonly AccessRow[]): Promise<void> {
    if (rows.length === 0) return;
    this.database.assertReady();
    const hourly = new Map<string, { type: string; hour: number; id: string; hits: number }>();
    const totals = new Map<string, { type: string; id: string; hits: number }>();
    for (const row of rows) {
      if (!isSuccessfulRead(row)) continue;
      const hour = hourStart(row.accessedAt);
      const hk = `${row.resourceType}\u0000${hour}\u0000${row.assetId}`;
      const h = hourly.get(hk);
      if (h) h.hits++;
      else hourly.set(hk, { type: row.resourceType, hour, id: row.assetId, hits: 1 });
      const tk = `${row.resourceType}\u0000${row.assetId}`;
      const t = totals.get(tk);
      if (t) t.hits++;
      else totals.set(tk, { type: row.resourceType, id: row.assetId, hits: 1 });
    }
    const byKey = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);

    const conn = await this.database.pool.getConnection();
    try {
      await conn.beginTransaction();
      // One lock order everywhere: the window state row first (shared here, exclusive in the snapshot rebuild),
      // then the hourly rows, the totals and the window rows, each in key order. Replicas writing the same keys
      // then queue behind each other instead of deadlocking.
      const window = await this.lockWindowState(conn);
      await conn.query('INSERT INTO asset_access_log (asset_id, resource_type, method, status, accessed_at) VALUES ?', [
        rows.map((r) => [r.assetId, r.resourceType, r.method, r.status, sqlDateTime(r.accessedAt)]),
      ]);
      if (hourly.size > 0) {
        await conn.query(
          'INSERT INTO asset_access_hourly (resource_type, hour_start, asset_id, hits) VALUES ? ON DUPLICATE KEY UPDATE hits = hits + VALUES(hits)',
          [byKey(hourly).map((h) => [h.type, sqlDateTime(h.hour), h.id, h.hits])],
        );
        await conn.query(
          'INSERT INTO asset_access_total (resource_type, asset_id, hits) VALUES ? ON DUPLICATE KEY UPDATE hits = hits + VALUES(hits)',
          [byKey(totals).map((t) => [t.type, t.id, t.hits])],
        );
        await this.addLateRowsToWindow(conn, window, [...hourly.values()]);
      }
      await conn.commit();
    } catch (error) {
      await conn.rollback().catch(() => undefined);
      throw error;
    } finally {
      conn.release();
    }
  }

  /**
   * The range the 24-hour window snapshot holds, under a shared lock on its state row: that orders this batch
   * against a rebuild — either the rebuild sees these rows in `asset_access_hourly`, or this sees the rebuilt range.
   */
  private async lockWindowState(conn: PoolConnection): Promise<{ from: number; to: number }> {
    const [state] = (await conn.query('SELECT from_hour, to_hour FROM asset_access_window_state WHERE id = 1 LOCK IN SHARE MODE')) as unknown as [
      Array<{ from_hour: Date; to_hour: Date }>,
    ];
    return { from: state[0]?.from_hour.getTime() ?? 0, to: state[0]?.to_hour.getTime() ?? 0 };
  }

  /**
   * Rows for hours the 24-hour window snapshot already holds (written late, e.g. after an outage) are added to it
   * too, so the snapshot stays exact.
   */
  private async addLateRowsToWindow(
    conn: PoolConnection,
    { from, to }: { from: number; to: number },
    hourly: Array<{ type: string; hour: number; id: string; hits: number }>,
  ): Promise<void> {
    const late = new Map<string, { type: string; id: string; hits: number }>();
    for (const h of hourly) {
      if (h.hour < from || h.hour >= to) continue;
      const key = `${h.type}\u0000${h.id}`;
      const entry = late.get(key);
      if (entry) entry.hits += h.hits;
      else late.set(key, { type: h.type, id: h.id, hits: h.hits });
    }
    if (late.size === 0) return;
    await conn.query(
      'INSERT INTO asset_access_window (resource_type, asset_id, hits) VALUES ? ON DUPLICATE KEY UPDATE hits = hits + VALUES(hits)',
      [[...late.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, w]) => [w.type, w.id, w.hits])],
    );
  }

  /** Deletes up to `limit` hourly aggregate rows of hours before `beforeMs`; returns how many went. */
  deleteHourlyOlderThan(beforeMs: number, limit: number): Promise<number> {
    return this.deleteBefore('DELETE FROM asset_access_hourly WHERE hour_start < ? ORDER BY hour_start LIMIT ?', beforeMs, limit);
  }

  /** Deletes up to `limit` raw rows older than `beforeMs`; returns how many went. */
  deleteOlderThan(beforeMs: number, limit: number): Promise<number> {
    return this.deleteBefore('DELETE FROM asset_access_log WHERE accessed_at < ? ORDER BY accessed_at LIMIT ?', beforeMs, limit);
  }

  /** Runs one bounded, time-ordered delete (`statement` binds the instant, then the limit). */
  private async deleteBefore(statement: string, beforeMs: number, limit: number): Promise<number> {
    this.database.assertReady();
    const [result] = await this.database.pool.query(statement, [sqlDateTime(beforeMs), limit]);
    return (result as { affectedRows: number }).affectedRows;
  }
}
