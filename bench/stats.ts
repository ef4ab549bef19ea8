/**
 * `npm run bench:stats`: popularity queries and access-log ingest, side by side with the reference in one run.
 *
 * 1. Seeds BENCH_ROWS (default 10 M) access rows over 100 k assets and 90 days with skewed popularity, plus
 *    BENCH_HOT_ROWS (default 4.8 M) at 1 000 logged requests/s up to the end of seeding, so the hour before the
 *    queries holds ≥ 3.6 M rows (counted and reported when they start), directly in MariaDB (sequence engine),
 *    then builds the aggregates the writer maintains; the service's leader rolls up the days and months.
 * 2. p50/p99 over HTTP of `GET /stats/top/datasets` all-time, `window=24h`, several `since` within 7 days (inside the
 *    hot hour too) and `window=365d`, next to the reference's plain GROUP BY over the raw table.
 * 3. Ingest: rows/s the writer puts into MariaDB.
 * 4. Throughput and CPU per request of `GET /datasets/{id}` with the access log on vs off (rotated wrk slices),
 *    written as its own section;
 * 5. Churning popularity (`stats-churn.ts`): all types vs one type, limit 10 / 100 / 1000, far-past `since`, CPU and
 *    RSS per query, its own section; `BENCH_STATS_ONLY=queries|logging|churn` runs one part alone.
 */
import { Agent as HttpAgent, get as httpGet } from 'node:http';
import mysql from 'mysql2/promise';
import { createNoopMeter } from '@opentelemetry/api';
import { Database } from '../src/db';
import { AccessLogRepository } from '../src/access-log/access-log-repository';
import { AccessLogWriter } from '../src/access-log/access-log-writer';
import { createLogger } from '../src/lifecycle/logger';
import { wrkThroughput } from './lib/load';
import { cpuSecondsOf, localDatabasePid } from './lib/process-cpu';
import { machineLine, median, medianChange, writeSection } from './lib/report';
import { rotated } from './lib/rounds';
import { ServerProcess } from './lib/server-process';
import { dropDatabases } from './lib/databases';
import { percentile, timeRuns } from './lib/timing';
import { CHURN_DB, measureChurn } from './stats-churn';

const ROWS = Number(process.env.BENCH_ROWS ?? 10_000_000);
/** Rows at 1 000 logged requests/s for the last HOT_MINUTES before seeding ended, so the hour before the queries holds ≥ 3.6 M. */
const HOT_ROWS = Number(process.env.BENCH_HOT_ROWS ?? 4_800_000);
const HOT_MINUTES = HOT_ROWS / 60_000;
const ASSETS = 100_000;
const DAYS = 90;
const SERVER_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';
const DB_NAME = 'bench_stats';
const DATABASE_URL = `${SERVER_URL.replace(/\/$/, '')}/${DB_NAME}`;
const TYPES = ['datasets', 'models', 'publications', 'experiments', 'services', 'projects', 'organisations', 'educational_resources'];
const logger = createLogger('warn');

async function timeIt(n: number, fn: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const durations = await timeRuns(n, fn);
  return { p50: percentile(durations, 0.5), p99: percentile(durations, 0.99) };
}

/** Inserts `n` raw rows from `startSql` on, evenly spread over `spanMicros` in insertion order, 1 M per statement. */
async function seedRows(conn: mysql.Connection, n: number, startSql: string, spanMicros: number): Promise<void> {
  const chunk = 1_000_000;
  await conn.query(`SET @start = ${startSql}`);
  for (let done = 0; done < n; done += chunk) {
    const m = Math.min(chunk, n - done);
    await conn.query(
      `INSERT INTO asset_access_log (asset_id, resource_type, method, status, accessed_at)
       SELECT CONCAT('data_', LPAD(FLOOR(${ASSETS} * POW(RAND(), 3)), 24, '0')),
              ELT(1 + FLOOR(POW(RAND(), 2) * ${TYPES.length}), ${TYPES.map((t) => `'${t}'`).join(',')}),
              IF(RAND() < 0.9, 'GET', ELT(1 + FLOOR(RAND() * 3), 'PUT', 'DELETE', 'POST')),
              IF(RAND() < 0.93, 200, 404),
              -- Evenly spread in insertion order (with jitter inside each step): index inserts become appends,
              -- which keeps seeding fast with MariaDB's default 128 MB buffer pool.
              @start + INTERVAL FLOOR((${done} + seq + RAND()) * ${spanMicros / n}) MICROSECOND
       FROM seq_1_to_${m}`,
    );
    console.log(`seeded ${done + m} of ${n} rows`);
  }
}

