export { Database, MIGRATIONS_FOLDER, type Db } from './database';
export { isDatabaseUnavailable, describeDatabaseError, DatabaseNotReadyError } from './database-errors';
export { parseDatabaseUrl } from './connection-url';
export * as schema from './schema';
