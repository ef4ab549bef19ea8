import http from 'node:http';
import mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, waitFor, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { sampleValue, scrape } from '../support/metrics-text';

/**
 * The bounds around the stats queries, over HTTP on the real MariaDB. A stats query is made to block, for as long as
 * a test needs, by holding the aggregate tables with `LOCK TABLES … WRITE` on another connection: its statement
 * then waits for the metadata lock, visible in `information_schema.PROCESSLIST`.
 */
const database = new TestDatabase();
let service: TestService;
let locker: mysql.Connection | undefined;
const QUERY_TIMEOUT_MS = 2500;
const QUEUE_TIMEOUT_MS = 1000;
const AGGREGATES = ['asset_access_minute', 'asset_access_hourly', 'asset_access_daily', 'asset_access_monthly', 'asset_access_total'];

beforeAll(async () => {
  service = await startTestService({
    DATABASE_URL: database.url(),
    LOG_LEVEL: 'info',
    // Nothing writes the aggregates meanwhile: the only statements waiting on the locks are the stats queries.
    ACCESS_LOG_ENABLED: 'false',
    STATS_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
    STATS_MAX_CONCURRENCY: '2',
    STATS_QUEUE_LIMIT: '1',
    STATS_QUEUE_TIMEOUT_MS: String(QUEUE_TIMEOUT_MS),
  });
  await waitUntilReady(service);
});

afterEach(async () => {
  await locker?.end().catch(() => undefined);
  locker = undefined;
});

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

async function lockAggregates(): Promise<void> {
  locker = await mysql.createConnection({ uri: database.url() });
  await locker.query(`LOCK TABLES ${AGGREGATES.map((t) => `${t} WRITE`).join(', ')}`);
}

async function unlockAggregates(): Promise<void> {
  await locker?.query('UNLOCK TABLES');
}

/** The roll-up's statements (it also waits on the locks), this test's own, and the lock itself. */
const NOT_STATS = ['SELECT MIN(%', 'INSERT%', 'UPDATE%', '%PROCESSLIST%', 'LOCK TABLES%'];

/** Stats statements of this test's database waiting for or running a query, as the server lists them. */
async function runningStatements(): Promise<Array<{ ID: number; INFO: string; STATE: string }>> {
  return database.query(
    `SELECT ID, INFO, STATE FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND = 'Query' ${NOT_STATS.map(() => 'AND INFO NOT LIKE ?').join(' ')}`,
    [database.name, ...NOT_STATS],
  );
}

/** Waits until `count` stats requests wait for a turn, as the service's own gauge says. */
async function requestsQueued(count: number): Promise<void> {
  await waitFor(async () => sampleValue(await scrape(service.url), 'stats_requests_queued') === count, 5000, `${count} stats requests queued`);
}

async function statementsWaiting(count: number): Promise<void> {
  await waitFor(async () => (await runningStatements()).length === count, 5000, `${count} stats statements waiting`);
}

/** A GET whose client can hang up before the answer (closing the socket, as a browser tab or a timed-out SDK does). */
function abandonableGet(url: string): { done: Promise<number | 'closed'>; hangUp(): void } {
  const request = http.get(url);
  const done = new Promise<number | 'closed'>((resolve) => {
    request.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    request.on('error', () => resolve('closed'));
    request.on('close', () => resolve('closed'));
  });
  return { done, hangUp: () => request.destroy() };
}

const errorLines = () => service.logs.lines.filter((l) => l.level === 'error' || l.level === 'fatal');

describe('a stats query past STATS_QUERY_TIMEOUT_MS', () => {
  it('runs each SELECT under a server-side deadline (SET STATEMENT max_statement_time on MariaDB)', async () => {
    expect(service.database.serverFlavour).toBe('mariadb');
    await lockAggregates();
    const pending = fetch(`${service.url}/stats/top/datasets?window=24h`);
    await statementsWaiting(1);
    const [statement] = await runningStatements();
    expect(statement?.INFO).toMatch(/^SET STATEMENT max_statement_time=\d+\.\d{3} FOR \(?SELECT/);
    const seconds = Number(/max_statement_time=([\d.]+)/.exec(statement?.INFO ?? '')?.[1]);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(QUERY_TIMEOUT_MS / 1000);
    await unlockAggregates();
    expect((await pending).status).toBe(200);
  });

  it('answers 503 with reason timeout, its statement killed, counted, logged as a warning only', async () => {
    await lockAggregates();
    const started = Date.now();
    const pending = fetch(`${service.url}/v2/stats/top?window=7d`);
    await statementsWaiting(1);
    const response = await pending;
    const answeredAfter = Date.now() - started;
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: { status: 503, message: 'the stats query took too long', reason: 'timeout' } });
    expect(answeredAfter).toBeGreaterThanOrEqual(QUERY_TIMEOUT_MS - 50);
    // The lock is still held: only a cancellation can have ended the statement.
    await waitFor(async () => (await runningStatements()).length === 0, 1000, 'the statement to be gone within 1 s of the deadline');
    const text = await scrape(service.url);
    expect(sampleValue(text, 'stats_queries_cancelled_total{reason="timeout"}')).toBe(1);
    expect(text).not.toMatch(/^http_errors_total\{[^}]*stats/m);
    expect(service.logs.lines.filter((l) => l.msg === 'stats query cancelled' && l.reason === 'timeout').map((l) => l.level)).toEqual(['warn']);
    expect(errorLines()).toEqual([]);
  });

  it('bounds the all-time read too (a prepared statement)', async () => {
    await lockAggregates();
    const response = await fetch(`${service.url}/stats/top/models`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { reason: string } }).error.reason).toBe('timeout');
    await waitFor(async () => (await runningStatements()).length === 0, 1000, 'the statement to be gone');
    await unlockAggregates();
    expect((await fetch(`${service.url}/stats/top/models`)).status).toBe(200);
    expect(errorLines()).toEqual([]);
  });

  it('leaves the pool clean: after kills, every connection serves stats and catalogue requests again', async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => fetch(`${service.url}/stats/top${i % 2 ? '' : '/datasets'}?window=${i + 1}h`).then((r) => r.status)),
    );
    // At most 2 run and 1 waits: the rest are turned away, none fails.
    expect(answers.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    for (let i = 0; i < 12; i++) expect((await fetch(`${service.url}/stats/top?window=${i + 1}d`)).status).toBe(200);
    for (let i = 0; i < 12; i++) expect((await fetch(`${service.url}/datasets`)).status).toBe(200);
  });
});