async function seed(conn: mysql.Connection): Promise<number> {
  const started = performance.now();
  // Popularity skew: asset rank = ASSETS * u^3 (u uniform), so low ranks are hit far more often.
  await seedRows(conn, ROWS, `UTC_TIMESTAMP(3) - INTERVAL ${DAYS} DAY`, (DAYS * 86_400 - HOT_MINUTES * 60) * 1e6);
  // Aggregating takes minutes: the hot rows reach a little into the future so that the hour before the queries,
  // not the hour before seeding, is the one holding ≥ 3.6 M.
  await seedRows(conn, HOT_ROWS, `UTC_TIMESTAMP(3) - INTERVAL ${Math.round(HOT_MINUTES * 60) - 900} SECOND`, HOT_MINUTES * 60 * 1e6);
  const reads = "WHERE method = 'GET' AND status = 200";
  await conn.query(`INSERT INTO asset_access_minute (minute_start, resource_type, asset_id, hits)
    SELECT DATE_FORMAT(accessed_at, '%Y-%m-%d %H:%i:00'), resource_type, asset_id, COUNT(*) FROM asset_access_log ${reads} GROUP BY 1, 2, 3`);
  await conn.query(`INSERT INTO asset_access_hourly (hour_start, resource_type, asset_id, hits)
    SELECT DATE_FORMAT(minute_start, '%Y-%m-%d %H:00:00'), resource_type, asset_id, SUM(hits) FROM asset_access_minute GROUP BY 1, 2, 3`);
  await conn.query(`INSERT INTO asset_access_total (resource_type, asset_id, hits)
    SELECT resource_type, asset_id, SUM(hits) FROM asset_access_hourly GROUP BY 1, 2`);
  await conn.query('ANALYZE TABLE asset_access_log, asset_access_minute, asset_access_hourly, asset_access_total');
  return (performance.now() - started) / 1000;
}

