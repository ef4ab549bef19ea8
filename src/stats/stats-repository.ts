import type { Database } from '../db';
import { sqlDateTime } from '../access-log/access-log-repository';
import { hourStart } from '../access-log/access-row';

export interface TopEntry {
  resource_type: string;
  asset_id: string;
  hits: number;
}

const HOUR_MS = 3_600_000;

/**
 * Popularity queries over the aggregates, never a scan of the raw log:
 * - all time: the first `limit` entries of a descending index on `asset_access_total`;
 * - since an instant: whole hours from `asset_access_hourly`, plus the raw rows of the partial first hour, so the
 *   window is exact (while raw rows are retained; older than that it is exact to the hour).
 * Ties are broken by asset id (byte order: the column is binary).
 */
export class StatsRepository {
  constructor(private readonly database: Database) {}

  async top(resourceType: string | undefined, limit: number, sinceMs?: number): Promise<TopEntry[]> {
    this.database.assertReady();
    const [rows] =
      sinceMs === undefined ? await this.allTime(resourceType, limit) : await this.since(resourceType, limit, sinceMs);
    return (rows as Array<{ resource_type: string; asset_id: string; hits: number | string }>).map((r) => ({
      resource_type: r.resource_type,
      asset_id: r.asset_id,
      hits: Number(r.hits),
    }));
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
    const firstFullHour = hourStart(sinceMs) === sinceMs ? sinceMs : hourStart(sinceMs) + HOUR_MS;
    const typeFilter = resourceType === undefined ? '' : 'AND resource_type = ?';
    const typeParam = resourceType === undefined ? [] : [resourceType];
    return this.database.pool.query(
      `SELECT resource_type, asset_id, CAST(SUM(hits) AS UNSIGNED) AS hits FROM (
         SELECT resource_type, asset_id, hits FROM asset_access_hourly
          WHERE hour_start >= ? ${typeFilter}
         UNION ALL
         SELECT resource_type, asset_id, COUNT(*) AS hits FROM asset_access_log
          WHERE accessed_at >= ? AND accessed_at < ? ${typeFilter} AND method = 'GET' AND status = 200
          GROUP BY resource_type, asset_id
       ) AS windowed
       GROUP BY resource_type, asset_id
       ORDER BY hits DESC, asset_id, resource_type
       LIMIT ?`,
      [sqlDateTime(firstFullHour), ...typeParam, sqlDateTime(sinceMs), sqlDateTime(firstFullHour), ...typeParam, limit],
    );
  }
}
