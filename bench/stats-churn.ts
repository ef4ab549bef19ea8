/**
 * The churning-popularity section of `npm run bench:stats` (`BENCH_STATS_ONLY=churn` runs it alone): windowed tops
 * where every period ranks the assets differently, so no short head decides and the threshold algorithm reads deep.
 * 8 types × BENCH_CHURN_ASSETS (5 000) assets × BENCH_CHURN_PERIODS (40) rolled days, seeded directly in MariaDB;
 * `StatsRepository.top` in this process (no roll-up leader moving the periods under it): all types vs one type,
 * limit 10 / 100 / 1000, and a far-past `since`. Per query: latency (p50, max), CPU ms of this process and of
 * MariaDB per request, and this process's RSS growth (peak during the runs over the RSS before them).
 */
import mysql from 'mysql2/promise';
import { Database } from '../src/db';
import { StatsRepository } from '../src/stats/stats-repository';
import { parseSince } from '../src/stats/top-query';
import { DAY_MS, dayStart } from '../src/db/time-grains';
import { createLogger } from '../src/lifecycle/logger';
import { cpuSecondsOf, localDatabasePid } from './lib/process-cpu';
import { machineLine, median, writeSection } from './lib/report';

const ASSETS = Number(process.env.BENCH_CHURN_ASSETS ?? 5000);
const PERIODS = Number(process.env.BENCH_CHURN_PERIODS ?? 40);
const RUNS = Number(process.env.BENCH_CHURN_RUNS ?? 5);
const TYPES = ['datasets', 'models', 'publications', 'experiments', 'services', 'projects', 'organisations', 'educational_resources'];
export const CHURN_DB = 'bench_stats_churn';

async function seed(serverUrl: string, databaseUrl: string): Promise<Database> {
  const admin = await mysql.createConnection({ uri: serverUrl });
  await admin.query(`DROP DATABASE IF EXISTS \`${CHURN_DB}\``);
  await admin.end();
  const database = new Database({ url: databaseUrl, migrateOnStart: true, poolSize: 4, connectTimeoutMs: 2000, retryIntervalMs: 1000 }, createLogger('warn'));
  await database.startPreparing();
  if (!database.isReady) throw new Error('could not prepare the churn bench database');
  const conn = await mysql.createConnection({ uri: databaseUrl, timezone: 'Z' });
  const today = dayStart(Date.now());
  // Each day ranks the assets of each type in a different order (a permutation of the id by day and type); hits
  // fall off as 1 000 / rank, so each day has a head, but a different one.
  for (let t = 0; t < TYPES.length; t++) {
    await conn.query(
      `INSERT INTO asset_access_daily (day_start, resource_type, asset_id, hits)
       SELECT ? - INTERVAL (d.seq + 1) DAY, ?, CONCAT('asset_', LPAD(a.seq, 6, '0')),
              1 + FLOOR(1000 / (1 + MOD(a.seq * 7919 + d.seq * 104729 + ${t} * 31, ${ASSETS})))
       FROM seq_0_to_${PERIODS - 1} d, seq_0_to_${ASSETS - 1} a`,
      [new Date(today), TYPES[t]],
    );
  }
  // Days rolled up to today, no month rolled (so the window reads its days, one list each) and no hour at all.
  await conn.query('UPDATE asset_access_rollup_state SET days_to = ?, months_to = ? WHERE id = 1', [new Date(today), new Date(0)]);
  await conn.query('ANALYZE TABLE asset_access_daily');
  await conn.end();
  return database;
}

interface Measured {
  label: string;
  p50: number;
  max: number;
  cpuMs: number;
  dbCpuMs: number;
  rssMb: number;
}

async function measure(label: string, run: () => Promise<unknown>): Promise<Measured> {
  await run(); // warm-up
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 5);
  const dbPid = localDatabasePid();
  const durations: number[] = [];
  const cpuBefore = process.cpuUsage();
  const dbBefore = dbPid === undefined ? 0 : cpuSecondsOf(dbPid);
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run();
    durations.push(performance.now() - started);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const dbCpu = dbPid === undefined ? Number.NaN : cpuSecondsOf(dbPid) - dbBefore;
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  return {
    label,
    p50: median(durations),
    max: Math.max(...durations),
    cpuMs: (cpu.user + cpu.system) / 1000 / RUNS,
    dbCpuMs: (dbCpu * 1000) / RUNS,
    rssMb: (rssPeak - rssBefore) / 1e6,
  };
}

export async function measureChurn(serverUrl: string): Promise<void> {
  const databaseUrl = `${serverUrl.replace(/\/$/, '')}/${CHURN_DB}`;
  const database = await seed(serverUrl, databaseUrl);
  const stats = new StatsRepository(database);
  const window = Date.now() - 3650 * DAY_MS;
  const results: Measured[] = [];
  for (const limit of [10, 100, 1000]) {
    results.push(await measure(`all types, \`window=3650d\`, limit ${limit}`, () => stats.top(undefined, limit, window)));
    results.push(await measure(`one type, \`window=3650d\`, limit ${limit}`, () => stats.top('datasets', limit, window)));
  }
  const farPast = parseSince('0001-01-01T00:00:00Z');
  results.push(await measure('all types, `since=0001-01-01T00:00:00Z`, limit 10', () => stats.top(undefined, 10, farPast)));
  await database.close();
  const f = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(1));
  const table = results.map((r) => `| ${r.label} | ${f(r.p50)} | ${f(r.max)} | ${f(r.cpuMs)} | ${f(r.dbCpuMs)} | ${f(r.rssMb)} |`).join('\n');
  console.log(table);
  writeSection(
    'stats-churn',
    `### Windowed tops with churning popularity (\`BENCH_STATS_ONLY=churn npm run bench:stats\`)

Command: \`BENCH_CHURN_ASSETS=${ASSETS} BENCH_CHURN_PERIODS=${PERIODS} BENCH_CHURN_RUNS=${RUNS} BENCH_STATS_ONLY=churn npm run bench:stats\` — ${machineLine()}.
${TYPES.length} types × ${ASSETS.toLocaleString('en')} assets × ${PERIODS} rolled days, each day ranking the assets in a different order
(hits 1 000 / rank): no short head decides. \`StatsRepository.top\` in the bench process (${RUNS} runs each after a warm-up);
CPU per request of this process and of the whole MariaDB server; RSS growth: peak during the runs over RSS before them.

| query | p50 ms | max ms | CPU ms/req | MariaDB CPU ms/req | RSS growth MB |
|---|---:|---:|---:|---:|---:|
${table}`,
  );
}