async function measureQueriesAndIngest(): Promise<void> {
  const admin = await mysql.createConnection({ uri: SERVER_URL });
  await admin.query(`DROP DATABASE IF EXISTS \`${DB_NAME}\``);
  await admin.end();
  const database = new Database(
    { url: DATABASE_URL, migrateOnStart: true, poolSize: 4, connectTimeoutMs: 2000, retryIntervalMs: 1000 },
    logger,
  );
  await database.startPreparing();
  if (!database.isReady) throw new Error('could not prepare the bench database');
  const conn = await mysql.createConnection({ uri: DATABASE_URL, timezone: 'Z' });
  const seedSeconds = await seed(conn);

  // --- Queries.
  const reference = (window: boolean) =>
    conn.query(
      `SELECT asset_id, COUNT(*) AS hits FROM asset_access_log WHERE resource_type = ? AND status = 200 ${window ? 'AND accessed_at >= UTC_TIMESTAMP() - INTERVAL 1 DAY' : ''} GROUP BY asset_id ORDER BY COUNT(*) DESC LIMIT 10`,
      ['datasets'],
    );
  const server = new ServerProcess({ DATABASE_URL, ACCESS_LOG_ENABLED: 'false' }, 0);
  await server.start('/ready');
  // The service's leader rolls up the 90 days and their months once the database is ready: time it, wait for it.
  const rollupStarted = performance.now();
  for (;;) {
    const [[state]] = (await conn.query(
      'SELECT days_to >= UTC_DATE() - INTERVAL 1 DAY AND months_to > days_to - INTERVAL 32 DAY AS done FROM asset_access_rollup_state WHERE id = 1',
    )) as unknown as [[{ done: number }]];
    if (Number(state.done) === 1) break;
    if (performance.now() - rollupStarted > 900_000) throw new Error('days and months not rolled up');
    await new Promise((r) => setTimeout(r, 200));
  }
  const rollupSeconds = (performance.now() - rollupStarted) / 1000;
  const [[rolled]] = (await conn.query(
    'SELECT (SELECT COUNT(*) FROM asset_access_daily) AS daily_rows, (SELECT COUNT(*) FROM asset_access_monthly) AS monthly_rows',
  )) as unknown as [[Record<string, number>]];
  // Counted as the queries start: the hot hour is the one before them.
  const [[counts]] = (await conn.query(
    `SELECT (SELECT COUNT(*) FROM asset_access_log) AS raw_rows,
            (SELECT COUNT(*) FROM asset_access_log WHERE accessed_at >= UTC_TIMESTAMP() - INTERVAL 1 HOUR AND accessed_at < UTC_TIMESTAMP()) AS hot_rows,
            (SELECT COUNT(*) FROM asset_access_minute) AS minute_rows, (SELECT COUNT(*) FROM asset_access_hourly) AS hourly_rows,
            (SELECT COUNT(*) FROM asset_access_total) AS total_rows`,
  )) as unknown as [[Record<string, number>]];
  console.log(counts, `seeded in ${seedSeconds.toFixed(0)} s`);
  // A keep-alive client on the other core: the numbers are the server's, not undici's fetch.
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  const http = (q: string | (() => string)) => () =>
    new Promise<void>((resolve, reject) => {
      const path = typeof q === 'string' ? q : q();
      httpGet(`${server.url}${path}`, { agent }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`${path} answered ${res.statusCode}`));
        res.resume();
        res.on('end', () => resolve());
      }).on('error', reject);
    });
  // `since` moves with the clock like a dashboard's range; each request a different instant (not minute-aligned).
  const sinceAgo = (ms: number) => () => `/stats/top/datasets?since=${new Date(Date.now() - ms - Math.floor(Math.random() * 60_000)).toISOString()}`;
  const queries: Array<{ label: string; path: string | (() => string); n: number; target?: string }> = [
    { label: 'floor: `GET /health` on the same server (no DB; this machine\'s own tail)', path: '/health', n: 1000 },
    { label: '**all time**, `GET /stats/top/datasets`', path: '/stats/top/datasets', n: 1000, target: '≤ 5' },
    { label: '**`?window=24h`**', path: '/stats/top/datasets?window=24h', n: 500, target: '≤ 50' },
    { label: '**`?since=` 30 min ago** (inside the hot hour, minute by minute)', path: sinceAgo(30 * 60_000), n: 300, target: '≤ 100' },
    { label: '**`?since=` 3 days ago**', path: sinceAgo(3 * 86_400_000 - 17 * 60_000), n: 300, target: '≤ 100' },
    { label: '**`?since=` 7 days ago**', path: sinceAgo(7 * 86_400_000), n: 300, target: '≤ 100' },
    { label: '**`?window=365d`**', path: '/stats/top/datasets?window=365d', n: 200, target: '≤ 200' },
    { label: '`?window=3650d`', path: '/stats/top/datasets?window=3650d', n: 100 },
    { label: '`/stats/top?window=24h` (all types)', path: '/stats/top?window=24h', n: 100 },
  ];
  for (const q of queries) await timeIt(Math.min(50, q.n), http(q.path)); // warm-up: JIT, pool, buffer pool
  const measured = [];
  for (const q of queries) measured.push({ ...q, ...(await timeIt(q.n, http(q.path))) });
  agent.destroy();
  await server.stop();
  const refAll = await timeIt(Number(process.env.BENCH_REFERENCE_RUNS ?? 5), () => reference(false));
  const refDay = await timeIt(Number(process.env.BENCH_REFERENCE_RUNS ?? 5), () => reference(true));

  // --- Ingest: how fast the writer drains a backlog into MariaDB (default batch size, and a larger one).
  const ingest: string[] = [];
  for (const [batchSize, writeConcurrency] of [[500, 2], [2000, 1], [2000, 2], [5000, 2]] as const) {
    const writer = new AccessLogWriter(
      new AccessLogRepository(database),
      { flushIntervalMs: 10, batchSize, writeConcurrency, maxQueue: 2_000_000, shutdownTimeoutMs: 600_000 },
      createNoopMeter(),
      logger,
    );
    const n = 200_000;
    const now = Date.now();
    for (let i = 0; i < n; i++) {
      const rank = Math.floor(ASSETS * Math.random() ** 3);
      writer.enqueue({ assetId: `data_${String(rank).padStart(24, '0')}`, resourceType: 'datasets', method: 'GET', status: 200, accessedAt: now - (i % 3_600_000) });
    }
    const started = performance.now();
    writer.start();
    await writer.stop();
    const seconds = (performance.now() - started) / 1000;
    if (writer.stats.written !== n) throw new Error(`ingest wrote ${writer.stats.written} of ${n}`);
    ingest.push(`| ${batchSize} | ${writeConcurrency}${batchSize === 5000 && writeConcurrency === 2 ? ' (default)' : ''} | ${n.toLocaleString('en')} | ${seconds.toFixed(1)} | ${Math.round(n / seconds).toLocaleString('en')} |`);
  }
  await conn.end();
  await database.close();

  const fmt = (x: { p50: number; p99: number }) => `${x.p50.toFixed(2)} | ${x.p99.toFixed(2)}`;
  const n = (key: string, from: Record<string, number>) => Number(from[key]).toLocaleString('en');
  writeSection(
    'stats',
    `## Popularity stats and access-log ingest (\`npm run bench:stats\`)

Command: \`BENCH_ROWS=${ROWS} BENCH_HOT_ROWS=${HOT_ROWS} npm run bench:stats\` — ${machineLine()}; MariaDB 10.11 (Debian defaults).
Data: ${n('raw_rows', counts)} raw rows over ${ASSETS.toLocaleString('en')} assets and ${DAYS} days (skewed popularity; 90 % GET, 93 % 200),
of which ${n('hot_rows', counts)} in the last hour (1 000 logged requests/s); ${n('minute_rows', counts)} per-minute, ${n('hourly_rows', counts)} hourly,
${n('daily_rows', rolled)} daily, ${n('monthly_rows', rolled)} monthly and ${n('total_rows', counts)} all-time aggregate rows; seeded in ${seedSeconds.toFixed(0)} s.
The service's leader rolled the ${DAYS} days and their months up in ${rollupSeconds.toFixed(1)} s at startup (afterwards one day at a time).

| query (top 10 datasets, over HTTP, keep-alive) | requests | p50 ms | p99 ms | target p99 ms |
|---|---:|---:|---:|---:|
${measured.map((m) => `| ${m.label} | ${m.n} | ${fmt(m)} | ${m.target ?? '—'} |`).join('\n')}
| reference: \`GROUP BY asset_id\` over the raw table, all time (SQL only) | ${process.env.BENCH_REFERENCE_RUNS ?? 5} | ${fmt(refAll)} | |
| reference, with \`accessed_at >= now - 1 day\` (SQL only) | ${process.env.BENCH_REFERENCE_RUNS ?? 5} | ${fmt(refDay)} | |

Ingest — a backlog of rows drained by the writer (one transaction per batch: raw INSERT + per-minute, hourly and all-time upserts):

| batch size | batches in flight | rows | seconds | rows/s |
|---:|---:|---:|---:|---:|
${ingest.join('\n')}

Target: ≥ 20 000 rows/s.`,
  );
}

