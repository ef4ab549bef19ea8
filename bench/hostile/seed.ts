import mysql from 'mysql2/promise';
import { RESOURCE_TYPES } from '../../src/catalogue/resource-types';

// UTC period starts, as the service's grains define them (computed here: the bench talks to the service, not its code).
const floorTo = (ms: number, unit: number) => ms - (((ms % unit) + unit) % unit);
const minuteStart = (ms: number) => floorTo(ms, 60_000);
const hourStart = (ms: number) => floorTo(ms, 3_600_000);
const dayStart = (ms: number) => floorTo(ms, 86_400_000);
const monthStart = (ms: number) => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
};

export interface SeedShape {
  /** Assets per resource type in the aggregates. */
  assets: number;
  /** Periods per grain (minutes, hours, days, months), each with every asset of every type. */
  periods: number;
}

const sqlTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/** Churning: each period's ranking drawn afresh (1 + 1000·u³), so a top over many periods must read far down each list. */
const CHURNING = '1 + FLOOR(1000 * POW(RAND(), 3))';
/** Drifting: one skewed ranking (asset 0 first) with ±25 % noise per period, as day-to-day traffic mostly is. */
const drifting = (assets: number) => `1 + FLOOR(1000 * POW(1 - a.seq / ${assets}, 6) * (0.75 + RAND() / 2))`;

/**
 * Aggregates straight into the tables the writer and the roll-up fill: every asset of every type in each of `periods`
 * months with churning popularity (what long windows read: the adversarial case), and in each of `periods` days,
 * hours and minutes with drifting popularity (what the legitimate per-type 24 h and 7 d windows read). The minutes and
 * hours end at the current ones, the days before today, the months before this one; the roll-up state then marks days
 * and months as rolled (as the leader would have left it). The all-time totals are the months' sums. Uses MariaDB's
 * Sequence engine (`seq_1_to_N`) to generate the rows.
 */
export async function seedAggregates(databaseUrl: string, shape: SeedShape, nowMs = Date.now()): Promise<number> {
  const conn = await mysql.createConnection({ uri: databaseUrl, timezone: 'Z' });
  try {
    const types = RESOURCE_TYPES.map((t) => t.name);
    const abbreviations = RESOURCE_TYPES.map((t) => t.abbreviation);
    // The roll-up targets of `period-rollup.ts` (days and months closed two minutes ago): the leader finds nothing due.
    const settled = nowMs - 120_000;
    const daysTo = dayStart(settled);
    const monthsTo = monthStart(settled);
    const grains = [
      { table: 'asset_access_minute', column: 'minute_start', first: `? - INTERVAL (p.seq - 1) MINUTE`, base: minuteStart(nowMs), hits: drifting(shape.assets) },
      { table: 'asset_access_hourly', column: 'hour_start', first: `? - INTERVAL (p.seq - 1) HOUR`, base: hourStart(nowMs), hits: drifting(shape.assets) },
      { table: 'asset_access_daily', column: 'day_start', first: `? - INTERVAL p.seq DAY`, base: daysTo, hits: drifting(shape.assets) },
      { table: 'asset_access_monthly', column: 'month_start', first: `? - INTERVAL p.seq MONTH`, base: monthsTo, hits: CHURNING },
    ];
    let rows = 0;
    for (const g of grains) {
      // One statement per period keeps each transaction (and its undo) small.
      for (let p = 1; p <= shape.periods; p++) {
        const [result] = (await conn.query(
          `INSERT INTO ${g.table} (${g.column}, resource_type, asset_id, hits)
           SELECT ${g.first}, ELT(t.seq, ${list(types)}), CONCAT(ELT(t.seq, ${list(abbreviations)}), '_', LPAD(a.seq, 24, '0')),
                  ${g.hits}
           FROM (SELECT ${p} AS seq) p JOIN seq_1_to_${types.length} t JOIN seq_0_to_${shape.assets - 1} a`,
          [sqlTime(g.base)],
        )) as unknown as [{ affectedRows: number }];
        rows += result.affectedRows;
      }
    }
    await conn.query(
      `INSERT INTO asset_access_total (resource_type, asset_id, hits)
       SELECT resource_type, asset_id, SUM(hits) FROM asset_access_monthly GROUP BY resource_type, asset_id
       ON DUPLICATE KEY UPDATE hits = VALUES(hits)`,
    );
    await conn.query(
      `INSERT INTO asset_access_rollup_state (id, days_to, months_to, rolled_at) VALUES (1, ?, ?, UTC_TIMESTAMP(3))
       ON DUPLICATE KEY UPDATE days_to = GREATEST(days_to, VALUES(days_to)), months_to = GREATEST(months_to, VALUES(months_to))`,
      [sqlTime(daysTo), sqlTime(monthsTo)],
    );
    await conn.query('ANALYZE TABLE asset_access_minute, asset_access_hourly, asset_access_daily, asset_access_monthly, asset_access_total');
    return rows;
  } finally {
    await conn.end();
  }
}

/** `n` datasets created over HTTP, as a client would; their ids. */
export async function seedCatalogue(baseUrl: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, n - i) }, async (_, j) => {
        const response = await fetch(`${baseUrl}/datasets`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: `catalogue asset ${i + j}`, description: 'seeded by bench:hostile', keywords: ['bench', `k${(i + j) % 17}`] }),
          signal: AbortSignal.timeout(10_000),
        });
        if (response.status !== 201) throw new Error(`POST /datasets answered ${response.status} while seeding`);
        return ((await response.json()) as { identifier: string }).identifier;
      }),
    );
    ids.push(...batch);
  }
  return ids;
}
