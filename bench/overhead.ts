/**
 * `npm run bench:overhead`: what telemetry costs, side by side in one run.
 *
 * Variants (the same built service, the same routes): bare (ENABLE_METRICS=false, OTEL_SDK_DISABLED=true) vs the
 * default configuration vs tracing on (OTLP to a local sink) vs the tracing instrumentations loaded with the
 * sampler off. Routes: the no-op `GET /health` and the DB-backed `GET /datasets/{id}`. The server is pinned to
 * core 0, wrk and the fixed-rate generator to core 1; rounds are interleaved and medians reported.
 * Also: time to render a /metrics scrape holding 1000 HTTP series, ours vs OpenTelemetry's serializer, and in
 * OpenMetrics with exemplars; the recording path's own CPU per request in process (no network), against the same
 * loop without it, and what recording exemplars adds with tracing on; startup time and memory, tracing off and on.
 * BENCH_OVERHEAD_ONLY=inprocess prints the in-process table alone and writes nothing.
 *
 * Saturation: BENCH_SATURATION_ROUNDS (20) alternating slices of BENCH_SATURATION_SECONDS (2) per variant.
 * Fixed rate: BENCH_ROUNDS (3) slices of BENCH_SECONDS (8) per variant.
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import zlib from 'node:zlib';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import type { Context } from 'koa';
import { HttpMetrics, HttpMetricsProducer, httpMetricsSubscriber, renderPrometheusText } from '../src/telemetry/http-metrics';
import Router from '@koa/router';
import { createNoopMeter, context, trace, ROOT_CONTEXT, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AccessLogWriter } from '../src/access-log/access-log-writer';
import { accessLogSubscriber } from '../src/access-log/access-log-subscriber';
import { assetTargetOf } from '../src/catalogue/asset-target';
import { AssetRoutes } from '../src/http/asset-routes';
import { RequestObserver } from '../src/http/request-observer';
import { createLogger } from '../src/lifecycle/logger';
import { METRICS_GZIP_LEVEL } from '../src/telemetry/metrics-route';
import { fixedRate, wrkThroughput } from './lib/load';
import { machineLine, median, medianChange, writeSection } from './lib/report';
import { rotated } from './lib/rounds';
import { ROOT, ServerProcess } from './lib/server-process';
import { freePort } from '../test/support/free-port';
import { timeRuns } from './lib/timing';
import { dropDatabases } from './lib/databases';
import { fillRegistry } from './lib/http-metrics-fill';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RATE = 1000;
const SATURATION_ROUNDS = Number(process.env.BENCH_SATURATION_ROUNDS ?? 20);
const SATURATION_SECONDS = Number(process.env.BENCH_SATURATION_SECONDS ?? 2);
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
    // The same bare server twice: how far two identical servers differ here is the noise floor for every row.
    { name: 'bare again (noise floor)', env: { ENABLE_METRICS: 'false', OTEL_SDK_DISABLED: 'true' } },
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
  const saturation = new Map<string, Array<{ rps: number; cpuUs: number }>>();
  const fixedRateErrors: string[] = [];
  for (const route of routes) {
    for (const server of servers) wrkThroughput(`${server.url}${route.path}`, 2); // warm-up: JIT, pool
    // Saturation: many short slices, variants in turn, so each has a bare slice seconds away (the machine drifts).
    for (let round = 1; round <= SATURATION_ROUNDS; round++) {
      for (const i of rotated(variants.length, round)) {
        const variant = variants[i]!;
        const server = servers[i] as ServerProcess;
        const cpuBefore = server.cpuSeconds();
        const rps = wrkThroughput(`${server.url}${route.path}`, SATURATION_SECONDS);
        const cpuUs = ((server.cpuSeconds() - cpuBefore) / (rps * SATURATION_SECONDS)) * 1e6;
        const key = `${variant.name}|${route.name}`;
        saturation.set(key, [...(saturation.get(key) ?? []), { rps, cpuUs }]);
      }
    }
    // Fixed 1000 req/s: latency percentiles and CPU share.
    for (let round = 1; round <= ROUNDS; round++) {
      for (const i of rotated(variants.length, round)) {
        const variant = variants[i]!;
        const server = servers[i] as ServerProcess;
        const url = `${server.url}${route.path}`;
        const cpuBefore = server.cpuSeconds();
        const wallBefore = performance.now();
        const fixed = await fixedRate(url, RATE, SECONDS);
        const cpu = server.cpuSeconds() - cpuBefore;
        const wall = (performance.now() - wallBefore) / 1000;
        // A few failed requests in thousands are reported under the table; more means the numbers are not worth
        // writing down.
        if (fixed.errors > 0) fixedRateErrors.push(`${variant.name}, ${route.name}, round ${round}: ${fixed.errors} of ${fixed.sent} (${JSON.stringify(fixed.errorKinds)})`);
        if (fixed.errors > fixed.sent * 0.01) throw new Error(`${fixed.errors} errors at fixed rate on ${variant.name} ${route.name}: ${JSON.stringify(fixed.errorKinds)}`);
        const sample = { p50: fixed.p50Ms, p99: fixed.p99Ms, cpuUsPerReq: (cpu / fixed.sent) * 1e6, cpuCorePct: (cpu / wall) * 100 };
        const key = `${variant.name}|${route.name}`;
        samples.set(key, [...(samples.get(key) ?? []), sample]);
        console.log(`round ${round} ${variant.name} ${route.name}: ${JSON.stringify(sample)}`);
      }
    }
  }
  for (const server of servers) await server.stop();
  sink.close();

  const lines: string[] = [];
  const bare = variants[0]!.name;
  for (const route of routes) {
    const med = (variant: string, field: keyof Sample) => median((samples.get(`${variant}|${route.name}`) ?? []).map((s) => s[field]));
    const sat = (variant: string) => saturation.get(`${variant}|${route.name}`) ?? [];
    // Median of per-round ratios against the bare slice of the same round.
    const ratios = (variant: string, field: 'rps' | 'cpuUs') => sat(variant).map((s, i) => s[field] / (sat(bare)[i]?.[field] ?? Number.NaN));
    const paired = (variant: string, field: 'rps' | 'cpuUs') => medianChange(ratios(variant, field));
    lines.push(
      `#### ${route.name}`,
      '',
      '| variant | saturation req/s | throughput vs bare | CPU µs/req at saturation | vs bare | p50 ms @1000/s | p99 ms @1000/s | Δp99 ms | CPU % of a core @1000/s | Δ (points) |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const variant of variants) {
      const v = variant.name;
      const isBare = v === bare;
      lines.push(
        `| ${v} | ${median(sat(v).map((s) => s.rps)).toFixed(0)} | ${isBare ? '—' : paired(v, 'rps')} | ${median(sat(v).map((s) => s.cpuUs)).toFixed(1)} | ${isBare ? '—' : paired(v, 'cpuUs')} | ${med(v, 'p50').toFixed(2)} | ${med(v, 'p99').toFixed(2)} | ${isBare ? '—' : (med(v, 'p99') - med(bare, 'p99')).toFixed(2)} | ${med(v, 'cpuCorePct').toFixed(1)} | ${isBare ? '—' : (med(v, 'cpuCorePct') - med(bare, 'cpuCorePct')).toFixed(1)} |`,
      );
    }
    lines.push('');
  }
  lines.push(
    fixedRateErrors.length === 0
      ? 'Failed requests at the fixed rate: none.'
      : `Failed requests at the fixed rate (left out of the percentiles): ${fixedRateErrors.join('; ')}.`,
    '',
  );
  return lines.join('\n');
}

async function measureScrape(): Promise<string> {
  const metrics = fillRegistry(1000);
  const options = { namespace: '', subsystem: '', customLabels: {} };
  const time = async (fn: () => unknown, n: number) => median(await timeRuns(n, fn));
  const ours = renderPrometheusText(metrics, options);
  const producer = new HttpMetricsProducer(metrics, options);
  const serializer = new PrometheusSerializer(undefined, false, undefined, true, true);
  const otel = serializer.serialize((await producer.collect()).resourceMetrics);
  const samples = ours.split('\n').filter((l) => l && !l.startsWith('#')).length;
  const oursMs = await time(() => renderPrometheusText(metrics, options), 50);
  const oursGzipMs = await time(() => zlib.gzipSync(renderPrometheusText(metrics, options), { level: METRICS_GZIP_LEVEL }), 50);
  const oursGzipDefaultMs = await time(() => zlib.gzipSync(renderPrometheusText(metrics, options)), 50);
  const gzipBytes = zlib.gzipSync(ours, { level: METRICS_GZIP_LEVEL }).length;
  const gzipDefaultBytes = zlib.gzipSync(ours).length;
  const otelMs = await time(async () => serializer.serialize((await producer.collect()).resourceMetrics), 10);
  // OpenMetrics with an exemplar on every series that has observations (tracing on, every request sampled).
  const traced = fillRegistry(1000, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' });
  const om = renderPrometheusText(traced, options, true);
  const omGzipMs = await time(() => zlib.gzipSync(renderPrometheusText(traced, options, true), { level: METRICS_GZIP_LEVEL }), 50);
  const exemplarLines = om.split('\n').filter((l) => l.includes(' # {')).length;
  return [
    '| renderer (1000 handler×method series, ' + `${samples} sample lines, ${(ours.length / 1024).toFixed(0)} KiB) | median ms |`,
    '|---|---:|',
    `| OpenTelemetry PrometheusSerializer (baseline; ${(otel.length / 1024).toFixed(0)} KiB) | ${otelMs.toFixed(1)} |`,
    `| ours: renderPrometheusText | ${oursMs.toFixed(1)} |`,
    `| ours + gzip at zlib's default level 6 (before; ${(gzipDefaultBytes / 1024).toFixed(0)} KiB sent) | ${oursGzipDefaultMs.toFixed(1)} |`,
    `| **ours + gzip at level ${METRICS_GZIP_LEVEL} (what Prometheus receives; ${(gzipBytes / 1024).toFixed(0)} KiB sent)** | **${oursGzipMs.toFixed(1)}** |`,
    `| **OpenMetrics with exemplars (${exemplarLines} lines carry one; ${(om.length / 1024).toFixed(0)} KiB) + gzip at level ${METRICS_GZIP_LEVEL}** | **${omGzipMs.toFixed(1)}** |`,
  ].join('\n');
}

/**
 * The recording path's own JavaScript cost per request, in process and free of network noise: the request observer
 * (its two middlewares and the close listener) feeding the HTTP-metrics subscriber, and then also the access-log
 * subscriber (asset from the real router layer's parameters, row queued), against the same loop with no middleware.
 * A plain EventEmitter stands in for Node's response, so this is our code's cost, not the socket's.
 */
