/**
 * `npm run bench:floor`: the service's own request path against the floor — tiny reference servers built from the
 * project's own dependencies (`bench/floor/`): bare Koa + @koa/router for the no-op route, bare node:http + mysql2 for
 * the database reads — and the service in its default configuration (metrics on, access log on, LOG_LEVEL=info with
 * the request log going to /dev/null as a file would take it). Every server pinned to core 0 and measured in rotated
 * slices at saturation with wrk (1 thread, 32 connections) on core 1; CPU µs per request from /proc; the ratio to the
 * floor is the median of per-round ratios with a 90 % bootstrap interval.
 *
 * Then the ways a request log line can reach stdout, on `/health` (where the line is most of the work): CPU per
 * request of every process together (a worker group's primary and workers), each against the per-turn write of the
 * same setup. The other modes are bench-only preloads (`bench/floor/*.cjs`), not switches of the product: the
 * shared per-turn write splices lines on a slow pipe, and the PIPE_BUF chunks cannot keep a longer line whole.
 */
import path from 'node:path';
import { dropDatabases } from './lib/databases';
import { wrkThroughput } from './lib/load';
import { machineLine, median, medianChange, writeSection } from './lib/report';
import { rotated } from './lib/rounds';
import { ROOT, ServerProcess } from './lib/server-process';

const SERVER_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';
const DB_NAME = 'bench_floor';
const DATABASE_URL = `${SERVER_URL.replace(/\/$/, '')}/${DB_NAME}`;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

