import { sqlDateTime, type Database } from '../db';
import { HOUR_MS, firstFullHour, hourStart } from '../db/hours';
import { SUCCESSFUL_READ } from '../access-log/access-row';

/** The raw-row filter of a successful read, and its parameters: `SUCCESSFUL_READ` is defined once. */
const READ_FILTER = 'method = ? AND status = ?';
const READ_PARAMS = [SUCCESSFUL_READ.method, SUCCESSFUL_READ.status];

export interface TopEntry {
  resource_type: string;
  asset_id: string;
  hits: number;
}

/** Beyond this many hours of adjustments the general query is as cheap; the snapshot is then not used. */
const MAX_ADJUSTMENT_HOURS = 4;

/** Byte order for ASCII strings, as the binary-collated id columns sort. */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function toEntries(rows: unknown): TopEntry[] {
  return (rows as Array<{ resource_type: string; asset_id: string; hits: number | string }>).map((r) => ({
    resource_type: r.resource_type,
    asset_id: r.asset_id,
    hits: Number(r.hits),
  }));
}

/**
 * Popularity queries over the aggregates, never a scan of the raw log:
 * - all time: the first `limit` entries of a descending index on `asset_access_total`;
 * - since an instant close to 24 hours ago (`window=24h`): the hourly-rebuilt snapshot `asset_access_window`, read
 *   through its descending index, plus small adjustments;
 * - since any other instant: whole hours from `asset_access_hourly`, plus the raw rows of the partial first hour, so
 *   the window is exact (while raw rows are retained; older than that it is exact to the hour).
 * Ties are broken by asset id (byte order: the column is binary).
 */
export class StatsRepository {
  constructor(private readonly database: Database) {}

  async top(resourceType: string | undefined, limit: number, sinceMs?: number, nowMs = Date.now()): Promise<TopEntry[]> {
    this.database.assertReady();
    if (sinceMs !== undefined) {
      const fromSnapshot = await this.fromSnapshot(resourceType, limit, sinceMs, nowMs);
      if (fromSnapshot) return fromSnapshot;
    }
    const [rows] =
      sinceMs === undefined ? await this.allTime(resourceType, limit) : await this.since(resourceType, limit, sinceMs);
    return toEntries(rows);
  }

  /** The exact answer from hourly and raw rows alone, whatever the snapshot holds (tests compare the two paths). */
  async topWithoutSnapshot(resourceType: string | undefined, limit: number, sinceMs: number): Promise<TopEntry[]> {
    this.database.assertReady();
    return toEntries((await this.since(resourceType, limit, sinceMs))[0]);
  }

