import type { Database } from '../db';
import { readRollupBounds } from '../db/rollup-state';
import { DAY_MS } from '../db/time-grains';
import type { GuardedConnection } from '../db/guarded-connection';
import { RESOURCE_TYPES } from '../catalogue/resource-types';
import { PeriodLists } from './period-lists';
import { thresholdTop, type RankedEntry } from './threshold-top';
import { windowPeriods } from './window-periods';

export type TopEntry = RankedEntry;

const ALL_TYPES: readonly string[] = RESOURCE_TYPES.map((t) => t.name);

/** The all-time head of one type: the first entries of its descending index. */
const TYPE_HEAD = 'SELECT resource_type, asset_id, hits FROM asset_access_total WHERE resource_type = ? ORDER BY hits DESC, asset_id LIMIT ?';
/** The all-time top across types: the best of each type's head. */
const ALL_TYPES_HEADS = `${ALL_TYPES.map(() => `(${TYPE_HEAD})`).join(' UNION ALL ')} ORDER BY hits DESC, asset_id, resource_type LIMIT ?`;

function toEntries(rows: unknown): TopEntry[] {
  return (rows as Array<{ resource_type: string; asset_id: string; hits: number | string }>).map((r) => ({
    resource_type: r.resource_type,
    asset_id: r.asset_id,
    hits: Number(r.hits),
  }));
}

/**
 * Popularity queries over the aggregates, never a read of the raw log:
 * - all time: the head of the totals' descending index (per type);
 * - since an instant (`since`, `window`): the window cut into periods (`windowPeriods`: minutes, hours, rolled days
 *   and months), one ranked list per (type, period), read from the top by the threshold algorithm (`thresholdTop`)
 *   through the rank indexes, so the cost depends on the window's length in periods and the popularity skew, not
 *   on how many requests it holds.
 * Exact: to the minute of `since` while raw rows are retained (ACCESS_LOG_RETENTION_DAYS), to its hour beyond.
 * Ties are broken by asset id (byte order: the column is binary), then type.
 */
export class StatsRepository {
  /** Minutes are retained as long as raw rows; a window starting before that begins on its hour. */
  private readonly minuteRetentionMs: number;
  /** STATS_QUERY_TIMEOUT_MS: the deadline of one `top`'s statements, server-side and by `KILL QUERY`. */
  private readonly queryTimeoutMs: number;

  constructor(
    private readonly database: Database,
    options: { minuteRetentionDays?: number; queryTimeoutMs?: number } = {},
  ) {
    this.minuteRetentionMs = (options.minuteRetentionDays ?? 90) * DAY_MS;
    this.queryTimeoutMs = options.queryTimeoutMs ?? 5000;
  }

  /**
   * The top `limit` of one type (or all). Its statements run under the query deadline and are cancelled when
   * `clientGone` aborts: either throws `QueryCancelledError`.
   */
  async top(resourceType: string | undefined, limit: number, sinceMs?: number, nowMs = Date.now(), clientGone?: AbortSignal): Promise<TopEntry[]> {
    this.database.assertReady();
    const conn = await this.database.guardedConnection(this.queryTimeoutMs, clientGone);
    try {
      if (sinceMs === undefined) return await this.allTime(conn, resourceType, limit);
      // One consistent view: a roll-up committing meanwhile is either wholly seen or not at all.
      await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      const bounds = await readRollupBounds(conn, 'none');
      const periods = windowPeriods(sinceMs, nowMs, { ...bounds, minutesFrom: nowMs - this.minuteRetentionMs });
      return await thresholdTop(new PeriodLists(conn, periods, resourceType === undefined ? ALL_TYPES : [resourceType]), limit);
    } finally {
      // Not awaited: the answer does not wait for the ROLLBACK; the connection goes back to the pool after it.
      void conn.release();
    }
  }

  /**
   * All time, one statement: the first `limit` entries of the type's descending index; across types, the best of
   * each type's first `limit` (the overall top is among them).
   */
  private async allTime(conn: GuardedConnection, resourceType: string | undefined, limit: number): Promise<TopEntry[]> {
    // A prepared statement over the binary protocol (two shapes, built once), as the asset reads
    // (db/binary-query.ts); LIMIT values as strings, which MySQL takes there and a JS number (a DOUBLE) it does not.
    const n = String(limit);
    const [rows] =
      resourceType === undefined
        ? await conn.execute(ALL_TYPES_HEADS, [...ALL_TYPES.flatMap((type) => [type, n]), n])
        : await conn.execute(TYPE_HEAD, [resourceType, n]);
    return toEntries(rows);
  }
}
