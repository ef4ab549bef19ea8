import { customType } from 'drizzle-orm/mysql-core';

/**
 * Asset identifiers are case-sensitive (`data_a…` and `data_A…` are different assets). The default collations of
 * MariaDB and MySQL are case-insensitive, so identifier columns use a binary ASCII collation: exact lookups, exact
 * grouping and byte-order tie-breaks on both servers.
 */
export const asciiBinVarchar = customType<{ data: string; driverData: string; config: { length: number } }>({
  dataType(config) {
    return `varchar(${config?.length ?? 64}) CHARACTER SET ascii COLLATE ascii_bin`;
  },
});
