import { describe, expect, it } from 'vitest';
import { isQueryInterrupted, isStatementTimeout, serverFlavourOf, withStatementDeadline } from '../../src/db/statement-deadline';

describe('serverFlavourOf', () => {
  it('tells MariaDB from MySQL by VERSION()', () => {
    expect(serverFlavourOf('10.11.19-MariaDB-0+deb12u1')).toBe('mariadb');
    expect(serverFlavourOf('5.5.5-10.11.6-MariaDB')).toBe('mariadb');
    expect(serverFlavourOf('8.4.3')).toBe('mysql');
    expect(serverFlavourOf('8.0.39-0ubuntu0.22.04.1')).toBe('mysql');
  });
});

describe('withStatementDeadline', () => {
  it('wraps a SELECT in SET STATEMENT max_statement_time (seconds) on MariaDB', () => {
    expect(withStatementDeadline('SELECT 1', 'mariadb', 5000)).toBe('SET STATEMENT max_statement_time=5.000 FOR SELECT 1');
    expect(withStatementDeadline('SELECT 1', 'mariadb', 1234.2)).toBe('SET STATEMENT max_statement_time=1.235 FOR SELECT 1');
  });

  it('puts the MAX_EXECUTION_TIME hint (ms) right after the first SELECT on MySQL, also in a parenthesised UNION', () => {
    expect(withStatementDeadline('SELECT a FROM t WHERE b = ?', 'mysql', 5000)).toBe('SELECT /*+ MAX_EXECUTION_TIME(5000) */ a FROM t WHERE b = ?');
    const union = '(SELECT 0 AS list, x FROM t1) UNION ALL (SELECT 1 AS list, x FROM t2)';
    expect(withStatementDeadline(union, 'mysql', 250)).toBe('(SELECT /*+ MAX_EXECUTION_TIME(250) */ 0 AS list, x FROM t1) UNION ALL (SELECT 1 AS list, x FROM t2)');
    expect(withStatementDeadline(union, 'mariadb', 250)).toBe(`SET STATEMENT max_statement_time=0.250 FOR ${union}`);
  });

  it('never gives 0 (which means "no limit" on both servers)', () => {
    expect(withStatementDeadline('SELECT 1', 'mariadb', 0)).toBe('SET STATEMENT max_statement_time=0.001 FOR SELECT 1');
    expect(withStatementDeadline('select 1', 'mysql', -5)).toBe('SELECT /*+ MAX_EXECUTION_TIME(1) */ 1');
  });

  it('leaves statements other than SELECT alone', () => {
    for (const sql of ['START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY', 'ROLLBACK', 'UPDATE t SET a = (SELECT 1)']) {
      expect(withStatementDeadline(sql, 'mariadb', 100)).toBe(sql);
      expect(withStatementDeadline(sql, 'mysql', 100)).toBe(sql);
    }
  });
});

describe('the errors a deadline or a kill ends a statement with', () => {
  it('are told apart by errno', () => {
    expect(isStatementTimeout({ errno: 1969 })).toBe(true); // MariaDB ER_STATEMENT_TIMEOUT
    expect(isStatementTimeout({ errno: 3024 })).toBe(true); // MySQL ER_QUERY_TIMEOUT
    expect(isStatementTimeout({ errno: 1317 })).toBe(false);
    expect(isQueryInterrupted({ errno: 1317 })).toBe(true); // ER_QUERY_INTERRUPTED
    expect(isQueryInterrupted(new Error('x'))).toBe(false);
    expect(isStatementTimeout(undefined)).toBe(false);
  });
});
