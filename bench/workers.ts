/**
 * `npm run bench:workers`: what running as a group of worker processes costs.
 *
 * 1. Saturation, side by side in the same run: the service as one process (WEB_CONCURRENCY=1) and as a primary with
 *    two workers (WEB_CONCURRENCY=2), each pinned to both cores, wrk (1 thread) sharing them; no-op `GET /health`
 *    and DB `GET /datasets/{id}`, metrics and access log on, a scrape every second during each slice. Throughput and
 *    CPU µs per request (the whole process group's, from /proc) in rotated slices, median of per-round ratios.
 * 2. The group scrape of 1000 handler×method series across two workers, in process: each worker's snapshot, the
 *    JSON round trip IPC makes of it, the sum, the render and gzip — against one process rendering its own.
 */
import zlib from 'node:zlib';
import { groupHttpMetrics } from '../src/cluster/group-metrics';
import type { GroupMetrics } from '../src/cluster/messages';
import { HttpMetrics, renderPrometheusText, snapshotHttpMetrics } from '../src/telemetry/http-metrics';
import { METRICS_GZIP_LEVEL } from '../src/telemetry/metrics-route';
import { dropDatabases } from './lib/databases';
import { wrkThroughput } from './lib/load';
import { machineLine, median, medianChange, writeSection } from './lib/report';
import { rotated } from './lib/rounds';
import { ServerProcess } from './lib/server-process';
import { timeRuns } from './lib/timing';

const SERVER_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';
const DB_NAME = 'bench_workers';
const DATABASE_URL = `${SERVER_URL.replace(/\/$/, '')}/${DB_NAME}`;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

function syntheticMetrics(seed: number): HttpMetrics {
  const metrics = new HttpMetrics({ durationBuckets: [0.05, 0.1, 0.3, 1, 3, 5], groupStatusCodes: false, excludedHandlers: [] });
  const methods = ['GET', 'POST', 'PUT', 'DELETE'];
  for (let h = 0; h < 250; h++) {
    const handler = metrics.handlerSeries(`/route${h}/:id`);
    if (handler === null) continue;
    for (const method of methods) {
      const series = metrics.methodSeries(handler, method);
      for (let i = 0; i < 4; i++) metrics.recordRequest(handler, series, [200, 404, 500, 201][(i + seed) % 4] as number, 0.001 * (i + 1), 100, 2000);
    }
  }
  return metrics;
}

async function measureGroupScrape(): Promise<string> {
  const workers = [syntheticMetrics(0), syntheticMetrics(1)];
  const single = workers[0] as HttpMetrics;
  const options = { namespace: '', subsystem: '', customLabels: {} };
  const gzip = (text: string) => zlib.gzipSync(text, { level: METRICS_GZIP_LEVEL });
  const singleMs = await timeRuns(30, () => gzip(renderPrometheusText(single, options)));
  const groupMs = await timeRuns(30, () => {
    // What the two workers send and the scraping worker receives: the snapshot through JSON, as IPC carries it.
    const live = workers.map((w, i) => ({ worker: i + 1, snapshot: JSON.parse(JSON.stringify({ http: snapshotHttpMetrics(w), sdk: [] })) }));
    const group: GroupMetrics = { live, kept: [], series: [] };
    return gzip(renderPrometheusText(groupHttpMetrics(single.options, group), options));
  });
  return `| scrape, 1000 handler×method series (in process, medians of 30) | ms |
|---|---:|
| one process: render + gzip | ${median(singleMs.slice(5)).toFixed(1)} |
| **two workers: 2 snapshots + JSON round trip + sum + render + gzip** | **${median(groupMs.slice(5)).toFixed(1)}** |

Target: ≤ 30 ms for the group scrape.`;
}

