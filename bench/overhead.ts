/**
 * `npm run bench:overhead`: what telemetry costs, side by side in one run.
 *
 * Variants (the same built service, the same routes): bare (ENABLE_METRICS=false, OTEL_SDK_DISABLED=true) vs the
 * default configuration vs tracing on (OTLP to a local sink) vs the tracing instrumentations loaded with the
 * sampler off. Routes: the no-op `GET /health` and the DB-backed `GET /datasets/{id}`. The server is pinned to
 * core 0, wrk and the fixed-rate generator to core 1; rounds are interleaved and medians reported.
 * Also: time to render a /metrics scrape holding 1000 HTTP series, ours vs OpenTelemetry's serializer.
 *
 * BENCH_SECONDS (default 8) per measurement, BENCH_ROUNDS (default 3).
 */
import http from 'node:http';
import zlib from 'node:zlib';
import mysql from 'mysql2/promise';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { HttpMetrics, HttpMetricsProducer, renderPrometheusText } from '../src/telemetry/http-metrics';
import { fixedRate, wrkThroughput } from './lib/load';
import { machineLine, median, writeSection } from './lib/report';
import { ServerProcess } from './lib/server-process';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RATE = 1000;
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/bench_overhead';

async function otlpSink(): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  cpuUsPerReq: number;
  cpuCorePct: number;
}

