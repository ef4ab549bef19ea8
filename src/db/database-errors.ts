/** Error codes of mysql2 and Node's net layer that mean "the database cannot be reached", not "the query is wrong". */
const UNREACHABLE_CODES = new Set([
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
  'POOL_CLOSED',
  'POOL_ENQUEUELIMIT',
]);
/** Codes that mean the database answers but the schema is not there. */
const SCHEMA_MISSING_CODES = new Set(['ER_BAD_DB_ERROR', 'ER_NO_SUCH_TABLE']);

/**
 * Why the database cannot serve, as told to anonymous clients (`/ready`, 503 bodies): a code they can act on, never
 * the driver's message (host, port, user and schema names stay in the log).
 */
export const UNAVAILABLE_REASONS = ['unreachable', 'migrating', 'schema_missing'] as const;
export type UnavailableReason = (typeof UNAVAILABLE_REASONS)[number];

/** Thrown by the data layer while the schema is not in place yet (DB down at startup, migrations pending). */
export class DatabaseNotReadyError extends Error {
  constructor(
    readonly reason: UnavailableReason,
    detail: string,
  ) {
    super(`database not ready (${reason}): ${detail}`);
    this.name = 'DatabaseNotReadyError';
  }
}

function* causes(error: unknown): Generator<unknown> {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) yield e;
}

/** The client-facing reason when `error` (or any error in its `cause` chain: Drizzle wraps driver errors) means the DB is unavailable. */
export function unavailableReason(error: unknown): UnavailableReason | undefined {
  for (const e of causes(error)) {
    if (e instanceof DatabaseNotReadyError) return e.reason;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (UNREACHABLE_CODES.has(code)) return 'unreachable';
      if (SCHEMA_MISSING_CODES.has(code)) return 'schema_missing';
    }
    if (e instanceof AggregateError) {
      for (const inner of e.errors) {
        const reason = unavailableReason(inner);
        if (reason) return reason;
      }
    }
  }
  return undefined;
}

/** A lock conflict between concurrent writers: the server rolled the statement back and the transaction can be retried. */
export type LockConflict = 'deadlock' | 'lock_wait_timeout';

/** The lock conflict an error reports (MySQL/MariaDB 1213 and 1205), looking through Drizzle's `cause` chain. */
export function lockConflictOf(error: unknown): LockConflict | undefined {
  for (const e of causes(error)) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ER_LOCK_DEADLOCK') return 'deadlock';
    if (code === 'ER_LOCK_WAIT_TIMEOUT') return 'lock_wait_timeout';
  }
  return undefined;
}

/** The driver's short reason, for the log only (it may name host, port, user and schema), without the SQL text. */
export function describeDatabaseError(error: unknown): string {
  for (const e of causes(error)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return `${code}${(e as Error).message ? `: ${(e as Error).message}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}
