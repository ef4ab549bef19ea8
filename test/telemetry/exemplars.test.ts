import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnService, type SpawnedService } from '../support/spawn-service';
import { TestDatabase } from '../support/test-database';
import { OtlpReceiver } from '../support/otlp-receiver';
import { PrometheusServer, singleJobConfig } from '../support/prometheus';
import { rawGet } from '../support/metrics-text';
import { waitFor } from '../support/test-service';
import { TcpProxy } from '../support/tcp-proxy';
import zlib from 'node:zlib';

/**
 * From a latency bucket to the trace: the built service with tracing on, scraped by the real Prometheus with
 * exemplar storage, its spans received by the test's OTLP receiver.
 */
const database = new TestDatabase();
const receiver = new OtlpReceiver();
const prometheus = new PrometheusServer();
const proxy = new TcpProxy();
let service: SpawnedService;
let url: string;
const OM_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

async function scrapeAs(accept: string | undefined, base = url): Promise<{ type: string; text: string }> {
  const response = await rawGet(`${base}/metrics`, { ...(accept ? { accept } : {}), 'accept-encoding': 'gzip' });
  expect(response.status).toBe(200);
  expect(response.headers['content-encoding']).toBe('gzip');
  return { type: String(response.headers['content-type']), text: zlib.gunzipSync(response.body).toString() };
}

