export { Database, MIGRATIONS_FOLDER, type Db } from './database';
export { unavailableReason, describeDatabaseError, DatabaseNotReadyError, UNAVAILABLE_REASONS, type UnavailableReason } from './database-errors';
export { parseDatabaseUrl } from './connection-url';
export { sqlDateTime } from './sql-datetime';
export * as schema from './schema';