async function measureMiddlewareCost(): Promise<string> {
  const metrics = new HttpMetrics({ durationBuckets: [0.05, 0.1, 0.3, 1, 3, 5], groupStatusCodes: false, excludedHandlers: [] });
  const logger = createLogger('silent');
  const router = new Router();
  router.get('/datasets/:id', () => undefined);
  const layer = router.stack[0];
  const assetRoutes = new AssetRoutes();
  assetRoutes.add(router, '/datasets/:id', (params) => assetTargetOf('datasets', params.id));
  const writer = new AccessLogWriter({ insertBatch: async () => undefined }, { flushIntervalMs: 1000, batchSize: 500, maxQueue: 10_000_000, shutdownTimeoutMs: 0 }, createNoopMeter(), logger);
  const metricsOnly = new RequestObserver({ logger, subscribers: [httpMetricsSubscriber(metrics)] });
  // Tracing on: the observer keeps the request's span; sampled, the metrics record its exemplars.
  const tracedMetrics = new RequestObserver({ logger, subscribers: [httpMetricsSubscriber(metrics)], captureSpan: true });
  const withAccessLog = new RequestObserver({
    logger,
    subscribers: [httpMetricsSubscriber(metrics), accessLogSubscriber(writer)],
    assets: { routes: assetRoutes, unrouted: () => undefined },
  });
  class FakeResponse extends EventEmitter {
    writableFinished = true;
    statusCode = 200;
    getHeader(): string {
      return '15';
    }
  }
  const requests = 1_000_000;
  const id = 'data_p7v02a70CbBGKk29T8przBjf';
  const path = `/datasets/${id}`;
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const spanContextOf = (traceFlags: number) => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags });
  const run = async (observer: RequestObserver | undefined, traceFlags?: number): Promise<number> => {
    const before = process.cpuUsage();
    for (let i = 0; i < requests; i++) {
      if (traceFlags !== undefined) {
        // As the http instrumentation runs the request: inside the context of its span.
        await context.with(trace.setSpanContext(ROOT_CONTEXT, spanContextOf(traceFlags)), async () => {
          const res = new FakeResponse();
          const ctx = { res, req: { headers: {} }, state: {}, method: 'GET', path, matched: [layer], _matchedRoute: layer?.path, params: { id } } as unknown as Context;
          await observer?.middleware(ctx, async () => observer.routeEntered(ctx));
          res.emit('close');
        });
        continue;
      }
      const res = new FakeResponse();
      // What the router leaves on the context once the route ran: its layers, its template and its parameters.
      const ctx = { res, req: { headers: {} }, state: {}, method: 'GET', path, matched: [layer], _matchedRoute: layer?.path, params: { id } } as unknown as Context;
      if (observer) await observer.middleware(ctx, async () => observer.routeEntered(ctx));
      else await (async () => undefined)();
      res.emit('close');
      if (i % 500 === 499) await writer.flush(); // a batch at a time, as the writer does between requests
    }
    const used = process.cpuUsage(before);
    return ((used.user + used.system) * 1000) / requests;
  };
  const base: number[] = [];
  const withMetrics: number[] = [];
  const withBoth: number[] = [];
  const tracedUnsampled: number[] = [];
  const tracedSampled: number[] = [];
  for (let round = 0; round < 5; round++) {
    base.push(await run(undefined));
    withMetrics.push(await run(metricsOnly));
    withBoth.push(await run(withAccessLog));
    tracedUnsampled.push(await run(tracedMetrics, TraceFlags.NONE));
    tracedSampled.push(await run(tracedMetrics, TraceFlags.SAMPLED));
  }
  contextManager.disable();
  context.disable();
  await writer.flush();
  const recorded = metrics.handlerSeries('/datasets/:id')?.methods.get('GET')?.duration.count ?? 0;
  if (recorded !== requests * 20) throw new Error(`recorded ${recorded} of ${requests * 20} requests`);
  const exemplars = metrics.handlerSeries('/datasets/:id')?.methods.get('GET')?.duration.exemplars?.filter(Boolean).length ?? 0;
  if (exemplars === 0) throw new Error('the sampled requests left no exemplar');
  if (writer.stats.written !== requests * 5) throw new Error(`access log queued ${writer.stats.written} of ${requests * 5} rows`);
  return `| loop (${requests.toLocaleString('en')} requests × 5 rounds, medians) | ns/request |
|---|---:|
| baseline: no middleware | ${median(base).toFixed(0)} |
| request observer + HTTP-metrics subscriber | ${median(withMetrics).toFixed(0)} |
| request observer + HTTP-metrics and access-log subscribers (asset from the route's parameters) | ${median(withBoth).toFixed(0)} |
| **our recording path's own cost (metrics)** | **${(median(withMetrics) - median(base)).toFixed(0)}** |
| **our recording path's own cost (metrics + access log)** | **${(median(withBoth) - median(base)).toFixed(0)}** |
| tracing on: observer (keeps the span) + HTTP-metrics subscriber, request not sampled | ${median(tracedUnsampled).toFixed(0)} |
| tracing on: the same, request sampled (exemplars recorded) | ${median(tracedSampled).toFixed(0)} |
| **recording the exemplars (sampled − not sampled)** | **${(median(tracedSampled) - median(tracedUnsampled)).toFixed(0)}** |`;
}

