import { sqlDateTime } from '../db';
import type { StatementRunner } from '../db/guarded-connection';
import { PERIOD_TABLES } from '../db/period-tables';
import type { Grain } from '../db/time-grains';
import type { RankedEntry, RankedLists } from './threshold-top';
import type { Period } from './window-periods';

/**
 * Point lookups per statement part when valuing assets: periods × assets ranges on the primary key. Kept well below
 * what MariaDB's range optimizer plans within its memory limit, past which it would scan instead.
 */
const MAX_LOOKUPS_PER_PART = 4000;
const MAX_PERIODS_PER_PART = 200;
/** Sub-selects per statement, so a window over periods not rolled up yet stays within `max_allowed_packet`. */
const MAX_PARTS_PER_STATEMENT = 500;

/** The ranked lists of a window: one per (type, period), each read through its table's rank index. */
export class PeriodLists implements RankedLists {
  readonly count: number;

  constructor(
    private readonly conn: StatementRunner,
    private readonly periods: readonly Period[],
    private readonly types: readonly string[],
  ) {
    this.count = periods.length * types.length;
  }

  async ranked(lists: readonly number[], offset: number, n: number): Promise<RankedEntry[][]> {
    // A UNION of index range reads, each tagged with its list's position.
    const parts = lists.map((list, position) => {
      const period = this.periods[list % this.periods.length] as Period;
      const type = this.types[Math.floor(list / this.periods.length)] as string;
      const { table, column } = PERIOD_TABLES[period.grain];
      return {
        sql: `(SELECT ${position} AS list, resource_type, asset_id, hits FROM ${table} FORCE INDEX (${table}_rank_idx)
               WHERE resource_type = ? AND ${column} = ? ORDER BY hits DESC, asset_id LIMIT ?, ?)`,
        params: [type, sqlDateTime(period.startMs), offset, n],
      };
    });
    const pages: RankedEntry[][] = lists.map(() => []);
    for (const row of await this.unionAll<RankedEntry & { list: number }>(parts)) {
      pages[row.list]?.push({ resource_type: row.resource_type, asset_id: row.asset_id, hits: Number(row.hits) });
    }
    return pages;
  }

  async totals(assets: ReadonlyArray<Pick<RankedEntry, 'resource_type' | 'asset_id'>>): Promise<RankedEntry[]> {
    const idsByType = new Map<string, string[]>();
    for (const a of assets) {
      const ids = idsByType.get(a.resource_type);
      if (ids) ids.push(a.asset_id);
      else idsByType.set(a.resource_type, [a.asset_id]);
    }
    const startsByGrain = new Map<Grain, string[]>();
    const parts: Array<{ sql: string; params: unknown[] }> = [];
    for (const p of this.periods) {
      const starts = startsByGrain.get(p.grain);
      if (starts) starts.push(sqlDateTime(p.startMs));
      else startsByGrain.set(p.grain, [sqlDateTime(p.startMs)]);
    }
    // Primary-key point lookups (period, type, asset), in parts small enough to stay lookups.
    for (const [grain, allStarts] of startsByGrain) {
      const { table, column } = PERIOD_TABLES[grain];
      for (let s = 0; s < allStarts.length; s += MAX_PERIODS_PER_PART) {
        const starts = allStarts.slice(s, s + MAX_PERIODS_PER_PART);
        const idsPerPart = Math.floor(MAX_LOOKUPS_PER_PART / starts.length);
        for (const [type, ids] of idsByType) {
          for (let i = 0; i < ids.length; i += idsPerPart) {
            parts.push({
              sql: `(SELECT resource_type, asset_id, hits FROM ${table} WHERE ${column} IN (?) AND resource_type = ? AND asset_id IN (?))`,
              params: [starts, type, ids.slice(i, i + idsPerPart)],
            });
          }
        }
      }
    }
    const sums = new Map<string, RankedEntry>();
    for (const row of await this.unionAll<RankedEntry>(parts)) {
      const key = `${row.resource_type}\u0000${row.asset_id}`;
      const sum = sums.get(key);
      if (sum) sum.hits += Number(row.hits);
      else sums.set(key, { resource_type: row.resource_type, asset_id: row.asset_id, hits: Number(row.hits) });
    }
    return [...sums.values()];
  }

  /** The rows of every part, `MAX_PARTS_PER_STATEMENT` parts to a `UNION ALL` statement. */
  private async unionAll<Row>(parts: ReadonlyArray<{ sql: string; params: unknown[] }>): Promise<Row[]> {
    const rows: Row[] = [];
    for (let i = 0; i < parts.length; i += MAX_PARTS_PER_STATEMENT) {
      const chunk = parts.slice(i, i + MAX_PARTS_PER_STATEMENT);
      const [result] = (await this.conn.query(chunk.map((p) => p.sql).join(' UNION ALL '), chunk.flatMap((p) => p.params))) as unknown as [Row[]];
      for (const row of result) rows.push(row);
    }
    return rows;
  }
}
