import { datetime, index, mysqlTable, text, varchar } from 'drizzle-orm/mysql-core';
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
