/**
 * `npm run bench:stats`: popularity queries and access-log ingest, side by side with the reference in one run.
 *
 * 1. Seeds BENCH_ROWS (default 10 M) access rows over 100 k assets and 90 days with skewed popularity, directly in
 *    MariaDB (sequence engine), then builds the aggregates the writer maintains.
 * 2. p50/p99 of `GET /stats/top/datasets` all-time and `?window=24h` over HTTP, and of our SQL alone, next to the
 *    reference's plain GROUP BY over the raw table.
 * 3. Ingest: rows/s the writer puts into MariaDB.
 * 4. Throughput and CPU per request of `GET /datasets/{id}` with the access log on vs off (rotated wrk slices),
 *    written as its own section; `BENCH_STATS_ONLY=queries|logging` runs one part alone.
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
import { WindowSnapshot } from '../src/stats/window-snapshot';
import { dropDatabases } from './lib/databases';
import { percentile, timeRuns } from './lib/timing';

const ROWS = Number(process.env.BENCH_ROWS ?? 10_000_000);
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

async function seed(conn: mysql.Connection): Promise<number> {
  const started = performance.now();
  const chunk = 1_000_000;
  // Popularity skew: asset rank = ASSETS * u^3 (u uniform), so low ranks are hit far more often.
  await conn.query(`SET @start = UTC_TIMESTAMP(3) - INTERVAL ${DAYS} DAY`);
  for (let done = 0; done < ROWS; done += chunk) {
    const n = Math.min(chunk, ROWS - done);
    await conn.query(
      `INSERT INTO asset_access_log (asset_id, resource_type, method, status, accessed_at)
       SELECT CONCAT('data_', LPAD(FLOOR(${ASSETS} * POW(RAND(), 3)), 24, '0')),
              ELT(1 + FLOOR(POW(RAND(), 2) * ${TYPES.length}), ${TYPES.map((t) => `'${t}'`).join(',')}),
              IF(RAND() < 0.9, 'GET', ELT(1 + FLOOR(RAND() * 3), 'PUT', 'DELETE', 'POST')),
              IF(RAND() < 0.93, 200, 404),
              -- Evenly spread over the period in insertion order (with jitter inside each step): index inserts
              -- become appends, which keeps seeding fast with MariaDB's default 128 MB buffer pool.
              @start + INTERVAL FLOOR((${done} + seq + RAND()) * ${(DAYS * 86_400_000_000) / ROWS}) MICROSECOND
       FROM seq_1_to_${n}`,
    );
    console.log(`seeded ${done + n} rows`);
  }
  await conn.query(`INSERT INTO asset_access_hourly (resource_type, hour_start, asset_id, hits)
    SELECT resource_type, DATE_FORMAT(accessed_at, '%Y-%m-%d %H:00:00'), asset_id, COUNT(*) FROM asset_access_log
    WHERE method = 'GET' AND status = 200 GROUP BY 1, 2, 3`);
  await conn.query(`INSERT INTO asset_access_total (resource_type, asset_id, hits)
    SELECT resource_type, asset_id, COUNT(*) FROM asset_access_log WHERE method = 'GET' AND status = 200 GROUP BY 1, 2`);
  await conn.query('ANALYZE TABLE asset_access_log, asset_access_hourly, asset_access_total');
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
  const [[counts]] = (await conn.query(
    'SELECT (SELECT COUNT(*) FROM asset_access_log) AS raw_rows, (SELECT COUNT(*) FROM asset_access_hourly) AS hourly_rows, (SELECT COUNT(*) FROM asset_access_total) AS total_rows',
  )) as unknown as [[Record<string, number>]];
  console.log(counts, `seeded in ${seedSeconds.toFixed(0)} s`);

  // --- Queries.
  const reference = (window: boolean) =>
    conn.query(
      `SELECT asset_id, COUNT(*) AS hits FROM asset_access_log WHERE resource_type = ? AND status = 200 ${window ? 'AND accessed_at >= UTC_TIMESTAMP() - INTERVAL 1 DAY' : ''} GROUP BY asset_id ORDER BY COUNT(*) DESC LIMIT 10`,
      ['datasets'],
    );
  const server = new ServerProcess({ DATABASE_URL, ACCESS_LOG_ENABLED: 'false' }, 0);
  await server.start('/ready');
  // The service builds the 24-hour window snapshot once the database is ready; wait for it.
  const snapshotStarted = performance.now();
  for (;;) {
    const [[state]] = (await conn.query('SELECT built_at FROM asset_access_window_state WHERE id = 1')) as unknown as [[{ built_at: Date | null }]];
    if (state.built_at) break;
    if (performance.now() - snapshotStarted > 300_000) throw new Error('window snapshot not built');
    await new Promise((r) => setTimeout(r, 200));
  }
  // Time one full rebuild (what the hourly job costs): forget the built range, rebuild.
  await conn.query("UPDATE asset_access_window_state SET to_hour = '1970-01-01' WHERE id = 1");
  const rebuildStarted = performance.now();
  await new WindowSnapshot(database, logger, { intervalMs: 3_600_000, settleMs: 120_000 }).rebuildIfStale();
  const snapshotSeconds = (performance.now() - rebuildStarted) / 1000;
  // A keep-alive client on the other core: the numbers are the server's, not undici's fetch.
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  const http = (q: string) => () =>
    new Promise<void>((resolve, reject) => {
      httpGet(`${server.url}${q}`, { agent }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`${q} answered ${res.statusCode}`));
        res.resume();
        res.on('end', () => resolve());
      }).on('error', reject);
    });
  await timeIt(200, http('/stats/top/datasets')); // warm-up: JIT, pool
  await timeIt(200, http('/stats/top/datasets?window=24h'));
  const floor = await timeIt(1000, http('/health'));
  const oursAll = await timeIt(1000, http('/stats/top/datasets'));
  const oursDay = await timeIt(1000, http('/stats/top/datasets?window=24h'));
  agent.destroy();
  await server.stop();
  const { StatsRepository } = await import('../src/stats/stats-repository');
  const stats = new StatsRepository(database);
  const sqlAll = await timeIt(500, () => stats.top('datasets', 10));
  const sqlDay = await timeIt(500, () => stats.top('datasets', 10, Date.now() - 86_400_000));
  const sqlDayGeneral = await timeIt(200, () => stats.topWithoutSnapshot('datasets', 10, Date.now() - 86_400_000));
  const refAll = await timeIt(Number(process.env.BENCH_REFERENCE_RUNS ?? 5), () => reference(false));
  const refDay = await timeIt(Number(process.env.BENCH_REFERENCE_RUNS ?? 5), () => reference(true));

  // --- Ingest: how fast the writer drains a backlog into MariaDB (default batch size, and a larger one).
  const ingest: string[] = [];
  for (const [batchSize, writeConcurrency] of [[500, 1], [500, 2], [2000, 2]] as const) {
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
    ingest.push(`| ${batchSize} | ${writeConcurrency}${batchSize === 500 && writeConcurrency === 2 ? ' (default)' : ''} | ${n.toLocaleString('en')} | ${seconds.toFixed(1)} | ${Math.round(n / seconds).toLocaleString('en')} |`);
  }
  await conn.end();
  await database.close();

  const fmt = (x: { p50: number; p99: number }) => `${x.p50.toFixed(2)} | ${x.p99.toFixed(2)}`;
  writeSection(
    'stats',
    `## Popularity stats and access-log ingest (\`npm run bench:stats\`)

Command: \`BENCH_ROWS=${ROWS} npm run bench:stats\` — ${machineLine()}; MariaDB 10.11 (Debian defaults).
Data: ${Number(counts.raw_rows).toLocaleString('en')} raw rows over ${ASSETS.toLocaleString('en')} assets and ${DAYS} days (skewed popularity; 90 % GET, 93 % 200),
${Number(counts.hourly_rows).toLocaleString('en')} hourly and ${Number(counts.total_rows).toLocaleString('en')} all-time aggregate rows; seeded in ${seedSeconds.toFixed(0)} s.

| query (top 10 datasets) | p50 ms | p99 ms |
|---|---:|---:|
| floor: HTTP \`GET /health\` on the same server (no DB; this machine's own tail) | ${fmt(floor)} |
| **ours, all time, HTTP \`GET /stats/top/datasets\`** (1000 requests) | ${fmt(oursAll)} |
| **ours, last 24 h, HTTP \`?window=24h\`** (1000 requests) | ${fmt(oursDay)} |
| ours, all time, SQL only | ${fmt(sqlAll)} |
| ours, last 24 h, SQL only (snapshot + adjustments) | ${fmt(sqlDay)} |
| ours, last 24 h, SQL only, general path without the snapshot (200 runs) | ${fmt(sqlDayGeneral)} |
| reference: \`GROUP BY asset_id\` over the raw table, all time (${process.env.BENCH_REFERENCE_RUNS ?? 5} runs) | ${fmt(refAll)} |
| reference, with \`accessed_at >= now - 1 day\` (${process.env.BENCH_REFERENCE_RUNS ?? 5} runs) | ${fmt(refDay)} |

Targets: ≤ 5 ms p99 all-time, ≤ 50 ms p99 for 24 h. One rebuild of the 24-hour snapshot (hourly, in the
background, one replica) took ${snapshotSeconds.toFixed(1)} s.

Ingest — a backlog of rows drained by the writer (one transaction per batch: raw INSERT + hourly and all-time upserts):

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
  if (only !== undefined && only !== 'queries' && only !== 'logging') throw new Error(`BENCH_STATS_ONLY must be queries or logging, not ${only}`);
  try {
    if (only !== 'logging') await measureQueriesAndIngest();
    if (only !== 'queries') await measureLoggingCost();
  } finally {
    await dropDatabases(SERVER_URL, [DB_NAME, 'bench_access_log']);
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
