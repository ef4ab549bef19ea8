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
 * One row per asset-shaped request (every method and status), written in batches off the request path. No user
 * identity, address or header is stored. Raw rows are deleted after ACCESS_LOG_RETENTION_DAYS.
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
 * Successful reads (GET, 200) per asset per hour, upserted additively in the same transaction as the raw batch, so
 * several replicas can write at once. Windowed top queries sum these instead of scanning raw rows.
 */
export const assetAccessHourly = mysqlTable(
  'asset_access_hourly',
  {
    resourceType: varchar('resource_type', { length: 32 }).notNull(),
    hourStart: datetime('hour_start', { mode: 'date' }).notNull(),
    assetId: asciiBinVarchar('asset_id', { length: 64 }).notNull(),
    hits: bigint('hits', { mode: 'number', unsigned: true }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.resourceType, table.hourStart, table.assetId] }),
    // Windowed top across all types (covering).
    index('asset_access_hourly_hour_idx').on(table.hourStart, table.resourceType, table.assetId, table.hits),
  ],
);

/** All-time successful reads per asset: top-K is a read of the first K entries of a descending index. */
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
    index('asset_access_total_hits_idx').on(sql`${table.hits} DESC`, table.assetId, table.resourceType),
  ],
);

/**
 * Successful reads per asset summed over the full hours [from_hour, to_hour) of `asset_access_window_state`: the
 * bulk of a rolling 24-hour window, rebuilt every hour, so `window=24h` reads the first entries of a descending
 * index plus a few small adjustments instead of summing a day of hourly rows.
 */
export const assetAccessWindow = mysqlTable(
  'asset_access_window',
  {
    resourceType: varchar('resource_type', { length: 32 }).notNull(),
    assetId: asciiBinVarchar('asset_id', { length: 64 }).notNull(),
    hits: bigint('hits', { mode: 'number', unsigned: true }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.resourceType, table.assetId] }),
    index('asset_access_window_type_hits_idx').on(table.resourceType, sql`${table.hits} DESC`, table.assetId),
    index('asset_access_window_hits_idx').on(sql`${table.hits} DESC`, table.assetId, table.resourceType),
  ],
);

/** The one row saying which hours `asset_access_window` holds; its row lock orders rebuilds and late writes. */
export const assetAccessWindowState = mysqlTable('asset_access_window_state', {
  id: tinyint('id', { unsigned: true }).primaryKey(),
  fromHour: datetime('from_hour', { mode: 'date' }).notNull(),
  toHour: datetime('to_hour', { mode: 'date' }).notNull(),
  builtAt: datetime('built_at', { mode: 'date', fsp: 3 }),
});
