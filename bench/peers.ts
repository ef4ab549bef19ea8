/**
 * `npm run bench:peers`: ours against what a Koa service would otherwise use, side by side in one run, on the no-op
 * `GET /health` and on `GET /datasets/{id}`:
 * - the floor: bare Koa + @koa/router (`bench/peers/koa-peer.cjs`, PEER=bare), the same primary-key read through a
 *   mysql2 pool and the same JSON as the service;
 * - the usual prom-client recipe: the same app with a middleware recording `http_requests_total` and
 *   `http_request_duration_seconds` by method, route and status (PEER=prom-client);
 * - the default OpenTelemetry path: the same app under NodeSDK with the auto-instrumentations' http and koa and a
 *   PrometheusExporter, tracing off (PEER=otel);
 * - ours (`dist/main.js`) with metrics only (no request log, no access log) and in its default configuration (as
 *   `bench:floor` runs it: request log at info to /dev/null, access log on), and, as a reference, with telemetry off
 *   (what the service's own request path adds over the floor, metrics aside).
 * Every server pinned to core 0 and measured in rotated slices at saturation with wrk (1 thread, 32 connections) on
 * core 1; CPU µs per request from /proc; ratios are medians of per-round ratios with a 90 % bootstrap interval.
 *
 * In process (no HTTP): the time to render a scrape of 1000 series — ours in text 0.0.4 and OpenMetrics (and
 * protobuf: see `oursProtobuf`), prom-client's `registry.metrics()`, OpenTelemetry's exporter (collect + serialize) —
 * and the cost of recording one request in each (see `OURS_RECORDING` for the native-histogram variant).
 * BENCH_PEERS_ONLY=inprocess prints those two tables alone and writes nothing.
 *
 * BENCH_ROUNDS (5) rotated rounds of BENCH_SECONDS (3) slices per server and route.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { Counter, Histogram as PromHistogram, Registry, type RegistryContentType } from 'prom-client';
import { HttpMetrics, renderPrometheusText, type HttpMetricsOptions, type TextOptions } from '../src/telemetry/http-metrics';
import { encodeDelimited } from '../src/telemetry/protobuf/client-model';
import { httpMetricFamilies } from '../src/telemetry/protobuf/http-metrics-families';
import { NativeHistogram } from '../src/telemetry/http-metrics/native-histogram';
import { dropDatabases } from './lib/databases';
import { DEFAULT_DURATION_BUCKETS, FILL_METHODS, fillRegistry, fillRoute } from './lib/http-metrics-fill';
import { wrkThroughput } from './lib/load';
import { machineLine, median, medianInterval, writeSection } from './lib/report';
import { rotated } from './lib/rounds';
import { ServerProcess } from './lib/server-process';
import { timeRuns } from './lib/timing';

const SERVER_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';
const DB_NAME = 'bench_peers';
const DATABASE_URL = `${SERVER_URL.replace(/\/$/, '')}/${DB_NAME}`;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
/** The service's default native-histogram layout (METRICS_NATIVE_HISTOGRAM_SCHEMA, _MAX_BUCKETS). */
const NATIVE = { schema: 3, maxBuckets: 160 };

/** Handler×method series in the scrape comparison. */
const SCRAPE_SERIES = 1000;
/** Recording calls per variant and round in the in-process loop. */
const RECORD_CALLS = 500_000;

type Sample = { rps: number; cpuUs: number };

/** `**1.18×** (1.12 … 1.25)`: the median of per-round ratios and its 90 % bootstrap interval. */
function ratioCell(ratios: number[], bold = true): string {
  const [low, high] = medianInterval(ratios);
  const value = `${median(ratios).toFixed(2)}×`;
  return `${bold ? `**${value}**` : value} (${low.toFixed(2)} … ${high.toFixed(2)})`;
}

const verdict = (met: boolean) => (met ? '**met**' : '**missed**');

