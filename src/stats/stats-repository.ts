import type { Database } from '../db';
import { readRollupBounds } from '../db/rollup-state';
import { startReadSnapshot } from '../db/read-snapshot';
import { DAY_MS, hourStart } from '../db/time-grains';
import type { GuardedConnection } from '../db/guarded-connection';
import { AppError } from '../errors/app-error';
import { RESOURCE_TYPES } from '../catalogue/resource-types';
import { PeriodLists } from './period-lists';
import { byRank, thresholdTop, type RankedEntry } from './threshold-top';
import { windowPeriods, windowStart } from './window-periods';

export type TopEntry = RankedEntry;

const ALL_TYPES: readonly string[] = RESOURCE_TYPES.map((t) => t.name);

/**
 * Periods finer than a month (minutes, hours, days) one window may read per type. With the roll-ups current a window
 * needs at most 59 + 2 × 23 + 2 × 31 + 1 = 168; the rest leaves room for roll-ups a few days behind. Past it (before
 * the first roll-up, or while it catches up after an upgrade) the window is refused with `rollup_pending` rather
 * than read as thousands of hourly lists. Months are bounded by the hourly retention (one per month of it).
 */
export const MAX_FINE_PERIODS = 250;
/** Seconds a client is told to wait for the roll-up (it runs every minute and rolls every due period). */
const ROLLUP_RETRY_AFTER_S = 60;
/** The 503 `reason` of a window refused while the roll-up is behind. */
export const ROLLUP_PENDING_REASON = 'rollup_pending';

/** The all-time head of one type: the first entries of its descending index. */
const TYPE_HEAD = 'SELECT resource_type, asset_id, hits FROM asset_access_total WHERE resource_type = ? ORDER BY hits DESC, asset_id LIMIT ?';
/** The all-time top across types: the best of each type's head. */
const ALL_TYPES_HEADS = `${ALL_TYPES.map(() => `(${TYPE_HEAD})`).join(' UNION ALL ')} ORDER BY hits DESC, asset_id, resource_type LIMIT ?`;
/** The first period any aggregate holds: each table's primary key leads with its period, so each MIN is one index dive. */
const EARLIEST_AGGREGATE = `SELECT (SELECT MIN(hour_start) FROM asset_access_hourly) AS hour,
  (SELECT MIN(day_start) FROM asset_access_daily) AS day, (SELECT MIN(month_start) FROM asset_access_monthly) AS month`;

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
 *   and months), one ranked list per period, read from the top by the threshold algorithm (`thresholdTop`) through
 *   the rank indexes, one type at a time (an asset lives in one type: across types, each type's top is computed
 *   over its own lists and the tops merged, as the all-time path does), so the cost depends on the window's length
 *   in periods and the popularity skew, not on how many requests it holds.
 * Bounded: a window reaches back at most the hourly retention (nothing older exists; an earlier `since` is clamped
 * to it, `windowStart`), skips the periods before the first aggregate, and reads at most `MAX_FINE_PERIODS` periods
 * finer than a month (else 503 `rollup_pending`).
 * Exact: to the minute of `since` while raw rows are retained (ACCESS_LOG_RETENTION_DAYS), to its hour beyond.
 * Ties are broken by asset id (byte order: the column is binary), then type.
 */
export class StatsRepository {
  /** Minutes are retained as long as raw rows; a window starting before that begins on its hour. */
  private readonly minuteRetentionMs: number;
  /** Hours (and the days and months rolled from them) are retained this long: a window reaches back no further. */
  private readonly hourlyRetentionMs: number;
  /** STATS_QUERY_TIMEOUT_MS: the deadline of one `top`'s statements, server-side and by `KILL QUERY`. */
  private readonly queryTimeoutMs: number;

  constructor(
    private readonly database: Database,
    options: { minuteRetentionDays?: number; hourlyRetentionDays?: number; queryTimeoutMs?: number } = {},
  ) {
    this.minuteRetentionMs = (options.minuteRetentionDays ?? 90) * DAY_MS;
    this.hourlyRetentionMs = (options.hourlyRetentionDays ?? 400) * DAY_MS;
    this.queryTimeoutMs = options.queryTimeoutMs ?? 5000;
  }

  /**
   * The instant a window asked from `sinceMs` counts from: clamped to the hourly retention's horizon (nothing older
   * exists), then the start of its minute (of its hour beyond raw-row retention).
   */
  windowStart(sinceMs: number, nowMs = Date.now()): number {
    return windowStart(Math.max(sinceMs, nowMs - this.hourlyRetentionMs), nowMs - this.minuteRetentionMs);
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
      await startReadSnapshot(conn);
      return await this.window(conn, resourceType, limit, sinceMs, nowMs);
    } finally {
      // Not awaited by the answer; the guarded connection goes back to the pool only once its ROLLBACK is done (and
      // any KILL acknowledged), and is destroyed instead if it cannot be made clean.
      void conn.release();
    }
  }

  private async window(conn: GuardedConnection, resourceType: string | undefined, limit: number, sinceMs: number, nowMs: number): Promise<TopEntry[]> {
    const bounds = await readRollupBounds(conn, 'none');
    const [rows] = (await conn.query(EARLIEST_AGGREGATE)) as unknown as [Array<Record<'hour' | 'day' | 'month', Date | null>>];
    const firsts = Object.values(rows[0] ?? {}).flatMap((d) => (d ? [d.getTime()] : []));
    if (firsts.length === 0) return [];
    const first = Math.min(...firsts);
    // Nothing is counted before the first aggregate: a window reaching further starts on its hour.
    const since = Math.max(this.windowStart(sinceMs, nowMs), hourStart(first));
    const periods = windowPeriods(since, nowMs, { ...bounds, minutesFrom: nowMs - this.minuteRetentionMs }, MAX_FINE_PERIODS);
    if (periods === undefined) {
      throw new AppError(
        503,
        `this window needs more than ${MAX_FINE_PERIODS} periods until the roll-up of days and months catches up; retry later or ask a shorter window`,
        { reason: ROLLUP_PENDING_REASON },
        { 'Retry-After': String(ROLLUP_RETRY_AFTER_S) },
      );
    }
    const tops: TopEntry[] = [];
    for (const type of resourceType === undefined ? ALL_TYPES : [resourceType]) {
      for (const entry of await thresholdTop(new PeriodLists(conn, periods, [type]), limit)) tops.push(entry);
    }
    return tops.sort(byRank).slice(0, limit);
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
