// Peers for `npm run bench:peers`: one bare Koa + @koa/router app serving the service's no-op `GET /health` and its
// `GET /datasets/:id` (the same primary-key read with mysql2's pool, the same JSON as the service), instrumented as
// `PEER` says:
// - `bare`: nothing (the floor);
// - `prom-client`: the usual recipe, a middleware recording a Counter `http_requests_total{method,route,status}` and
//   a Histogram `http_request_duration_seconds{method,route,status}` (prom-client's default buckets), and `/metrics`;
// - `otel`: the default OpenTelemetry path, NodeSDK started before koa and http are loaded with the auto-
//   instrumentations' http and koa only, a PrometheusExporter (no server of its own) read on `/metrics`, and tracing
//   off (no span processor, so no tracer provider: the instrumentations run on the API's non-recording spans).
// Same file, same start (`node bench/peers/koa-peer.cjs`) for all three: only the instrumentation differs.
'use strict';
const PEER = process.env.PEER ?? 'bare';
if (!['bare', 'prom-client', 'otel'].includes(PEER)) throw new Error(`PEER must be bare, prom-client or otel, not ${PEER}`);

let otelExporter;
if (PEER === 'otel') {
  // Before anything loads http or koa, or they are not patched.
  process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS = 'http,koa';
  const { NodeSDK } = require('@opentelemetry/sdk-node');
  const { getNodeAutoInstrumentations } = require('@opentelemetry/auto-instrumentations-node');
  const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus');
  otelExporter = new PrometheusExporter({ preventServerStart: true });
  new NodeSDK({
    serviceName: 'koa-peer',
    metricReaders: [otelExporter],
    instrumentations: [getNodeAutoInstrumentations()],
    // Tracing and logs off: empty lists, or the SDK sets up OTLP exporters to localhost:4318.
    spanProcessors: [],
    logRecordProcessors: [],
  }).start();
}

const Koa = require('koa');
const Router = require('@koa/router');
const mysql = require('mysql2/promise');
const { toAsset } = require('../lib/asset-row.cjs');

const app = new Koa();
const router = new Router();

if (PEER === 'prom-client') {
  const client = require('prom-client');
  const labelNames = ['method', 'route', 'status'];
  const requests = new client.Counter({ name: 'http_requests_total', help: 'Total number of HTTP requests.', labelNames });
  const duration = new client.Histogram({ name: 'http_request_duration_seconds', help: 'Duration of HTTP requests in seconds.', labelNames });
  app.use(async (ctx, next) => {
    const end = duration.startTimer();
    try {
      await next();
    } finally {
      const labels = { method: ctx.method, route: ctx._matchedRoute ?? 'none', status: String(ctx.status) };
      requests.inc(labels);
      end(labels);
    }
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = client.register.contentType;
    ctx.body = await client.register.metrics();
  });
}
if (PEER === 'otel') {
  router.get('/metrics', (ctx) => {
    ctx.respond = false; // the exporter writes the response itself
    otelExporter.getMetricsRequestHandler(ctx.req, ctx.res);
  });
}

const pool = process.env.DATABASE_URL ? mysql.createPool({ uri: process.env.DATABASE_URL, connectionLimit: 10, timezone: 'Z' }) : undefined;
router.get('/health', (ctx) => {
  ctx.body = { status: 'ok' };
});
router.get('/datasets/:id', async (ctx) => {
  const [rows] = await pool.execute('SELECT * FROM assets WHERE id = ? AND resource_type = ? LIMIT 1', [ctx.params.id, 'datasets']);
  const row = rows[0];
  if (!row) {
    ctx.status = 404;
    ctx.body = { error: { status: 404, message: 'not found' } };
    return;
  }
  ctx.body = toAsset(row);
});
app.use(router.routes());
app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');

// Exit cleanly on SIGTERM (the bench stops servers so; a profiler writes its profile on exit).
process.on('SIGTERM', () => process.exit(0));