async function main(): Promise<void> {
  await dropDatabases(SERVER_URL, [DB_NAME]);
  try {
    const service = new ServerProcess({ DATABASE_URL, LOG_LEVEL: 'info' }, 0, 'dist/main.js', 'ignore');
    await service.start('/ready');
    const post = (name: string) =>
      fetch(`${service.url}/datasets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, keywords: ['bench'] }) }).then(
        (r) => r.json() as Promise<{ identifier: string }>,
      );
    const assets = [];
    for (let i = 0; i < 20; i++) assets.push(await post(`asset ${i}`));
    const id = (assets[0] as { identifier: string }).identifier;
    // Reads, so that the all-time top has entries to list.
    for (let i = 0; i < 200; i++) await (await fetch(`${service.url}/datasets/${assets[i % 20]?.identifier}`)).arrayBuffer();
    await new Promise((r) => setTimeout(r, 1500));
    const koa = new ServerProcess({}, 0, 'bench/floor/bare-koa.cjs');
    const bare = new ServerProcess({ DATABASE_URL }, 0, 'bench/floor/bare-http-mysql.cjs');
    await koa.start('/health');
    await bare.start(`/datasets/${id}`);

    const comparisons = [
      { name: 'no-op `GET /health`', path: '/health', floor: koa, floorName: 'bare Koa + @koa/router', target: 1.4 },
      { name: '`GET /datasets/{id}`', path: `/datasets/${id}`, floor: bare, floorName: 'bare node:http + mysql2', target: 1.6 },
      { name: '`GET /datasets?limit=10`', path: '/datasets?limit=10', floor: bare, floorName: 'bare node:http + mysql2', target: 2 },
      { name: '`GET /stats/top/datasets`', path: '/stats/top/datasets', floor: bare, floorName: 'bare node:http + mysql2', target: 2 },
    ];
    const rows: string[] = [];
    for (const c of comparisons) {
      const servers = [c.floor, service];
      for (const s of servers) wrkThroughput(`${s.url}${c.path}`, 2); // warm-up
      const samples: Array<Array<{ rps: number; cpuUs: number }>> = [[], []];
      for (let round = 1; round <= ROUNDS; round++) {
        for (const i of rotated(servers.length, round)) {
          const server = servers[i] as ServerProcess;
          const cpuBefore = server.cpuSeconds();
          const rps = wrkThroughput(`${server.url}${c.path}`, SECONDS);
          samples[i]!.push({ rps, cpuUs: ((server.cpuSeconds() - cpuBefore) / (rps * SECONDS)) * 1e6 });
        }
      }
      const [floor, ours] = samples as [Array<{ rps: number; cpuUs: number }>, Array<{ rps: number; cpuUs: number }>];
      const ratios = ours.map((s, i) => s.cpuUs / (floor[i]?.cpuUs ?? Number.NaN));
      const ratio = median(ratios);
      const cell = (xs: typeof floor) => `${median(xs.map((x) => x.cpuUs)).toFixed(1)} µs (${median(xs.map((x) => x.rps)).toFixed(0)} req/s)`;
      rows.push(
        `| ${c.name} | ${c.floorName}: ${cell(floor)} | ${cell(ours)} | **${ratio.toFixed(2)}×** ${medianChange(ratios).replace(/^[^(]*/, '').trim()} | ≤ ${c.target}× ${ratio <= c.target ? '(met)' : '(missed)'} |`,
      );
      console.log(rows.at(-1));
    }
    for (const s of [koa, bare]) await s.stop();
    const logRows = await logWriteModes(service);
    await service.stop();
    writeSection(
      'floor',
      `## The request path against the floor (\`npm run bench:floor\`)

Command: \`npm run bench:floor\` (BENCH_ROUNDS=${ROUNDS}, BENCH_SECONDS=${SECONDS}) — ${machineLine()}.
Every server pinned to core 0, wrk (1 thread, 32 connections) on core 1, ${ROUNDS} rounds of ${SECONDS} s slices in rotated
order. The service in its default configuration (metrics and access log on, one request log line per request).
"ours ÷ floor" is the median of per-round ratios of CPU µs per request; in brackets its 90 % bootstrap interval, as a change.

| route | floor: CPU/request (throughput) | ours: CPU/request (throughput) | ours ÷ floor | target |
|---|---|---|---:|---|
${rows.join('\n')}

How a request log line reaches stdout, on \`GET /health\` (CPU of every process of the service, primary and workers,
per request; each mode against the per-turn write of the same setup, per-round ratios; the modes marked bench-only are
preloads in \`bench/floor/\`, not options of the service):

| setup | write mode | CPU/request (throughput) | vs per-turn |
|---|---|---|---:|
${logRows.join('\n')}`,
    );
  } finally {
    await dropDatabases(SERVER_URL, [DB_NAME]);
  }
}

const preload = (...files: string[]) => ({ NODE_OPTIONS: files.map((f) => `--require ${path.join(ROOT, 'bench', 'floor', f)}`).join(' ') });

/** CPU per request on /health of each way of writing the log lines, against the per-turn write of the same setup. */
async function logWriteModes(single: ServerProcess): Promise<string[]> {
  const env = { DATABASE_URL, LOG_LEVEL: 'info' };
  const group = { ...env, WEB_CONCURRENCY: '2' };
  const modes = [
    { setup: 'one process', mode: 'per turn (the service)', server: single, baseline: 0 },
    { setup: 'one process', mode: 'PIPE_BUF chunks (bench-only)', server: new ServerProcess({ ...env, ...preload('pipe-buf-chunks.cjs') }, 0, 'dist/main.js', 'ignore'), baseline: 0 },
    { setup: 'WEB_CONCURRENCY=2', mode: 'per turn to the shared stdout (bench-only: splices lines on a slow pipe)', server: new ServerProcess({ ...group, ...preload('shared-worker-stdout.cjs') }, 0, 'dist/main.js', 'ignore'), baseline: 2 },
    { setup: 'WEB_CONCURRENCY=2', mode: 'per turn to its own pipe, relayed by the primary (the service)', server: new ServerProcess(group, 0, 'dist/main.js', 'ignore'), baseline: 2 },
    {
      setup: 'WEB_CONCURRENCY=2',
      mode: 'PIPE_BUF chunks to the shared stdout (bench-only: a longer line can still be spliced)',
      server: new ServerProcess({ ...group, ...preload('shared-worker-stdout.cjs', 'pipe-buf-chunks.cjs') }, 0, 'dist/main.js', 'ignore'),
      baseline: 2,
    },
  ];
  for (const m of modes) if (m.server !== single) await m.server.start('/ready');
  for (const m of modes) wrkThroughput(`${m.server.url}/health`, 2); // warm-up
  const samples = modes.map(() => [] as Array<{ rps: number; cpuUs: number }>);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const i of rotated(modes.length, round)) {
      const server = (modes[i] as (typeof modes)[number]).server;
      const cpuBefore = server.cpuSeconds();
      const rps = wrkThroughput(`${server.url}/health`, SECONDS);
      samples[i]!.push({ rps, cpuUs: ((server.cpuSeconds() - cpuBefore) / (rps * SECONDS)) * 1e6 });
    }
  }
  for (const m of modes) if (m.server !== single) await m.server.stop();
  return modes.map((m, i) => {
    const own = samples[i] as Array<{ rps: number; cpuUs: number }>;
    const base = samples[m.baseline] as Array<{ rps: number; cpuUs: number }>;
    const change = i === m.baseline ? '—' : medianChange(own.map((s, r) => s.cpuUs / (base[r]?.cpuUs ?? Number.NaN)));
    const row = `| ${m.setup} | ${m.mode} | ${median(own.map((x) => x.cpuUs)).toFixed(1)} µs (${median(own.map((x) => x.rps)).toFixed(0)} req/s) | ${change} |`;
    console.log(row);
    return row;
  });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