async function measureServers(): Promise<{ tables: string; targets: string }> {
  // Ours in its default configuration first: it migrates the database the peers read.
  const oursDefault = new ServerProcess({ DATABASE_URL, LOG_LEVEL: 'info' }, 0, 'dist/main.js', 'ignore');
  await oursDefault.start('/ready');
  const created = (await (
    await fetch(`${oursDefault.url}/datasets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench', keywords: ['bench'] }) })
  ).json()) as { identifier: string };
  const peer = (name: string) => new ServerProcess({ PEER: name, DATABASE_URL }, 0, 'bench/peers/koa-peer.cjs');
  const variants = [
    { key: 'floor', name: 'bare Koa + @koa/router (the floor)', server: peer('bare') },
    { key: 'prom', name: 'prom-client recipe: counter + histogram by method, route, status', server: peer('prom-client') },
    { key: 'otel', name: 'OTel SDK: NodeSDK, http + koa auto-instrumentations, PrometheusExporter, tracing off', server: peer('otel') },
    // Not one of the peers: the service's own request path with no telemetry at all, to tell what ours adds over
    // the floor through its metrics from what it adds through being a service (validation, errors, dispatch, Drizzle).
    {
      key: 'oursOff',
      name: 'ours, telemetry off (`ENABLE_METRICS=false`, `OTEL_SDK_DISABLED=true`, no request or access log): reference',
      server: new ServerProcess({ DATABASE_URL, LOG_LEVEL: 'warn', ACCESS_LOG_ENABLED: 'false', ENABLE_METRICS: 'false', OTEL_SDK_DISABLED: 'true' }, 0, 'dist/main.js', 'ignore'),
    },
    {
      key: 'oursMetrics',
      name: 'ours, metrics only (`LOG_LEVEL=warn`, `ACCESS_LOG_ENABLED=false`)',
      server: new ServerProcess({ DATABASE_URL, LOG_LEVEL: 'warn', ACCESS_LOG_ENABLED: 'false' }, 0, 'dist/main.js', 'ignore'),
    },
    { key: 'oursDefault', name: 'ours, default configuration (request log at info, access log on)', server: oursDefault },
  ] as const;
  try {
    for (const v of variants) if (v.server !== oursDefault) await v.server.start(v.key.startsWith('ours') ? '/ready' : '/health');
    const routes = [
      { name: 'no-op `GET /health`', path: '/health' },
      { name: '`GET /datasets/{id}`', path: `/datasets/${created.identifier}` },
    ];
    const tables: string[] = [];
    const targetRows: string[] = [];
    for (const route of routes) {
      for (const v of variants) wrkThroughput(`${v.server.url}${route.path}`, 2); // warm-up: JIT, pool
      const samples = variants.map(() => [] as Sample[]);
      for (let round = 1; round <= ROUNDS; round++) {
        for (const i of rotated(variants.length, round)) {
          const server = variants[i]!.server;
          const cpuBefore = server.cpuSeconds();
          const rps = wrkThroughput(`${server.url}${route.path}`, SECONDS);
          samples[i]!.push({ rps, cpuUs: ((server.cpuSeconds() - cpuBefore) / (rps * SECONDS)) * 1e6 });
        }
      }
      const of = (key: (typeof variants)[number]['key']) => samples[variants.findIndex((v) => v.key === key)] as Sample[];
      const floor = of('floor');
      // Per round: a variant's CPU per request over the floor's of the same round, and what it adds in µs.
      const ratios = (own: Sample[]) => own.map((s, r) => s.cpuUs / (floor[r]?.cpuUs ?? Number.NaN));
      const extra = (own: Sample[]) => own.map((s, r) => s.cpuUs - (floor[r]?.cpuUs ?? Number.NaN));
      const rows = variants.map((v, i) => {
        const own = samples[i] as Sample[];
        const cell = `${median(own.map((s) => s.cpuUs)).toFixed(1)} µs | ${median(own.map((s) => s.rps)).toFixed(0)}`;
        if (v.key === 'floor') return `| ${v.name} | ${cell} | 1 | — |`;
        const added = median(extra(own));
        return `| ${v.name} | ${cell} | ${ratioCell(ratios(own))} | ${added >= 0 ? '+' : ''}${added.toFixed(1)} µs (${((median(ratios(own)) - 1) * 100).toFixed(0)} %) |`;
      });
      tables.push(
        `#### ${route.name}

| server | CPU/request | req/s | ÷ floor | overhead over the floor |
|---|---:|---:|---:|---:|
${rows.join('\n')}`,
      );
      console.log(tables.at(-1));
      // Targets: ours with metrics only costs no more CPU per request than the prom-client recipe, and adds at most
      // half of what the OTel SDK path adds over the floor (per-round ratios of the overheads).
      const vsProm = of('oursMetrics').map((s, r) => s.cpuUs / (of('prom')[r]?.cpuUs ?? Number.NaN));
      const overheadShare = (key: 'oursMetrics' | 'oursDefault') => extra(of(key)).map((x, r) => x / (extra(of('otel'))[r] ?? Number.NaN));
      // What the metrics themselves add to ours (metrics only − telemetry off, same round) against the OTel overhead.
      const metricsAlone = of('oursMetrics').map((s, r) => (s.cpuUs - (of('oursOff')[r]?.cpuUs ?? Number.NaN)) / (extra(of('otel'))[r] ?? Number.NaN));
      targetRows.push(
        `| ${route.name} | ${ratioCell(vsProm)} ${verdict(median(vsProm) <= 1)} | ${ratioCell(overheadShare('oursMetrics'))} ${verdict(median(overheadShare('oursMetrics')) <= 0.5)} | ${ratioCell(overheadShare('oursDefault'), false)} | ${ratioCell(metricsAlone, false)} |`,
      );
      console.log(targetRows.at(-1));
    }
    // Each instrumented server recorded the DB route under its template: an SDK started too late (koa or http loaded
    // before it) would record nothing, and its numbers would be the floor's. First a pause: the event loop was held by
    // wrk (execFileSync), so fetch would reuse keep-alive sockets whose servers closed them meanwhile.
    await new Promise((r) => setTimeout(r, 100));
    for (const [key, label] of [['prom', 'route'], ['otel', 'http_route'], ['oursMetrics', 'handler'], ['oursDefault', 'handler']] as const) {
      const server = variants.find((v) => v.key === key)!.server;
      const text = await (await fetch(`${server.url}/metrics`)).text();
      if (!text.includes(`${label}="/datasets/:id"`)) throw new Error(`${key}: /metrics has no ${label}="/datasets/:id" series`);
    }
    return {
      tables: tables.join('\n\n'),
      targets: `| route | ours metrics-only ÷ prom-client recipe (CPU/request; target ≤ 1) | ours metrics-only overhead ÷ OTel path's overhead (target ≤ 0.5) | ours default overhead ÷ OTel path's | ours' metrics alone (metrics-only − telemetry off) ÷ OTel path's overhead |
|---|---|---|---|---|
${targetRows.join('\n')}`,
    };
  } finally {
    for (const v of variants) await v.server.stop();
  }
}

/**
 * Ours in the protobuf exposition, as a native-histogram Prometheus scrapes it: the same 1000 series filled with native
 * buckets on (schema 3, 160 buckets), every family encoded as delimited `MetricFamily` messages.
 */
function oursProtobuf(options: TextOptions): () => Buffer {
  const metrics = fillRegistry(SCRAPE_SERIES, undefined, { nativeHistogram: NATIVE });
  return () => encodeDelimited(httpMetricFamilies(metrics, options));
}

/** A response for the OTel exporter's request handler that hands back the body it ends with. */
function capturedResponse(done: (body: string) => void): ServerResponse {
  return { statusCode: 0, setHeader: () => undefined, end: (body: string) => done(body) } as unknown as ServerResponse;
}

/**
 * Scrape time for 1000 handler×method series, in process: each renderer given the same 1000 label sets (route
 * template × method, status 200, one observation each, the service's default duration buckets). prom-client and the
 * OTel exporter hold the recipe's two families (a counter and a histogram); ours renders its full set (also the
 * per-handler size histograms, the in-progress gauges, the label-less fine histogram), hence its extra lines.
 */
async function measureScrape(): Promise<string> {
  const options: TextOptions = { namespace: '', subsystem: '', customLabels: {} };
  const ours = fillRegistry(SCRAPE_SERIES);

  const labelNames = ['method', 'route', 'status'];
  const promRegistry = (openMetrics: boolean) => {
    const registry = new Registry<RegistryContentType>();
    if (openMetrics) registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const requests = new Counter({ name: 'http_requests_total', help: 'Total number of HTTP requests.', labelNames, registers: [registry] });
    const duration = new PromHistogram({ name: 'http_request_duration_seconds', help: 'Duration of HTTP requests in seconds.', labelNames, buckets: DEFAULT_DURATION_BUCKETS, registers: [registry] });
    for (let i = 0; i < SCRAPE_SERIES; i++) {
      const labels = { method: FILL_METHODS[i % FILL_METHODS.length]!, route: fillRoute(i), status: '200' };
      requests.inc(labels);
      duration.observe(labels, Math.random());
    }
    return registry;
  };
  const promText = promRegistry(false);
  const promOpenMetrics = promRegistry(true);

  // What the OTel path's PrometheusExporter does on a scrape (its defaults: scope labels and target_info included).
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const meter = provider.getMeter('bench-peers');
  const otelRequests = meter.createCounter('http_requests', { description: 'Total number of HTTP requests.' });
  const otelDuration = meter.createHistogram('http_request_duration_seconds', {
    description: 'Duration of HTTP requests in seconds.',
    advice: { explicitBucketBoundaries: DEFAULT_DURATION_BUCKETS },
  });
  for (let i = 0; i < SCRAPE_SERIES; i++) {
    const attributes = { method: FILL_METHODS[i % FILL_METHODS.length]!, route: fillRoute(i), status: '200' };
    otelRequests.add(1, attributes);
    otelDuration.record(Math.random(), attributes);
  }
  const otelScrape = () => new Promise<string>((resolve) => exporter.getMetricsRequestHandler({} as IncomingMessage, capturedResponse(resolve)));

  const protobuf = oursProtobuf(options);
  const renderers: Array<{ name: string; runs: number; render?: () => string | Buffer | Promise<string | Buffer> }> = [
    { name: 'ours: `renderPrometheusText`, text 0.0.4', runs: 50, render: () => renderPrometheusText(ours, options) },
    { name: 'ours: `renderPrometheusText`, OpenMetrics 1.0.0', runs: 50, render: () => renderPrometheusText(ours, options, true) },
    { name: 'ours: protobuf (delimited `MetricFamily`, native histograms on)', runs: 50, render: protobuf },
    { name: "prom-client: `registry.metrics()`, text 0.0.4", runs: 30, render: () => promText.metrics() },
    { name: "prom-client: `registry.metrics()`, OpenMetrics registry", runs: 30, render: () => promOpenMetrics.metrics() },
    { name: 'OTel: PrometheusExporter (`collect()` + `PrometheusSerializer.serialize()`)', runs: 10, render: otelScrape },
  ];
  const rows: string[] = [];
  for (const r of renderers) {
    if (!r.render) {
      rows.push(`| ${r.name} | not in this build | — | — |`);
      continue;
    }
    const body = await r.render(); // warm-up, and the body to size
    const ms = median(await timeRuns(r.runs, r.render));
    const lines = typeof body === 'string' ? body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length : undefined;
    rows.push(`| ${r.name} | ${ms.toFixed(1)} | ${(Buffer.byteLength(body) / 1024).toFixed(0)} KiB | ${lines ?? '—'} |`);
  }
  await provider.shutdown();
  return `| renderer (${SCRAPE_SERIES} handler×method series) | median ms per scrape | bytes | sample lines |
|---|---:|---:|---:|
${rows.join('\n')}`;
}

/**
 * Variants of our recording path in the in-process loop. The native histogram goes here as one more entry once
 * HttpMetricsOptions has its `nativeHistogram: { schema, maxBuckets }` field, e.g.
 * `{ name: 'ours, classic + native histogram (schema 3, ≤ 160 buckets)', options: { nativeHistogram: { schema: 3, maxBuckets: 160 } } }`.
 */
const OURS_RECORDING: Array<{ name: string; options: Partial<HttpMetricsOptions> }> = [
  { name: 'ours: `handlerSeries` + `methodSeries` + `recordRequest` (classic buckets)', options: {} },
  { name: 'ours: the same with native histograms on (schema 3, 160 buckets)', options: { nativeHistogram: NATIVE } },
];

/**
 * CPU per recorded request in process: what each library does per request once the route, method, status and
 * duration are known — ours as its subscriber does it (two series lookups and `recordRequest`), prom-client as the
 * recipe does it (a labels object, `inc` and `observe`), OTel's metrics API with the same attributes (`add` and
 * `record` on an SDK MeterProvider). The same 16 label sets, the same 6 duration buckets and durations spread over
 * 0.5 ms … 5 s for all.
 */
async function measureRecording(): Promise<string> {
  const durations = Float64Array.from({ length: 4096 }, () => 0.0005 * 10 ** (Math.random() * 4));
  const labelSets = Array.from({ length: 16 }, (_, i) => ({ route: fillRoute(i), method: FILL_METHODS[i % FILL_METHODS.length]! }));
  const loop = (record: (route: string, method: string, seconds: number) => void) => () => {
    const before = process.cpuUsage();
    for (let i = 0; i < RECORD_CALLS; i++) {
      const l = labelSets[i & 15]!;
      record(l.route, l.method, durations[i & 4095]!);
    }
    const used = process.cpuUsage(before);
    return ((used.user + used.system) * 1000) / RECORD_CALLS;
  };
  const labelNames = ['method', 'route', 'status'];
  const registry = new Registry();
  const promRequests = new Counter({ name: 'http_requests_total', help: 'Requests.', labelNames, registers: [registry] });
  const promDuration = new PromHistogram({ name: 'http_request_duration_seconds', help: 'Duration.', labelNames, buckets: DEFAULT_DURATION_BUCKETS, registers: [registry] });
  const provider = new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] });
  const meter = provider.getMeter('bench-peers');
  const otelRequests = meter.createCounter('http_requests');
  const otelDuration = meter.createHistogram('http_request_duration_seconds', { advice: { explicitBucketBoundaries: DEFAULT_DURATION_BUCKETS } });
  const variants = [
    { name: 'loop alone (no recording)', run: loop(() => undefined) },
    ...OURS_RECORDING.map((v) => {
      const metrics = new HttpMetrics({ durationBuckets: DEFAULT_DURATION_BUCKETS, groupStatusCodes: false, excludedHandlers: [], ...v.options });
      return {
        name: v.name,
        run: loop((route, method, seconds) => {
          const h = metrics.handlerSeries(route)!;
          metrics.recordRequest(h, metrics.methodSeries(h, method), 200, seconds, 0, 15);
        }),
      };
    }),
    (() => {
      // The native part alone, one histogram per label set as in the registry: what native buckets add to a request.
      const natives = labelSets.map(() => new NativeHistogram(NATIVE));
      let next = 0;
      return { name: 'ours: `NativeHistogram.observe` alone (the native part of one request)', run: loop((_route, _method, seconds) => natives[next++ & 15]!.observe(seconds)) };
    })(),
    {
      name: 'prom-client: labels object, `counter.inc` + `histogram.observe`',
      run: loop((route, method, seconds) => {
        const labels = { method, route, status: '200' };
        promRequests.inc(labels);
        promDuration.observe(labels, seconds);
      }),
    },
    {
      name: 'OTel metrics API (sdk-metrics): attributes object, `counter.add` + `histogram.record`',
      run: loop((route, method, seconds) => {
        const attributes = { method, route, status: '200' };
        otelRequests.add(1, attributes);
        otelDuration.record(seconds, attributes);
      }),
    },
  ];
  const rounds = Math.max(ROUNDS, 3);
  const samples = variants.map(() => [] as number[]);
  for (let round = 1; round <= rounds; round++) for (const i of rotated(variants.length, round)) samples[i]!.push(variants[i]!.run());
  await provider.shutdown();
  return `| recording one request, in process (${RECORD_CALLS.toLocaleString('en')} calls × ${rounds} rotated rounds, medians) | ns/request |
|---|---:|
${variants.map((v, i) => `| ${v.name} | ${median(samples[i] as number[]).toFixed(0)} |`).join('\n')}`;
}

async function main(): Promise<void> {
  const scrape = await measureScrape();
  console.log(scrape);
  const recording = await measureRecording();
  console.log(recording);
  if (process.env.BENCH_PEERS_ONLY === 'inprocess') return;
  await dropDatabases(SERVER_URL, [DB_NAME]);
  let servers: { tables: string; targets: string };
  try {
    servers = await measureServers();
  } finally {
    await dropDatabases(SERVER_URL, [DB_NAME]);
  }
  writeSection(
    'peers',
    `## Against the peers (\`npm run bench:peers\`)

Command: \`npm run bench:peers\` (BENCH_ROUNDS=${ROUNDS}, BENCH_SECONDS=${SECONDS}) — ${machineLine()}.
Every server pinned to core 0, wrk (1 thread, 32 connections) on core 1, ${ROUNDS} round${ROUNDS === 1 ? '' : 's'} of ${SECONDS} s slices in rotated
order; MariaDB unpinned. The peers are one bare Koa + @koa/router app (\`bench/peers/koa-peer.cjs\`: the same routes, the
same mysql2 primary-key read and JSON as the service) bare, with the usual prom-client middleware, and under the
OpenTelemetry SDK (NodeSDK started before koa and http load, \`getNodeAutoInstrumentations\` with http and koa only,
\`PrometheusExporter\` read on \`/metrics\`, no span processor). Ours is \`dist/main.js\` with metrics only and in its default
configuration; with telemetry off it is a reference, not a peer: what the service's own path (dispatch, validation,
errors, Drizzle's prepared statements) adds over the floor before any metric. "÷ floor" is the median of per-round ratios of CPU µs per request to the bare Koa slice of the same
round, with its 90 % bootstrap interval in brackets; the overhead is the median per-round difference.

${servers.tables}

Targets (per-round ratios, medians, 90 % bootstrap intervals; the overhead ratio divides what ours adds over the floor
by what the OTel path adds in the same round):

${servers.targets}

#### Scrape of ${SCRAPE_SERIES} series, in process

Each renderer holds the same ${SCRAPE_SERIES} label sets (route template × method, status 200, one observation each, the
service's default duration buckets 0.05 … 5 s). prom-client and the OTel exporter hold a counter and a histogram per
label set; ours renders its whole set (also the per-handler size histograms, the in-progress gauges and the label-less
fine histogram). The OTel exporter in its defaults (\`otel_scope_*\` labels, \`target_info\`).

${scrape}

#### Recording one request, in process

What each library does per request once route, method, status and duration are known, in a loop (no HTTP): ours as
its subscriber does it (two series lookups and \`recordRequest\`), prom-client as the recipe does it (a labels object,
\`inc\` and \`observe\`), OpenTelemetry's metrics API with the same attributes (\`add\` and \`record\`). The same 16 label
sets and 6 duration buckets for all; the OTel row is the API alone, not the http instrumentation around it.

${recording}`,
  );
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