/** Resident memory of a process now, from /proc (Linux). */
function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/**
 * Startup: process start → `/ready` answering 200 (database migrated), and resident memory at that moment, with
 * tracing off (the default: the instrumentation metapackage is not loaded) and on. Rounds alternate.
 */
async function measureStartup(): Promise<string> {
  const sink = await otlpSink();
  const variants = [
    { name: 'tracing off (default)', env: {} },
    { name: 'tracing on (OTLP; http, koa, mysql2 instrumentations)', env: { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } },
  ];
  const results = new Map<string, Array<{ ms: number; rss: number }>>();
  for (let round = 1; round <= 7; round++) {
    for (const i of rotated(variants.length, round)) {
      const variant = variants[i]!;
      const port = await freePort();
      const started = performance.now();
      const child = spawn('taskset', ['-c', '0', process.execPath, 'dist/main.js'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', DATABASE_URL, ...variant.env },
        stdio: 'ignore',
      });
      for (;;) {
        const ok = await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.status === 200, () => false);
        if (ok) break;
        if (performance.now() - started > 30_000) throw new Error(`${variant.name}: not ready in 30 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
      const ms = performance.now() - started;
      const rss = rssMiB(child.pid as number);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      results.set(variant.name, [...(results.get(variant.name) ?? []), { ms, rss }]);
    }
  }
  sink.close();
  const rows = variants.map((v) => {
    const r = results.get(v.name) ?? [];
    return `| ${v.name} | ${median(r.map((x) => x.ms)).toFixed(0)} | ${median(r.map((x) => x.rss)).toFixed(0)} |`;
  });
  return `| startup, 7 alternating runs, medians | process start → /ready 200, ms | RSS when ready, MiB |
|---|---:|---:|
${rows.join('\n')}`;
}

async function main(): Promise<void> {
  const serverUrl = DATABASE_URL.replace(/\/[^/]*$/, '/');
  const databaseName = new URL(DATABASE_URL).pathname.slice(1);
  if (process.env.BENCH_OVERHEAD_ONLY === 'inprocess') {
    // A quick look at the recording path alone while working on it; writes nothing.
    console.log(await measureMiddlewareCost());
    return;
  }
  await dropDatabases(serverUrl, [databaseName]);
  let scrape: string, middlewareCost: string, overhead: string, startup: string;
  try {
    scrape = await measureScrape();
    console.log(scrape);
    middlewareCost = await measureMiddlewareCost();
    console.log(middlewareCost);
    overhead = await measureOverhead();
    console.log(overhead);
    startup = await measureStartup();
    console.log(startup);
  } finally {
    await dropDatabases(serverUrl, [databaseName]);
  }
  writeSection(
    'overhead',
    `## Telemetry overhead (\`npm run bench:overhead\`)

Command: \`npm run bench:overhead\` (BENCH_SATURATION_ROUNDS=${SATURATION_ROUNDS}, BENCH_SATURATION_SECONDS=${SATURATION_SECONDS}, BENCH_ROUNDS=${ROUNDS}, BENCH_SECONDS=${SECONDS}) — ${machineLine()}.
Servers pinned to core 0 (\`taskset -c 0\`), all running at once and measured in alternating slices, the order rotated each round; wrk (1 thread,
32 connections) and the open-loop 1000 req/s generator on core 1; MariaDB unpinned. Saturation: ${SATURATION_ROUNDS} rounds
of ${SATURATION_SECONDS} s slices, "vs bare" = median of per-round ratios to the bare slice of the same round, with a 90 % bootstrap interval in brackets (this
machine's throughput drifts by ±20 % over tens of seconds, so only paired ratios mean anything; CPU µs per request,
from /proc, is the steadier of the two). Fixed rate: ${ROUNDS} rounds of ${SECONDS} s; medians.
LOG_LEVEL=warn in every variant. "Δ CPU (points)" is the extra share of one core used at 1000 req/s.

${overhead}
#### The recording path in process

${middlewareCost}

#### Scrape cost

${scrape}

#### Startup

${startup}`,
  );
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
