import type { StatementRunner } from './guarded-connection';

/**
 * Starts a read-only transaction over one consistent snapshot on `conn`: a roll-up committing meanwhile is either
 * wholly seen or not at all. Only REPEATABLE READ gives one, so it is set for this transaction, whatever the
 * server's or the session's default. End it with a ROLLBACK.
 */
export async function startReadSnapshot(conn: StatementRunner): Promise<void> {
  await conn.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
}