beforeAll(async () => {
  await receiver.start();
  await proxy.up();
  service = spawnService({
    DATABASE_URL: database.url(proxy.hostPort),
    DB_CONNECT_TIMEOUT_MS: '500',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
  url = await service.listening;
  await waitFor(async () => (await fetch(`${url}/ready`)).status === 200, 15_000, 'ready');
  await prometheus.start(
    singleJobConfig(new URL(url).host),
    undefined,
    ['--enable-feature=exemplar-storage'],
  );
  for (let i = 0; i < 50; i++) await (await fetch(`${url}/datasets?limit=2`)).arrayBuffer();
});

afterAll(async () => {
  await prometheus.stop();
  service?.child.kill('SIGTERM');
  await service?.exited;
  await receiver.stop();
  await proxy.down();
  await database.drop();
});

describe('OpenMetrics and exemplars', () => {
  it('answers OpenMetrics 1.0.0 to an Accept naming it: counter families without _total, exemplars, # EOF', async () => {
    const { type, text } = await scrapeAs(OM_ACCEPT);
    expect(type).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(text.endsWith('# EOF\n')).toBe(true);
    expect(text.split('\n').filter((l) => l === '# EOF')).toHaveLength(1);
    expect(text).toMatch(/^# TYPE http_requests counter$/m);
    expect(text).not.toMatch(/^# TYPE \S+_total counter$/m);
    expect(text).toMatch(/^# TYPE process_cpu_seconds counter$/m); // the SDK's metrics too
    expect(text).toMatch(/^access_log_rows_written_total \d+/m);
    const bucket = /^http_request_duration_seconds_bucket\{handler="\/datasets",method="GET",le="[^"]+"\} \d+ # \{trace_id="([0-9a-f]{32})",span_id="([0-9a-f]{16})"\} ([\d.e-]+) (\d+\.\d{3})$/m.exec(text);
    expect(bucket, 'a duration bucket with its exemplar').not.toBeNull();
    expect(Number(bucket?.[4]) * 1000).toBeGreaterThan(Date.now() - 120_000);
    expect(text).toMatch(/^http_requests_total\{handler="\/datasets",method="GET",status="200"\} \d+ # \{trace_id="[0-9a-f]{32}",span_id="[0-9a-f]{16}"\} 1 \d+\.\d{3}$/m);
  });

  it('answers the 0.0.4 text without exemplars to any other Accept, clean for promtool', async () => {
    for (const accept of [undefined, 'text/plain', '*/*']) {
      const { type, text } = await scrapeAs(accept);
      expect(type).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(text).not.toContain('# {');
      expect(text).not.toContain('# EOF');
      expect(text).toMatch(/^# TYPE http_requests_total counter$/m);
      execFileSync('promtool', ['check', 'metrics'], { input: text });
    }
  });

  it('is parsed by Prometheus, which stores the exemplars, and they lead to spans the receiver got', async () => {
    await waitFor(
      async () => {
        const now = Date.now() / 1000;
        const result = await prometheus.get<{ data: Array<{ exemplars: Array<{ labels: Record<string, string> }> }> }>(
          `/api/v1/query_exemplars?query=${encodeURIComponent('http_request_duration_seconds_bucket')}&start=${now - 300}&end=${now + 60}`,
        );
        return (result.data ?? []).some((series) => series.exemplars.length > 0);
      },
      20_000,
      'exemplars in Prometheus',
    );
    const targets = await prometheus.get<{ data: { activeTargets: Array<{ health: string; lastError: string }> } }>('/api/v1/targets');
    expect(targets.data.activeTargets.map((t) => [t.health, t.lastError])).toEqual([['up', '']]);
    const now = Date.now() / 1000;
    const stored = await prometheus.get<{ data: Array<{ exemplars: Array<{ labels: Record<string, string> }> }> }>(
      `/api/v1/query_exemplars?query=${encodeURIComponent('http_request_duration_seconds_bucket')}&start=${now - 300}&end=${now + 60}`,
    );
    const traceIds = stored.data.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id as string));
    expect(traceIds.length).toBeGreaterThan(0);
    await waitFor(() => traceIds.every((id) => receiver.spans.some((span) => span.traceId === id)), 10_000, 'the exemplars\' traces at the receiver');
  });

  it('with native histograms on, Prometheus scrapes protobuf and stores the exemplars on the native series', async () => {
    const native = new PrometheusServer();
    try {
      await native.start(
        singleJobConfig(new URL(url).host),
        undefined,
        ['--enable-feature=native-histograms,exemplar-storage'],
      );
      const query = encodeURIComponent('http_request_duration_seconds{handler="/datasets"}');
      let traceIds: string[] = [];
      await waitFor(
        async () => {
          await (await fetch(`${url}/datasets?limit=2`)).arrayBuffer();
          const now = Date.now() / 1000;
          const stored = await native.get<{ data?: Array<{ exemplars: Array<{ labels: Record<string, string> }> }> }>(`/api/v1/query_exemplars?query=${query}&start=${now - 300}&end=${now + 60}`);
          traceIds = (stored.data ?? []).flatMap((series) => series.exemplars.map((e) => e.labels.trace_id as string));
          return traceIds.length > 0;
        },
        20_000,
        'exemplars on the native series',
      );
      // Native: the series is one histogram sample, not _bucket lines (2.42 keeps only the native part).
      const sample = await native.get<{ data: { result: Array<{ histogram?: unknown }> } }>(`/api/v1/query?query=${query}`);
      expect(sample.data.result[0]?.histogram).toBeDefined();
      await waitFor(() => traceIds.every((id) => receiver.spans.some((span) => span.traceId === id)), 10_000, 'the exemplars\' traces at the receiver');
    } finally {
      await native.stop();
    }
  });

  it('puts the trace on every log line of a request: its error line and its request line', async () => {
    // The database goes away: the read fails inside the handler, which logs a warning from within the request.
    await proxy.down();
    try {
      expect((await fetch(`${url}/datasets`)).status).toBe(503);
    } finally {
      await proxy.up();
    }
    const lines = () => service.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const isRead = (l: Record<string, unknown>) => l.msg === 'request' && l.route === '/datasets' && l.status === 503;
    await waitFor(() => lines().some(isRead), 5000, 'the request line');
    const request = lines().findLast(isRead);
    const error = lines().findLast((l) => l.msg === 'database unavailable');
    const ids = { trace_id: expect.stringMatching(/^[0-9a-f]{32}$/), span_id: expect.stringMatching(/^[0-9a-f]{16}$/), trace_flags: '01' };
    expect(request).toMatchObject(ids);
    expect(error).toMatchObject(ids);
    expect(error?.trace_id).toBe(request?.trace_id);
    await waitFor(() => receiver.spans.some((s) => s.traceId === request?.trace_id), 10_000, 'the request\'s trace at the receiver');
  });
});

describe('without a sampled trace', () => {
  it.each([
    ['tracing off', {}],
    ['tracing on, sampler off', { OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'always_off' }],
  ])('%s: no exemplar at all', async (_name, env) => {
    const other = spawnService({ DATABASE_URL: database.url(), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, ...env });
    const base = await other.listening;
    for (let i = 0; i < 20; i++) await (await fetch(`${base}/health`)).arrayBuffer();
    const { text } = await scrapeAs(OM_ACCEPT, base);
    expect(text).toMatch(/^http_requests_total\{handler="\/health",method="GET",status="200"\} 20$/m);
    expect(text).not.toContain('# {');
    other.child.kill('SIGTERM');
    await other.exited;
  });
});