  /**
   * A window close to the snapshot's (as `window=24h` is): snapshot + adjustments (hours the snapshot lacks or has
   * too many, the raw partial first hour). Exact: every asset the adjustments touch is valued in full, and any
   * other asset in the top `limit` is among the snapshot's top `limit + adjusted assets`. Undefined when no
   * snapshot fits, and the general query answers instead.
   */
  private async fromSnapshot(resourceType: string | undefined, limit: number, sinceMs: number, nowMs: number): Promise<TopEntry[] | undefined> {
    const conn = await this.database.pool.getConnection();
    try {
      // One consistent view: a rebuild committing meanwhile is either wholly seen or not at all.
      await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      const [state] = (await conn.query('SELECT from_hour, to_hour FROM asset_access_window_state WHERE id = 1')) as unknown as [
        Array<{ from_hour: Date; to_hour: Date }>,
      ];
      const from = state[0]?.from_hour.getTime() ?? 0;
      const to = state[0]?.to_hour.getTime() ?? 0;
      const fullFrom = firstFullHour(sinceMs);
      const currentHour = hourStart(nowMs);
      if (to <= from || fullFrom >= to) return undefined;
      const frontAdd = Math.max(0, from - fullFrom) / HOUR_MS; // window hours before the snapshot
      const frontSub = Math.max(0, fullFrom - from) / HOUR_MS; // snapshot hours before the window
      const tailFrom = Math.max(to, fullFrom);
      const tailAdd = currentHour >= tailFrom ? (currentHour - tailFrom) / HOUR_MS + 1 : 0; // hours after the snapshot
      if (frontAdd + frontSub + tailAdd > MAX_ADJUSTMENT_HOURS) return undefined;

      const type = resourceType === undefined ? '' : 'AND resource_type = ?';
      const typeParam = resourceType === undefined ? [] : [resourceType];
      // Each adjusted asset with its snapshot value: a primary-key lookup per asset (a row-constructor IN list
      // of the same keys was planned as a scan by MariaDB, ~800 ms on 10 M rows).
      const [deltaRows] = (await conn.query(
        `SELECT a.resource_type, a.asset_id, CAST(a.delta AS SIGNED) AS delta, COALESCE(w.hits, 0) AS snapshot_hits FROM (
           SELECT resource_type, asset_id, SUM(d) AS delta FROM (
             SELECT resource_type, asset_id, CAST(hits AS SIGNED) AS d FROM asset_access_hourly WHERE hour_start >= ? AND hour_start < ? ${type}
             UNION ALL
             SELECT resource_type, asset_id, CAST(hits AS SIGNED) FROM asset_access_hourly WHERE hour_start >= ? ${type}
             UNION ALL
             SELECT resource_type, asset_id, -CAST(hits AS SIGNED) FROM asset_access_hourly WHERE hour_start >= ? AND hour_start < ? ${type}
             UNION ALL
             SELECT resource_type, asset_id, COUNT(*) FROM asset_access_log
              WHERE accessed_at >= ? AND accessed_at < ? ${type} AND ${READ_FILTER} GROUP BY resource_type, asset_id
           ) AS adjustments GROUP BY resource_type, asset_id HAVING delta <> 0
         ) AS a
         LEFT JOIN asset_access_window AS w ON w.resource_type = a.resource_type AND w.asset_id = a.asset_id`,
        [
          sqlDateTime(fullFrom), sqlDateTime(Math.max(fullFrom, from)), ...typeParam,
          sqlDateTime(tailFrom), ...typeParam,
          sqlDateTime(from), sqlDateTime(Math.max(from, fullFrom)), ...typeParam,
          sqlDateTime(sinceMs), sqlDateTime(fullFrom), ...typeParam, ...READ_PARAMS,
        ],
      )) as unknown as [Array<{ resource_type: string; asset_id: string; delta: number | string; snapshot_hits: number | string }>];

      const [candidates] = resourceType === undefined
        ? await conn.query('SELECT resource_type, asset_id, hits FROM asset_access_window ORDER BY hits DESC, asset_id, resource_type LIMIT ?', [limit + deltaRows.length])
        : await conn.query('SELECT resource_type, asset_id, hits FROM asset_access_window WHERE resource_type = ? ORDER BY hits DESC, asset_id LIMIT ?', [resourceType, limit + deltaRows.length]);
      const hits = new Map<string, TopEntry>();
      for (const entry of toEntries(candidates)) hits.set(`${entry.resource_type}\u0000${entry.asset_id}`, entry);
      await conn.query('COMMIT');
      for (const d of deltaRows) {
        const key = `${d.resource_type}\u0000${d.asset_id}`;
        hits.set(key, { resource_type: d.resource_type, asset_id: d.asset_id, hits: Number(d.snapshot_hits) + Number(d.delta) });
      }
      return [...hits.values()]
        .filter((e) => e.hits > 0)
        .sort((a, b) => b.hits - a.hits || compare(a.asset_id, b.asset_id) || compare(a.resource_type, b.resource_type))
        .slice(0, limit);
    } finally {
      await conn.query('ROLLBACK').catch(() => undefined);
      conn.release();
    }
  }

  private allTime(resourceType: string | undefined, limit: number) {
    return resourceType === undefined
      ? this.database.pool.query(
          'SELECT resource_type, asset_id, hits FROM asset_access_total ORDER BY hits DESC, asset_id, resource_type LIMIT ?',
          [limit],
        )
      : this.database.pool.query(
          'SELECT resource_type, asset_id, hits FROM asset_access_total WHERE resource_type = ? ORDER BY hits DESC, asset_id LIMIT ?',
          [resourceType, limit],
        );
  }

  private since(resourceType: string | undefined, limit: number, sinceMs: number) {
    const fullFrom = firstFullHour(sinceMs);
    const typeFilter = resourceType === undefined ? '' : 'AND resource_type = ?';
    const typeParam = resourceType === undefined ? [] : [resourceType];
    return this.database.pool.query(
      `SELECT resource_type, asset_id, CAST(SUM(hits) AS UNSIGNED) AS hits FROM (
         SELECT resource_type, asset_id, hits FROM asset_access_hourly
          WHERE hour_start >= ? ${typeFilter}
         UNION ALL
         SELECT resource_type, asset_id, COUNT(*) AS hits FROM asset_access_log
          WHERE accessed_at >= ? AND accessed_at < ? ${typeFilter} AND ${READ_FILTER}
          GROUP BY resource_type, asset_id
       ) AS windowed
       GROUP BY resource_type, asset_id
       ORDER BY hits DESC, asset_id, resource_type
       LIMIT ?`,
      [sqlDateTime(fullFrom), ...typeParam, sqlDateTime(sinceMs), sqlDateTime(fullFrom), ...typeParam, ...READ_PARAMS, limit],
    );
  }
}
