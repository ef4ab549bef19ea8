import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnService, type SpawnedService } from '../support/spawn-service';
import { TestDatabase } from '../support/test-database';
import { OtlpReceiver } from '../support/otlp-receiver';
import { postJson, waitFor } from '../support/test-service';

// The built service as a process (as `npm start` runs it): instrumentations must patch http, koa and mysql2,
// which only works when telemetry starts before they load.
const database = new TestDatabase();
const receiver = new OtlpReceiver();
let service: SpawnedService;
let url: string;

beforeAll(async () => {
  await receiver.start();
  service = spawnService({
    DATABASE_URL: database.url(),
    OTEL_SERVICE_NAME: 'catalogue-under-test',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_METRICS_EXPORTER: 'prometheus,otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_METRIC_EXPORT_INTERVAL: '500',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
  url = await service.listening;
  await waitFor(async () => (await fetch(`${url}/ready`)).status === 200, 15_000, 'ready');
});

afterAll(async () => {
  service?.child.kill('SIGTERM');
  await service?.exited;
  await receiver.stop();
  await database.drop();
});

describe('OTLP export with tracing on', () => {
  it('sends spans from http, koa and mysql2 with the service name, SQL masked', async () => {
    const secret = 'do-not-leak-this-name';
    const created = (await (await postJson(`${url}/datasets`, { name: secret })).json()) as { identifier: string };
    expect((await fetch(`${url}/datasets/${created.identifier}`)).status).toBe(200);
    await waitFor(
      () => ['http', 'koa', 'mysql2'].every((s) => receiver.spans.some((span) => span.scope === `@opentelemetry/instrumentation-${s}`)),
      10_000,
      'spans from http, koa and mysql2',
    );
    expect(new Set(receiver.spans.map((s) => s.serviceName))).toEqual(new Set(['catalogue-under-test']));
    const sqlSpans = receiver.spans.filter((s) => s.scope === '@opentelemetry/instrumentation-mysql2');
    const statements = sqlSpans.map((s) => String(s.attributes['db.query.text'] ?? s.attributes['db.statement'] ?? ''));
    expect(statements.some((q) => /insert into `assets`/i.test(q))).toBe(true);
    expect(statements.join('\n')).not.toContain(secret);
    expect(statements.join('\n')).not.toContain(created.identifier);
    const koaRoute = receiver.spans.find((s) => s.scope === '@opentelemetry/instrumentation-koa' && s.attributes['http.route'] === '/datasets/:id');
    expect(koaRoute).toBeDefined();
  });

  it('keeps at most 4096 characters of a statement: a windowed stats query is tens of KB of SQL', async () => {
    // An aggregate 20 days old: the window then reads ~170 periods, one ranked read each in one UNION statement.
    const twentyDaysAgo = new Date(Math.floor((Date.now() - 20 * 86_400_000) / 3_600_000) * 3_600_000);
    await database.query("INSERT INTO asset_access_hourly (hour_start, resource_type, asset_id, hits) VALUES (?, 'datasets', 'data_old', 1)", [twentyDaysAgo]);
    expect((await fetch(`${url}/stats/top/datasets?window=30d`)).status).toBe(200);
    const unions = () =>
      receiver.spans
        .filter((s) => s.scope === '@opentelemetry/instrumentation-mysql2')
        .map((s) => String(s.attributes['db.query.text'] ?? s.attributes['db.statement'] ?? ''))
        .filter((q) => q.includes('UNION ALL'));
    await waitFor(() => unions().length > 0, 10_000, 'the stats statement span');
    expect(Math.max(...unions().map((q) => q.length))).toBe(4096);
  });

  it('puts trace_id, span_id and trace_flags on the request log line', async () => {
    await fetch(`${url}/health`);
    const requestLine = () =>
      service
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'request' && l.route === '/health');
    await waitFor(() => requestLine() !== undefined, 5000, 'the request log line');
    expect(requestLine()).toMatchObject({ trace_id: expect.stringMatching(/^[0-9a-f]{32}$/), span_id: expect.stringMatching(/^[0-9a-f]{16}$/), trace_flags: '01' });
    const traceId = requestLine()?.trace_id as string;
    await waitFor(() => receiver.spans.some((s) => s.traceId === traceId), 10_000, 'the logged trace to be exported');
  });

  it('pushes the HTTP metrics over OTLP', async () => {
    await waitFor(
      () => receiver.metrics.some((m) => m.name === 'http_requests_total' && m.dataPoints.some((dp) => dp.attributes.handler === '/datasets/:id')),
      10_000,
      'http_requests_total over OTLP',
    );
    const names = new Set(receiver.metrics.map((m) => m.name));
    for (const name of ['http_request_duration_seconds', 'http_requests_in_progress', 'process_cpu_seconds_total', 'nodejs.eventloop.utilization']) {
      expect(names, name).toContain(name);
    }
    expect(receiver.metrics.find((m) => m.name === 'http_requests_total')?.serviceName).toBe('catalogue-under-test');
  });
});

describe('OTLP export with OTEL_SEMCONV_STABILITY_OPT_IN=http', () => {
  let semconv: SpawnedService;
  let base: string;

  beforeAll(async () => {
    semconv = spawnService({
      DATABASE_URL: database.url(),
      OTEL_SERVICE_NAME: 'catalogue-semconv',
      OTEL_SEMCONV_STABILITY_OPT_IN: 'http',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_METRIC_EXPORT_INTERVAL: '500',
    });
    base = await semconv.listening;
    await waitFor(async () => (await fetch(`${base}/ready`)).status === 200, 15_000, 'ready');
  });

  afterAll(async () => {
    semconv?.child.kill('SIGTERM');
    await semconv?.exited;
  });

  it('pushes http.server.request.duration (unit s, dotted attributes) and none of today\'s HTTP families', async () => {
    await (await fetch(`${base}/health`)).arrayBuffer();
    await (await fetch(`${base}/no/such/path`)).arrayBuffer();
    const mine = () => receiver.metrics.filter((m) => m.serviceName === 'catalogue-semconv');
    const duration = () => mine().filter((m) => m.name === 'http.server.request.duration');
    await waitFor(() => duration().some((m) => m.dataPoints.some((dp) => dp.attributes['http.route'] === '/health')), 10_000, 'http.server.request.duration over OTLP');
    expect(new Set(duration().map((m) => m.unit))).toEqual(new Set(['s']));
    const points = duration().at(-1)?.dataPoints.map((dp) => dp.attributes) ?? [];
    expect(points).toContainEqual({
      'http.request.method': 'GET',
      'http.route': '/health',
      'http.response.status_code': expect.anything(),
      'url.scheme': 'http',
      'network.protocol.version': '1.1',
    });
    // An integer attribute, as the standard types it (intValue in OTLP/JSON).
    expect(String(points.find((a) => a['http.route'] === '/health')?.['http.response.status_code'])).toBe('200');
    // No route matched: http.route is absent.
    expect(points).toContainEqual({ 'http.request.method': 'GET', 'http.response.status_code': expect.anything(), 'url.scheme': 'http', 'network.protocol.version': '1.1' });
    const names = new Set(mine().map((m) => m.name));
    for (const old of ['http_requests_total', 'http_request_duration_seconds', 'http_requests_in_progress']) expect(names, old).not.toContain(old);
    expect(names).toContain('process_cpu_seconds_total'); // the SDK's metrics are pushed as before
  });
});
