/**
 * The two servers the service supports bound one statement's run time in different, mutually unintelligible ways:
 * MariaDB with `SET STATEMENT max_statement_time=<seconds> FOR …` (any statement; error 1969 ER_STATEMENT_TIMEOUT),
 * MySQL 8 with the optimizer hint MAX_EXECUTION_TIME(<ms>) in a hint comment right after the first SELECT
 * (read-only SELECTs only; error 3024 ER_QUERY_TIMEOUT). Which one is spoken is learnt once, from `SELECT VERSION()`.
 */
export type ServerFlavour = 'mariadb' | 'mysql';

/** The flavour a `VERSION()` string names: MariaDB says so (`10.11.19-MariaDB-0+deb12u1`), MySQL does not. */
export function serverFlavourOf(version: string): ServerFlavour {
  return /mariadb/i.test(version) ? 'mariadb' : 'mysql';
}

/** A SELECT, possibly the first part of a parenthesised UNION: the only statements given a deadline. */
const SELECT_STATEMENT = /^\s*\(*\s*SELECT\b/i;

export function isSelectStatement(sql: string): boolean {
  return SELECT_STATEMENT.test(sql);
}

const FIRST_SELECT = /\bSELECT\b/i;

/**
 * `sql` bounded to `ms` milliseconds of server time (at least 1 ms: 0 would mean "no limit" on both servers).
 * Statements other than SELECT are returned unchanged (START TRANSACTION, ROLLBACK: nothing to bound).
 */
export function withStatementDeadline(sql: string, flavour: ServerFlavour, ms: number): string {
  if (!isSelectStatement(sql)) return sql;
  const bounded = Math.max(1, Math.ceil(ms));
  if (flavour === 'mariadb') return `SET STATEMENT max_statement_time=${(bounded / 1000).toFixed(3)} FOR ${sql}`;
  return sql.replace(FIRST_SELECT, `SELECT /*+ MAX_EXECUTION_TIME(${bounded}) */`);
}

/** MariaDB 1969 ER_STATEMENT_TIMEOUT, MySQL 3024 ER_QUERY_TIMEOUT: the server ended the statement at its deadline. */
const STATEMENT_TIMEOUT_ERRNOS = new Set([1969, 3024]);
/** 1317 ER_QUERY_INTERRUPTED: the statement was ended by `KILL QUERY`. */
const QUERY_INTERRUPTED_ERRNO = 1317;

function errnoOf(error: unknown): unknown {
  return (error as { errno?: unknown } | undefined)?.errno;
}

export function isStatementTimeout(error: unknown): boolean {
  return STATEMENT_TIMEOUT_ERRNOS.has(errnoOf(error) as number);
}

export function isQueryInterrupted(error: unknown): boolean {
  return errnoOf(error) === QUERY_INTERRUPTED_ERRNO;
}