/**
 * `GET /datasets/{id}` at saturation with the access log off, off again (the noise floor: two identical servers)
 * and on, in short slices whose order rotates each round. Besides throughput, the CPU each request costs the service
 * and the database: on this machine they share two cores, so MariaDB's work for the log shows up as lost throughput,
 * where a database on its own host would not take it from the service.
 */
async function measureLoggingCost(): Promise<void> {
  const databaseUrl = `${SERVER_URL.replace(/\/$/, '')}/bench_access_log`;
  const admin = await mysql.createConnection({ uri: SERVER_URL });
  await admin.query('DROP DATABASE IF EXISTS `bench_access_log`');
  await admin.end();
  const variants = [
    { name: 'off', env: { ACCESS_LOG_ENABLED: 'false' } },
    { name: 'off again (noise floor)', env: { ACCESS_LOG_ENABLED: 'false' } },
    { name: '**on**', env: { ACCESS_LOG_ENABLED: 'true' } },
  ];
  const servers = variants.map((v) => new ServerProcess({ DATABASE_URL: databaseUrl, ...v.env }, 0));
  for (const server of servers) await server.start('/ready');
  const created = await fetch(`${servers[0]!.url}/datasets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"b"}' });
  const { identifier } = (await created.json()) as { identifier: string };
  const path = `/datasets/${identifier}`;
  const seconds = Number(process.env.BENCH_SECONDS ?? 3);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 20);
  const dbPid = localDatabasePid();
  for (const server of servers) wrkThroughput(`${server.url}${path}`, 2); // warm-up: JIT, pool

  type Slice = { rps: number; serviceUs: number; databaseUs: number };
  const slices: Slice[][] = variants.map(() => []);
  for (let round = 1; round <= rounds; round++) {
    for (const i of rotated(variants.length, round)) {
      const server = servers[i]!;
      const serviceBefore = server.cpuSeconds();
      const databaseBefore = dbPid === undefined ? 0 : cpuSecondsOf(dbPid);
      const rps = wrkThroughput(`${server.url}${path}`, seconds);
      const perRequestUs = (cpu: number) => (cpu / (rps * seconds)) * 1e6;
      slices[i]!.push({
        rps,
        serviceUs: perRequestUs(server.cpuSeconds() - serviceBefore),
        databaseUs: dbPid === undefined ? Number.NaN : perRequestUs(cpuSecondsOf(dbPid) - databaseBefore),
      });
    }
    console.log(`round ${round}: ${variants.map((v, i) => `${v.name} ${JSON.stringify(slices[i]!.at(-1))}`).join(' ')}`);
  }
  for (const server of servers) await server.stop();

  // Each variant against the "off" slice of the same round, as a median with a 90 % bootstrap interval.
  const versusOff = (i: number, pick: (s: Slice) => number) => {
    if (i === 0) return '—';
    const ratios = slices[i]!.map((s, r) => pick(s) / pick(slices[0]![r]!));
    return ratios.some(Number.isNaN) ? 'n/a' : medianChange(ratios);
  };
  const rows = variants.map((v, i) => {
    const own = slices[i]!;
    const cell = (pick: (s: Slice) => number, digits: number) => (Number.isNaN(pick(own[0]!)) ? 'n/a' : median(own.map(pick)).toFixed(digits));
    return `| ${v.name} | ${cell((s) => s.rps, 0)} | ${versusOff(i, (s) => s.rps)} | ${cell((s) => s.serviceUs, 1)} | ${versusOff(i, (s) => s.serviceUs)} | ${cell((s) => s.databaseUs, 1)} | ${versusOff(i, (s) => s.databaseUs)} |`;
  });
  writeSection(
    'stats-logging',
    `### Access log on vs off (\`npm run bench:stats\`, or \`BENCH_STATS_ONLY=logging npm run bench:stats\` for this part alone)

Command: \`BENCH_ROUNDS=${rounds} BENCH_SECONDS=${seconds} npm run bench:stats\` — ${machineLine()}.
\`GET /datasets/{id}\` at saturation (wrk, 1 thread, 32 connections). Three servers on one fresh database, all pinned
to core 0 and measured in turn, the order rotated each round; wrk on core 1; MariaDB unpinned, on either core. ${rounds} rounds of
${seconds} s slices; every ratio is the median of per-round ratios to the "off" slice of the same round, with a 90 %
bootstrap interval. CPU µs per request are read from /proc for the service and for the whole MariaDB server.

| access log | req/s | throughput vs off | service CPU µs/req | vs off | MariaDB CPU µs/req | vs off |
|---|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

Target: ≤ 3 % throughput loss.`,
  );
}

async function main(): Promise<void> {
  const only = process.env.BENCH_STATS_ONLY;
  if (only !== undefined && !['queries', 'logging', 'churn'].includes(only)) throw new Error(`BENCH_STATS_ONLY must be queries, logging or churn, not ${only}`);
  try {
    if (only === undefined || only === 'queries') await measureQueriesAndIngest();
    if (only === undefined || only === 'logging') await measureLoggingCost();
    if (only === undefined || only === 'churn') await measureChurn(SERVER_URL);
  } finally {
    await dropDatabases(SERVER_URL, [DB_NAME, 'bench_access_log', CHURN_DB]);
  }
}

void main().then(
  () => {
    const left = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    if (left.length > 0) console.error('still open after the bench:', left);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
