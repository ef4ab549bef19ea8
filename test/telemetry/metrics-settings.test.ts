import { afterAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { rawGet, sampleValue, scrape } from '../support/metrics-text';

// These tests never need the schema: /health, /metrics and unmatched paths do not touch the DB.
const database = new TestDatabase();
const started: TestService[] = [];
async function start(env: Record<string, string>): Promise<TestService> {
  const service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'warn', ...env });
  started.push(service);
  return service;
}

afterAll(async () => {
  for (const s of started) await s.stop();
  await database.drop();
});

describe('metrics settings', () => {
  it('ENABLE_METRICS=false removes /metrics (404)', async () => {
    const service = await start({ ENABLE_METRICS: 'false' });
    await fetch(`${service.url}/health`);
    const response = await fetch(`${service.url}/metrics`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { status: number } }).error.status).toBe(404);
  });

  it('namespace, subsystem, custom labels, grouped statuses and custom buckets', async () => {
    const service = await start({
      METRICS_NAMESPACE: 'aiod',
      METRICS_SUBSYSTEM: 'api',
      METRICS_CUSTOM_LABELS: 'service=api,environment=prod',
      METRICS_GROUP_STATUS_CODES: 'true',
      METRICS_DURATION_BUCKETS: '0.01,0.5',
    });
    await fetch(`${service.url}/health`);
    await fetch(`${service.url}/nope`);
    const text = await scrape(service.url);
    expect(sampleValue(text, 'aiod_api_http_requests_total{handler="/health",method="GET",status="2xx",service="api",environment="prod"}')).toBe(1);
    expect(sampleValue(text, 'aiod_api_http_requests_total{handler="none",method="GET",status="4xx",service="api",environment="prod"}')).toBe(1);
    const les = [...text.matchAll(/^aiod_api_http_request_duration_seconds_bucket\{handler="\/health",method="GET",service="api",environment="prod",le="([^"]+)"\}/gm)].map((m) => m[1]);
    expect(les).toEqual(['0.01', '0.5', '+Inf']);
    expect(text).not.toMatch(/^http_requests_total/m);
    // Process metrics keep their standard names.
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });

  it('METRICS_EXCLUDED_HANDLERS drops matching handlers', async () => {
    const service = await start({ METRICS_EXCLUDED_HANDLERS: '^/health$,^/ready$' });
    await fetch(`${service.url}/health`);
    await fetch(`${service.url}/nope`);
    const text = await scrape(service.url);
    expect(text).not.toContain('handler="/health"');
    expect(sampleValue(text, 'http_requests_total{handler="none",method="GET",status="404"}')).toBe(1);
  });

  it('METRICS_RECORD_METRICS_ROUTE=true records /metrics, under the path prefix', async () => {
    const service = await start({ METRICS_RECORD_METRICS_ROUTE: 'true', PATH_PREFIX: '/aiod' });
    await scrape(service.url);
    const text = await scrape(service.url);
    expect(sampleValue(text, 'http_requests_total{handler="/aiod/metrics",method="GET",status="200"}')).toBe(1);
  });

  it('METRICS_TOKEN requires the bearer token', async () => {
    const service = await start({ METRICS_TOKEN: 's3cret' });
    const none = await rawGet(`${service.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(JSON.parse(none.body.toString())).toMatchObject({ error: { status: 401 } });
    expect((await rawGet(`${service.url}/metrics`, { authorization: 'Bearer wrong!' })).status).toBe(401);
    const ok = await scrape(service.url, { authorization: 'Bearer s3cret' });
    expect(ok).toContain('# TYPE http_requests_total counter');
  });

  it('METRICS_SCOPE_INFO=true brings back otel_scope labels and target_info', async () => {
    const service = await start({ METRICS_SCOPE_INFO: 'true' });
    const text = await scrape(service.url);
    expect(text).toContain('otel_scope_name');
    expect(text).toContain('target_info');
  });

  it('OTEL_SDK_DISABLED=true keeps the HTTP metrics without the SDK ones', async () => {
    const service = await start({ OTEL_SDK_DISABLED: 'true' });
    await fetch(`${service.url}/health`);
    const text = await scrape(service.url);
    expect(sampleValue(text, 'http_requests_total{handler="/health",method="GET",status="200"}')).toBe(1);
    expect(text).not.toContain('process_cpu_seconds_total');
  });

  it.each<Record<string, string>>([
    { OTEL_SDK_DISABLED: 'true' },
    { OTEL_METRICS_EXPORTER: 'none' },
    { OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' },
  ])(
    'keeps the access-log metrics on /metrics with %j (the drop alert must not go blind)',
    async (env) => {
      const service = await start({ ...env, OTEL_METRIC_EXPORT_INTERVAL: '3600000' });
      const text = await scrape(service.url);
      expect(sampleValue(text, 'access_log_rows_dropped_total{reason="queue_full"}')).toBe(0);
      expect(sampleValue(text, 'access_log_rows_dropped_total{reason="shutdown"}')).toBe(0);
      expect(text).toMatch(/^access_log_queue_depth \d+/m);
      expect(text).toMatch(/^access_log_flush_errors_total 0/m);
    },
  );

  it('OTEL_METRICS_EXPORTER=none leaves out the SDK process metrics, keeps the HTTP and access-log ones', async () => {
    const service = await start({ OTEL_METRICS_EXPORTER: 'none' });
    await fetch(`${service.url}/health`);
    const text = await scrape(service.url);
    expect(sampleValue(text, 'http_requests_total{handler="/health",method="GET",status="200"}')).toBe(1);
    expect(text).not.toContain('process_cpu_seconds_total');
    expect(text).toContain('access_log_rows_written_total');
  });
});