async function measureOverhead(): Promise<string> {
  const sink = await otlpSink();
  const tracingEnv = { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' };
  const variants: Array<{ name: string; env: Record<string, string> }> = [
    { name: 'bare (no telemetry)', env: { ENABLE_METRICS: 'false', OTEL_SDK_DISABLED: 'true' } },
    { name: 'default (metrics on)', env: {} },
    { name: 'tracing on (100 % sampled, OTLP)', env: tracingEnv },
    { name: 'tracing instrumentations, sampler off', env: { ...tracingEnv, OTEL_TRACES_SAMPLER: 'always_off' } },
  ];

  // One asset to read on the DB-backed route.
  const seed = new ServerProcess({ DATABASE_URL });
  await seed.start('/ready');
  const created = (await (
    await fetch(`${seed.url}/datasets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"bench"}' })
  ).json()) as { identifier: string };
  await seed.stop();
  const routes = [
    { name: 'no-op `GET /health`', path: '/health' },
    { name: 'DB `GET /datasets/{id}`', path: `/datasets/${created.identifier}` },
  ];

  // All variants run at once (pinned to core 0, idle while another is measured) and are measured in alternating
  // short slices, so that each variant's slice has a bare slice next to it in time: the machine's drift hits both.
  const servers = variants.map((variant) => new ServerProcess({ DATABASE_URL, ...variant.env }));
  for (const server of servers) await server.start('/ready');
  const samples = new Map<string, Sample[]>();
  for (const route of routes) {
    for (const server of servers) wrkThroughput(`${server.url}${route.path}`, 2); // warm-up: JIT, pool
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [i, variant] of variants.entries()) {
        const server = servers[i] as ServerProcess;
        const url = `${server.url}${route.path}`;
        const rps = wrkThroughput(url, SECONDS);
        const cpuBefore = server.cpuSeconds();
        const wallBefore = performance.now();
        const fixed = await fixedRate(url, RATE, SECONDS);
        const cpu = server.cpuSeconds() - cpuBefore;
        const wall = (performance.now() - wallBefore) / 1000;
        if (fixed.errors > 0) throw new Error(`${fixed.errors} errors at fixed rate on ${variant.name} ${route.name}`);
        const sample = { rps, p50: fixed.p50Ms, p99: fixed.p99Ms, cpuUsPerReq: (cpu / fixed.sent) * 1e6, cpuCorePct: (cpu / wall) * 100 };
        const key = `${variant.name}|${route.name}`;
        samples.set(key, [...(samples.get(key) ?? []), sample]);
        console.log(`round ${round} ${variant.name} ${route.name}: ${JSON.stringify(sample)}`);
      }
    }
  }
  for (const server of servers) await server.stop();
  sink.close();

  const lines: string[] = [];
  for (const route of routes) {
    const med = (variant: string, field: keyof Sample) => median((samples.get(`${variant}|${route.name}`) ?? []).map((s) => s[field]));
    const bare = variants[0]!.name;
    // Median of the per-round ratios: each round's slices are adjacent in time.
    const pairedRatio = (variant: string) => {
      const a = samples.get(`${variant}|${route.name}`) ?? [];
      const b = samples.get(`${bare}|${route.name}`) ?? [];
      return median(a.map((s, i) => s.rps / (b[i]?.rps ?? Number.NaN)));
    };
    lines.push(
      `#### ${route.name}`,
      '',
      '| variant | saturation req/s | vs bare | p50 ms @1000/s | p99 ms @1000/s | Δp99 ms | CPU % of a core @1000/s | Δ CPU (points) | CPU µs/req |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const variant of variants) {
      const v = variant.name;
      const ratio = pairedRatio(v);
      lines.push(
        `| ${v} | ${med(v, 'rps').toFixed(0)} | ${v === bare ? '—' : `${((ratio - 1) * 100).toFixed(1)} %`} | ${med(v, 'p50').toFixed(2)} | ${med(v, 'p99').toFixed(2)} | ${v === bare ? '—' : (med(v, 'p99') - med(bare, 'p99')).toFixed(2)} | ${med(v, 'cpuCorePct').toFixed(1)} | ${v === bare ? '—' : (med(v, 'cpuCorePct') - med(bare, 'cpuCorePct')).toFixed(1)} | ${med(v, 'cpuUsPerReq').toFixed(0)} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

function fillRegistry(methodSeries: number): HttpMetrics {
  const metrics = new HttpMetrics({ durationBuckets: [0.05, 0.1, 0.3, 1, 3, 5], groupStatusCodes: false, excludedHandlers: [] });
  const methods = ['GET', 'POST', 'PUT', 'DELETE'];
  for (let i = 0; i < methodSeries; i++) {
    const h = metrics.handlerSeries(`/v2/resource_${Math.floor(i / methods.length)}/:id`)!;
    const m = metrics.methodSeries(h, methods[i % methods.length]!);
    metrics.recordRequest(h, m, 200, Math.random(), 100, 1000);
  }
  return metrics;
}

async function measureScrape(): Promise<string> {
  const metrics = fillRegistry(1000);
  const options = { namespace: '', subsystem: '', customLabels: {} };
  const time = async (fn: () => unknown | Promise<unknown>, n: number) => {
    const t: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      await fn();
      t.push(performance.now() - s);
    }
    return median(t);
  };
  const ours = renderPrometheusText(metrics, options);
  const producer = new HttpMetricsProducer(metrics, options);
  const serializer = new PrometheusSerializer(undefined, false, undefined, true, true);
  const otel = serializer.serialize((await producer.collect()).resourceMetrics);
  const samples = ours.split('\n').filter((l) => l && !l.startsWith('#')).length;
  const oursMs = await time(() => renderPrometheusText(metrics, options), 50);
  const oursGzipMs = await time(() => zlib.gzipSync(renderPrometheusText(metrics, options)), 50);
  const otelMs = await time(async () => serializer.serialize((await producer.collect()).resourceMetrics), 10);
  return [
    '| renderer (1000 handler×method series, ' + `${samples} sample lines, ${(ours.length / 1024).toFixed(0)} KiB) | median ms |`,
    '|---|---:|',
    `| OpenTelemetry PrometheusSerializer (baseline; ${(otel.length / 1024).toFixed(0)} KiB) | ${otelMs.toFixed(1)} |`,
    `| ours: renderPrometheusText | ${oursMs.toFixed(1)} |`,
    `| ours + gzip (what Prometheus receives) | ${oursGzipMs.toFixed(1)} |`,
  ].join('\n');
}

async function main(): Promise<void> {
  const conn = await mysql.createConnection({ uri: DATABASE_URL.replace(/\/[^/]*$/, '/') });
  await conn.query(`DROP DATABASE IF EXISTS \`${new URL(DATABASE_URL).pathname.slice(1)}\``);
  await conn.end();
  const scrape = await measureScrape();
  console.log(scrape);
  const overhead = await measureOverhead();
  console.log(overhead);
  writeSection(
    'overhead',
    `## Telemetry overhead (\`npm run bench:overhead\`)

Command: \`BENCH_SECONDS=${SECONDS} BENCH_ROUNDS=${ROUNDS} npm run bench:overhead\` — ${machineLine()}.
Servers pinned to core 0 (\`taskset -c 0\`), all running at once and measured in alternating slices; wrk (1 thread,
32 connections) and the open-loop 1000 req/s generator on core 1; MariaDB unpinned. ${ROUNDS} rounds of ${SECONDS} s
slices; "vs bare" is the median of per-round throughput ratios (adjacent slices), other columns are medians.
LOG_LEVEL=warn in every variant. "Δ CPU (points)" is the extra share of one core used at 1000 req/s.

${overhead}
#### Scrape cost

${scrape}`,
  );
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
