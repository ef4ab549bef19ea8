/**
 * `npm run bench:hostile`: does every request have a bounded cost? A fixed-rate legitimate mix (catalogue reads and
 * writes, per-type windowed tops) runs alone, then again with a hostile mix beside it — far-past `since`, all-type
 * long windows at several concurrency levels, `limit=1000`, abandoned requests, bad compressed bodies, an unknown
 * encoding, oversized bodies written whole before reading, random asset ids and junk paths — and the report sets them
 * side by side: legit latency and errors, hostile answers by status, the service's RSS peak, `/ready` failures and
 * MariaDB's running threads; then a probe of abandoned requests alone says whether their queries outlive the client.
 *
 * The service is the built `dist/main.js` in its deployed configuration (one process, LOG_LEVEL=info, the request log
 * to /dev/null), pinned to core 0, with `--max-old-space-size` set for the memory limit of the Kubernetes manifests;
 * the bench runs on core 1 (the hostile clients in a process of their own), MariaDB unpinned. A fresh service for
 * each run, on one database seeded once. Everything is done over HTTP and SQL: the bench knows no internals of the
 * service, so it measures any version of it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { dropDatabases } from './lib/databases';
import { machineLine, writeSection } from './lib/report';
import { ServerProcess } from './lib/server-process';
import { probeAbandoned, type AbandonResult } from './hostile/abandon-probe';
import type { HostileTally } from './hostile/hostile-mix';
import type { HostileRun } from './hostile/hostile-process';
import { legitKinds, runLegit, type LegitKind } from './hostile/legit-mix';
import { reportTables, verdicts, type PhaseResult } from './hostile/report';
import { DatabaseSampler, ReadySampler, RssSampler } from './hostile/samplers';
import { seedAggregates, seedCatalogue } from './hostile/seed';

const SERVER_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';
const DB_NAME = 'bench_hostile';
const DATABASE_URL = `${SERVER_URL.replace(/\/$/, '')}/${DB_NAME}`;
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SECONDS = num('BENCH_SECONDS', 15);
const WARMUP_SECONDS = num('BENCH_WARMUP_SECONDS', 3);
const RATE = num('BENCH_RATE', 100);
const LEVELS = (process.env.BENCH_LEVELS ?? '2,8,16').split(',').map(Number);
const ASSETS = num('BENCH_ASSETS', 5000);
const PERIODS = num('BENCH_PERIODS', 40);
const CATALOGUE = num('BENCH_CATALOGUE_ASSETS', 300);
const PROBES = num('BENCH_ABANDON_PROBES', 5);
/** deploy/kubernetes/base/deployment.yaml: resources.limits.memory. */
const CONTAINER_MIB = 512;
/**
 * V8's old space is only part of a process's memory (young generation, code, Buffers, the driver's and OTel's native
 * memory): three quarters of the container for the heap leaves the rest a quarter, as Node's own docs suggest
 * (`--max-old-space-size`: "on a machine with 2 GiB of memory, consider setting this to 1536").
 */
const HEAP_MIB = num('BENCH_HEAP_MB', (CONTAINER_MIB * 3) / 4);
const LEGIT_TIMEOUT_MS = num('BENCH_TIMEOUT_MS', 10_000);
const HOSTILE_TIMEOUT_MS = num('BENCH_HOSTILE_TIMEOUT_MS', 20_000);
const ABANDON_AFTER_MS = 300;
const OVERSIZED_BYTES = 8 * 2 ** 20;
const GRACE_MS = 5000;

const SERVICE_ENV = { DATABASE_URL, LOG_LEVEL: 'info', WEB_CONCURRENCY: '1', NODE_OPTIONS: `--max-old-space-size=${HEAP_MIB}` };

function startService(): Promise<ServerProcess> {
  const service = new ServerProcess(SERVICE_ENV, 0, 'dist/main.js', 'ignore');
  return service.start('/ready').then(() => service);
}

function hostPort(service: ServerProcess): { host: string; port: number } {
  const url = new URL(service.url);
  return { host: url.hostname, port: Number(url.port) };
}