describe('a client that goes away', () => {
  it('has its query killed within 1 s, counted as client_gone, not logged as an error', async () => {
    await lockAggregates();
    const request = abandonableGet(`${service.url}/v1/stats/top/datasets?window=30d`);
    await statementsWaiting(1);
    const hungUpAt = Date.now();
    request.hangUp();
    expect(await request.done).toBe('closed');
    await waitFor(async () => (await runningStatements()).length === 0, 1000, 'the statement to be gone within 1 s of the hang-up');
    expect(Date.now() - hungUpAt).toBeLessThan(QUERY_TIMEOUT_MS);
    await waitFor(async () => sampleValue(await scrape(service.url), 'stats_queries_cancelled_total{reason="client_gone"}') === 1, 2000, 'the count');
    expect(errorLines()).toEqual([]);
    await unlockAggregates();
    expect((await fetch(`${service.url}/stats/top/datasets?window=30d`)).status).toBe(200);
  });
});

describe('admission (STATS_MAX_CONCURRENCY=2, STATS_QUEUE_LIMIT=1)', () => {
  it('runs 2 at once across version prefixes, queues 1 briefly, turns the rest away with 429 and Retry-After', async () => {
    await lockAggregates();
    const running = [fetch(`${service.url}/stats/top?window=24h`), fetch(`${service.url}/v1/stats/top/datasets?window=24h`)];
    await statementsWaiting(2);
    const queued = fetch(`${service.url}/v2/stats/top/models?window=24h`);
    await requestsQueued(1);
    const full = await fetch(`${service.url}/stats/top/projects?window=24h`);
    expect(full.status).toBe(429);
    expect(full.headers.get('retry-after')).toBe('1');
    expect(await full.json()).toEqual({ error: { status: 429, message: 'too many stats queries at once; retry shortly', reason: 'queue_full' } });
    const late = await queued;
    expect(late.status).toBe(429);
    expect(((await late.json()) as { error: { reason: string } }).error.reason).toBe('queue_timeout');
    expect(late.headers.get('retry-after')).toBe('1');
    // Still exactly the 2 admitted statements on the server.
    expect(await runningStatements()).toHaveLength(2);
    await unlockAggregates();
    expect((await Promise.all(running)).map((r) => r.status)).toEqual([200, 200]);
    const text = await scrape(service.url);
    expect(sampleValue(text, 'stats_requests_rejected_total{reason="queue_full"}')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(text, 'stats_requests_rejected_total{reason="queue_timeout"}')).toBeGreaterThanOrEqual(1);
  });

  it('admits the all-time head (one indexed statement) at once, whatever the queue: it is bounded by the deadline only', async () => {
    await lockAggregates();
    const running = [fetch(`${service.url}/stats/top?window=3h`), fetch(`${service.url}/stats/top/datasets?window=3h`)];
    await statementsWaiting(2);
    const queued = fetch(`${service.url}/stats/top/models?window=3h`);
    await requestsQueued(1);
    const allTime = fetch(`${service.url}/stats/top/projects`);
    // Running beside the admitted two (a prepared statement: `Execute` in the process list), not refused.
    await waitFor(
      async () => (await database.query<unknown[]>("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND = 'Execute'", [database.name])).length === 1,
      5000,
      'the all-time statement waiting',
    );
    await unlockAggregates();
    expect((await Promise.all([...running, allTime])).map((r) => r.status)).toEqual([200, 200, 200]);
    expect([200, 429]).toContain((await queued).status);
  });

  it('frees the place of a client that leaves while queued', async () => {
    await lockAggregates();
    const running = [fetch(`${service.url}/stats/top?window=2h`), fetch(`${service.url}/stats/top/datasets?window=2h`)];
    await statementsWaiting(2);
    const leaving = abandonableGet(`${service.url}/stats/top/models?window=2h`);
    await requestsQueued(1);
    leaving.hangUp();
    await leaving.done;
    await requestsQueued(0);
    // Its place is free: the next one is queued (then times out), not refused as queue_full.
    const next = await fetch(`${service.url}/stats/top/models?window=2h`);
    expect(next.status).toBe(429);
    expect(((await next.json()) as { error: { reason: string } }).error.reason).toBe('queue_timeout');
    await unlockAggregates();
    expect((await Promise.all(running)).map((r) => r.status)).toEqual([200, 200]);
  });
});
