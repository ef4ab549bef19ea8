import { sql } from 'drizzle-orm';
import { bigint, datetime, index, mysqlTable, primaryKey, smallint, text, tinyint, varchar } from 'drizzle-orm/mysql-core';
import { asciiBinVarchar } from './column-types';

/** One row per catalogue asset, whatever its resource type. */
export const assets = mysqlTable(
  'assets',
  {
    id: asciiBinVarchar('id', { length: 64 }).primaryKey(),
    resourceType: varchar('resource_type', { length: 32 }).notNull(),
    name: varchar('name', { length: 256 }).notNull(),
    description: text('description'),
    // JSON text rather than a JSON column: MariaDB's JSON is LONGTEXT and mysql2 would hand back strings there
    // but objects on MySQL; one explicit encoding behaves the same on both.
    keywords: text('keywords').notNull(),
    dateCreated: datetime('date_created', { mode: 'date', fsp: 3 }).notNull(),
    dateModified: datetime('date_modified', { mode: 'date', fsp: 3 }).notNull(),
  },
  // Listing pages through one type in id order.
  (table) => [index('assets_type_id_idx').on(table.resourceType, table.id)],
);

/**
 * One row per asset-shaped request (every method and status) for an asset that exists, written in batches off the
 * request path; requests for ids the catalogue does not hold are counted in `asset_access_folded_minute`
 * instead. No user identity, address or header is stored. Raw rows are deleted after ACCESS_LOG_RETENTION_DAYS.
 */
export const assetAccessLog = mysqlTable(
  'asset_access_log',
  {
    id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    assetId: asciiBinVarchar('asset_id', { length: 64 }).notNull(),
    resourceType: varchar('resource_type', { length: 32 }).notNull(),
    method: varchar('method', { length: 16 }).notNull(),
    status: smallint('status', { unsigned: true }).notNull(),
    accessedAt: datetime('accessed_at', { mode: 'date', fsp: 3 }).notNull(),
  },
  // One secondary index, as every row pays for each on insert: retention deletes by age, and the raw part of a
  // windowed top query spans at most an hour, where filtering by type after the range is cheap.
  (table) => [index('asset_access_log_accessed_at_idx').on(table.accessedAt)],
);

/**
 * Requests for assets that do not exist (an error answer, or an OPTIONS, for an id the catalogue does not hold),
 * counted per minute, type, method and status instead of one raw row each: ids a client makes up cost no storage per
 * request. The key takes its values from bounded sets (registered types, HTTP methods, status codes), so a minute
 * holds a few rows whatever the traffic. Kept as long as the raw rows (ACCESS_LOG_RETENTION_DAYS).
 */
export const assetAccessFoldedMinute = mysqlTable(
  'asset_access_folded_minute',
  {
    minuteStart: datetime('minute_start', { mode: 'date' }).notNull(),
    resourceType: varchar('resource_type', { length: 32 }).notNull(),
    method: varchar('method', { length: 16 }).notNull(),
    status: smallint('status', { unsigned: true }).notNull(),
    requests: bigint('requests', { mode: 'number', unsigned: true }).notNull(),
  },
  // Named: the generated name would pass the 64-character limit on identifiers.
  (table) => [primaryKey({ name: 'asset_access_folded_minute_pk', columns: [table.minuteStart, table.resourceType, table.method, table.status] })],
);

/**
 * Successful reads (GET, 200) per asset and period, one table per grain with the same shape. The primary key leads
 * with the period, so retention deletes a range and a query looks up (period, type, asset) points; the rank index
 * reads one period's assets of one type in descending hits order (the sorted access of the threshold algorithm in
 * `stats/threshold-top.ts`).
 */
function periodTable(name: string, periodColumn: string) {
  return mysqlTable(
    name,
    {
      periodStart: datetime(periodColumn, { mode: 'date' }).notNull(),
      resourceType: varchar('resource_type', { length: 32 }).notNull(),
      assetId: asciiBinVarchar('asset_id', { length: 64 }).notNull(),
      hits: bigint('hits', { mode: 'number', unsigned: true }).notNull(),
    },
    (table) => [
      primaryKey({ columns: [table.periodStart, table.resourceType, table.assetId] }),
      index(`${name}_rank_idx`).on(table.resourceType, table.periodStart, sql`${table.hits} DESC`, table.assetId),
    ],
  );
}

/**
 * Per minute and per hour: upserted additively (`hits = hits + VALUES(hits)`) in the same transaction as the raw
 * batch (as the all-time totals are), so several replicas can write at once and no query reads raw rows. Minutes are kept as long as raw rows
 * (ACCESS_LOG_RETENTION_DAYS), hours ACCESS_LOG_HOURLY_RETENTION_DAYS.
 */
export const assetAccessMinute = periodTable('asset_access_minute', 'minute_start');
export const assetAccessHourly = periodTable('asset_access_hourly', 'hour_start');

/**
 * Per day and per month: rolled up from the finer grain by the background-work leader once the period has closed
 * (`stats/period-rollup.ts`); rows written late for a rolled period are added by the writer too. Kept
 * ACCESS_LOG_HOURLY_RETENTION_DAYS, so long windows sum a few hundred periods, not thousands of hours.
 */
export const assetAccessDaily = periodTable('asset_access_daily', 'day_start');
export const assetAccessMonthly = periodTable('asset_access_monthly', 'month_start');

/**
 * All-time successful reads per asset, upserted with each batch: top-K of a type is a read of the first K entries
 * of its descending index; across types, the best of each type's first K.
 */
export const assetAccessTotal = mysqlTable(
  'asset_access_total',
  {
    resourceType: varchar('resource_type', { length: 32 }).notNull(),
    assetId: asciiBinVarchar('asset_id', { length: 64 }).notNull(),
    hits: bigint('hits', { mode: 'number', unsigned: true }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.resourceType, table.assetId] }),
    index('asset_access_total_type_hits_idx').on(table.resourceType, sql`${table.hits} DESC`, table.assetId),
  ],
);

/**
 * The one row saying how far the roll-ups reach: days before `days_to` are in `asset_access_daily`, months before
 * `months_to` in `asset_access_monthly`. Its row lock orders roll-ups and late writes (shared for writers,
 * exclusive for a roll-up), so a late row is counted in a rolled period exactly once.
 */
export const assetAccessRollupState = mysqlTable('asset_access_rollup_state', {
  id: tinyint('id', { unsigned: true }).primaryKey(),
  daysTo: datetime('days_to', { mode: 'date' }).notNull(),
  monthsTo: datetime('months_to', { mode: 'date' }).notNull(),
  rolledAt: datetime('rolled_at', { mode: 'date', fsp: 3 }),
});
