/** Error codes of mysql2 and Node's net layer that mean "the database cannot be reached", not "the query is wrong". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_ACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_NO_SUCH_TABLE',
  'POOL_CLOSED',
  'POOL_ENQUEUELIMIT',
]);

/** Thrown by the data layer while the schema is not in place yet (DB down at startup, migrations pending). */
export class DatabaseNotReadyError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'DatabaseNotReadyError';
  }
}

/** True when `error` (or any error in its `cause` chain, as Drizzle wraps driver errors) means the DB is unavailable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DatabaseNotReadyError) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    if (e instanceof AggregateError && e.errors.some(isDatabaseUnavailable)) return true;
  }
  return false;
}

/** The driver's short reason, for logs and `/ready`, without the SQL text (which may hold values). */
export function describeDatabaseError(error: unknown): string {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return `${code}${(e as Error).message ? `: ${(e as Error).message}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}