async function measureSaturation(): Promise<string> {
  const env = { DATABASE_URL, LOG_LEVEL: 'warn', ACCESS_LOG_FLUSH_INTERVAL_MS: '1000' };
  // The same two-worker group measured scraped and not scraped, in turn: the difference is what aggregation costs.
  const one = new ServerProcess({ ...env, WEB_CONCURRENCY: '1' }, '0,1');
  const group = new ServerProcess({ ...env, WEB_CONCURRENCY: '2' }, '0,1');
  const variants = [
    { name: 'one process (WEB_CONCURRENCY=1), scraped', server: one, scraped: true },
    { name: 'primary + 2 workers, scraped', server: group, scraped: true },
    { name: 'primary + 2 workers, not scraped', server: group, scraped: false },
  ];
  const servers = [one, group];
  for (const server of servers) await server.start('/ready');
  const created = (await (await fetch(`${servers[0]!.url}/datasets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"bench"}' })).json()) as {
    identifier: string;
  };
  const routes = [
    { name: 'no-op `GET /health`', path: '/health' },
    { name: 'DB `GET /datasets/{id}`', path: `/datasets/${created.identifier}` },
  ];
  const results = new Map<string, Array<{ rps: number; cpuUs: number }>>();
  for (const route of routes) {
    for (const server of servers) wrkThroughput(`${server.url}${route.path}`, 2, '0,1'); // warm-up
    for (let round = 1; round <= ROUNDS; round++) {
      for (const i of rotated(variants.length, round)) {
        const { server, scraped } = variants[i]!;
        // A scrape a second while loaded (15 × Prometheus' default rate): the aggregation's cost is in the CPU.
        const scraping = scraped ? setInterval(() => void fetch(`${server.url}/metrics`).then((r) => r.arrayBuffer()).catch(() => undefined), 1000) : undefined;
        const cpuBefore = server.cpuSeconds();
        const rps = wrkThroughput(`${server.url}${route.path}`, SECONDS, '0,1');
        const cpuUs = ((server.cpuSeconds() - cpuBefore) / (rps * SECONDS)) * 1e6;
        clearInterval(scraping);
        const key = `${variants[i]!.name}|${route.name}`;
        results.set(key, [...(results.get(key) ?? []), { rps, cpuUs }]);
        console.log(`round ${round} ${key}: ${rps.toFixed(0)} req/s, ${cpuUs.toFixed(1)} µs/request`);
      }
    }
  }
  for (const server of servers) await server.stop();
  const rows: string[] = [];
  const [oneName, scrapedName, quietName] = variants.map((v) => v.name) as [string, string, string];
  for (const route of routes) {
    const of = (v: string) => results.get(`${v}|${route.name}`) ?? [];
    const ratios = (a: string, b: string, field: 'rps' | 'cpuUs') => of(a).map((s, i) => s[field] / (of(b)[i]?.[field] ?? Number.NaN));
    const cell = (v: string) => `${median(of(v).map((s) => s.rps)).toFixed(0)} | ${median(of(v).map((s) => s.cpuUs)).toFixed(1)}`;
    rows.push(
      `| ${route.name} | ${oneName} | ${cell(oneName)} | — | — |`,
      `| ${route.name} | ${quietName} | ${cell(quietName)} | ${medianChange(ratios(quietName, oneName, 'cpuUs'))} | — |`,
      `| ${route.name} | ${scrapedName} | ${cell(scrapedName)} | ${medianChange(ratios(scrapedName, oneName, 'cpuUs'))} | **${medianChange(ratios(scrapedName, quietName, 'cpuUs'))}** |`,
    );
  }
  return `| route | server | req/s | CPU µs/request (group) | CPU/request vs one process | **aggregation: scraped vs not scraped** |
|---|---|---:|---:|---:|---:|
${rows.join('\n')}

Target: aggregation costs ≤ 5 % CPU per request (the last column: the same group, scraped every second or not).
The group-vs-one-process column is context: two processes and wrk sharing two cores at saturation.`;
}

async function main(): Promise<void> {
  await dropDatabases(SERVER_URL, [DB_NAME]);
  let scrape: string, saturation: string;
  try {
    scrape = await measureGroupScrape();
    console.log(scrape);
    saturation = await measureSaturation();
    console.log(saturation);
  } finally {
    await dropDatabases(SERVER_URL, [DB_NAME]);
  }
  writeSection(
    'workers',
    `## Worker processes (\`npm run bench:workers\`)

Command: \`npm run bench:workers\` (BENCH_ROUNDS=${ROUNDS}, BENCH_SECONDS=${SECONDS}) — ${machineLine()}.
Both servers on both cores (\`taskset -c 0,1\`) with wrk (1 thread, 32 connections) on the same two cores; metrics and
access log on; a scrape every second during each slice. Slices of ${SECONDS} s in rotated order, ${ROUNDS} rounds;
"vs one process" is the median of per-round ratios with a 90 % bootstrap interval. CPU is the whole group's:
primary and workers.

${saturation}

${scrape}`,
  );
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