/** The hostile mix in its own process; resolves with its tally, or an error entry if it fails to report in time. */
async function startHostile(run: HostileRun): Promise<{ child: ChildProcess; tally: Promise<HostileTally> }> {
  const child = fork(path.join(__dirname, 'hostile', 'hostile-process.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the hostile client exited with ${code} before starting`)));
  });
  const tally = new Promise<HostileTally>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), (run.seconds + 30) * 1000 + run.graceMs);
    child.once('message', (message: { tally: HostileTally }) => resolve(message.tally));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ 'the hostile client itself': { [`ended without a report (${signal ?? code})`]: 1 } });
    });
  });
  child.send(run);
  return { child, tally };
}

/** Raw access-log rows in the bench database: what the run made the service store per request. */
async function rawAccessRows(): Promise<number> {
  const conn = await mysql.createConnection({ uri: DATABASE_URL });
  try {
    const [[row]] = (await conn.query('SELECT COUNT(*) AS n FROM asset_access_log')) as unknown as [[{ n: number | string }]];
    return Number(row.n);
  } finally {
    await conn.end();
  }
}

async function runPhase(kinds: LegitKind[], level: number | undefined): Promise<PhaseResult> {
  const service = await startService();
  let rowsBefore = 0;
  let phase: PhaseResult | undefined;
  try {
    const { host, port } = hostPort(service);
    await runLegit(host, port, kinds, RATE, WARMUP_SECONDS, LEGIT_TIMEOUT_MS); // JIT, pool, buffer pool
    rowsBefore = await rawAccessRows();
    const rss = new RssSampler(service.pid as number);
    const ready = new ReadySampler(host, port);
    const db = new DatabaseSampler(SERVER_URL, DB_NAME);
    await db.start();
    const hostile =
      level === undefined
        ? undefined
        : await startHostile({ host, port, level, timeoutMs: HOSTILE_TIMEOUT_MS, abandonAfterMs: ABANDON_AFTER_MS, oversizedBytes: OVERSIZED_BYTES, seconds: SECONDS, graceMs: GRACE_MS });
    const legit = await runLegit(host, port, kinds, RATE, SECONDS, LEGIT_TIMEOUT_MS);
    const tally = await hostile?.tally;
    const [rssMiB, readiness, database] = await Promise.all([rss.stop(), ready.stop(), db.stop()]);
    phase = { level, legit, hostile: tally, rssMiB, ready: readiness, db: database, ended: service.ended, rawRows: 0 };
  } finally {
    await service.stop(15_000); // the access log flushes on the way out
  }
  // A crash while draining what the run left behind counts too (SIGTERM's own exit is `code 0`).
  if (phase.ended === undefined && service.ended !== 'code 0') phase.ended = `${service.ended ?? '?'} after SIGTERM`;
  phase.rawRows = (await rawAccessRows()) - rowsBefore;
  console.log(
    `${level === undefined ? 'alone' : `hostile level ${level}`}: legit p50 ${phase.legit.p50Ms.toFixed(1)} ms p99 ${phase.legit.p99Ms.toFixed(1)} ms errors ${phase.legit.errors}`,
    JSON.stringify(phase.legit.errorKinds),
    `RSS ${phase.rssMiB.toFixed(0)} MiB, /ready failures ${phase.ready.failures}/${phase.ready.polls}, threads max ${phase.db.threadsMax}, raw rows ${phase.rawRows}${phase.ended ? `, service ended: ${phase.ended}` : ''}`,
  );
  if (phase.hostile) console.log(JSON.stringify(phase.hostile));
  return phase;
}

async function runProbe(): Promise<AbandonResult> {
  const service = await startService();
  const db = new DatabaseSampler(SERVER_URL, DB_NAME);
  try {
    await db.start();
    const { host, port } = hostPort(service);
    return await probeAbandoned(host, port, db, { requests: PROBES, abortAfterMs: ABANDON_AFTER_MS, timeoutMs: HOSTILE_TIMEOUT_MS, settleMs: 10_000, path: '/stats/top?window=3650d' });
  } finally {
    await db.stop();
    await service.stop(15_000);
  }
}

const shares = (kinds: LegitKind[]) => {
  const total = kinds.reduce((sum, k) => sum + k.weight, 0);
  return kinds.map((k) => `${k.name} ${Math.round((k.weight / total) * 100)} %`).join(', ');
};

async function mariadbVersion(): Promise<string> {
  const conn = await mysql.createConnection({ uri: SERVER_URL });
  try {
    const [[row]] = (await conn.query('SELECT VERSION() AS v')) as unknown as [[{ v: string }]];
    return row.v;
  } finally {
    await conn.end();
  }
}

async function main(): Promise<void> {
  await dropDatabases(SERVER_URL, [DB_NAME]);
  try {
    const seeding = await startService();
    let ids: string[];
    let rows: number;
    const seedStarted = performance.now();
    try {
      ids = await seedCatalogue(seeding.url, CATALOGUE);
      rows = await seedAggregates(DATABASE_URL, { assets: ASSETS, periods: PERIODS });
    } finally {
      await seeding.stop(15_000);
    }
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    console.log(`seeded ${CATALOGUE} datasets and ${rows} aggregate rows in ${seedSeconds.toFixed(0)} s`);
    const kinds = legitKinds(ids);
    const phases: PhaseResult[] = [];
    for (const level of [undefined, ...LEVELS]) phases.push(await runPhase(kinds, level));
    const probe = await runProbe();
    console.log('abandoned-query probe:', JSON.stringify(probe));

    const targets = { containerMiB: CONTAINER_MIB, p99Factor: 2 };
    const v = verdicts(phases, probe, targets);
    // The main knobs always, and every other BENCH_ variable the run was given (the database URL aside).
    const given = Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_') && !['BENCH_SECONDS', 'BENCH_RATE', 'BENCH_LEVELS', 'BENCH_MYSQL_URL'].includes(k));
    const env = [`BENCH_SECONDS=${SECONDS} BENCH_RATE=${RATE} BENCH_LEVELS=${LEVELS.join(',')}`, ...given.map(([k, v]) => `${k}=${v}`)].join(' ');
    const markdown = `## Hostile traffic beside legitimate traffic (\`npm run bench:hostile\`)

Command: \`${env} npm run bench:hostile\` — ${machineLine()}; MariaDB ${await mariadbVersion()}.
The built service in its deployed configuration (one process, \`LOG_LEVEL=info\` to /dev/null, default pool of 10),
with \`NODE_OPTIONS=--max-old-space-size=${HEAP_MIB}\`: three quarters of the manifests' ${CONTAINER_MIB} MiB limit for V8's heap,
the rest for the young generation, code and native memory. A fresh service per run, pinned to core 0; the bench on core 1
(the hostile clients in a process of their own); MariaDB unpinned. One database: ${CATALOGUE} datasets created over HTTP and
${rows.toLocaleString('en')} aggregate rows: 8 types × ${ASSETS} assets × ${PERIODS} periods in each of months (churning popularity,
drawn afresh per period: what long windows read), days, hours and minutes (one skewed ranking with ±25 % noise per
period: what the legitimate 24 h and 7 d windows read); days and months marked rolled up; seeded in ${seedSeconds.toFixed(0)} s.

Legitimate mix, open loop at ${RATE} req/s for ${SECONDS} s after ${WARMUP_SECONDS} s of warm-up, latency from each request's
scheduled send time (no coordinated omission), ${LEGIT_TIMEOUT_MS / 1000} s client timeout: ${shares(kinds)}. Hostile mix for the same ${SECONDS} s, each kind from its own clients (one request at a time each;
the cheap kinds paced), ${HOSTILE_TIMEOUT_MS / 1000} s client timeout. \`/ready\` polled every 250 ms with a 2 s timeout;
RSS from /proc every 100 ms (and VmHWM); Threads_running and the processlist every 100 ms.

${reportTables(phases, probe, targets)}

Targets: no 5xx and no failed \`/ready\` at any point ${v.no5xxNoReadyFailure ? '(met)' : '(missed)'}; legit p99 ≤ 2× alone
${v.p99 ? '(met)' : '(missed)'}; RSS peak < ${CONTAINER_MIB} MiB ${v.rss ? '(met)' : '(missed)'}; every query that outlived its client
cancelled within 1 s ${v.abandoned ? '(met)' : '(missed)'}.`;
    console.log(`\n${markdown}\n`);
    writeSection('hostile', markdown);
  } finally {
    await dropDatabases(SERVER_URL, [DB_NAME]);
  }
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
