import net from 'node:net';
import zlib from 'node:zlib';
import { TODAYS_HTTP_FAMILIES } from '../support/http-families';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestService, waitFor, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { countSeries, fireRequests, rawGet, sampleValue, scrape } from '../support/metrics-text';
import { promtool } from '../support/prometheus';

const database = new TestDatabase();
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'warn' });
  await waitUntilReady(service);
});

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

const METRIC_FAMILIES = [
  ...TODAYS_HTTP_FAMILIES,
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'process_virtual_memory_bytes',
  'process_start_time_seconds',
  'process_open_fds',
  'process_max_fds',
  'nodejs_eventloop_delay_p99',
  'nodejs_eventloop_utilization',
  'v8js_gc_duration',
  'v8js_memory_heap_used',
];

describe('/metrics exposition', () => {
  it('answers text/plain 0.0.4 and gzip when asked', async () => {
    const plain = await rawGet(`${service.url}/metrics`);
    expect(plain.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(plain.headers['content-encoding']).toBeUndefined();
    const gzipped = await rawGet(`${service.url}/metrics`, { 'accept-encoding': 'gzip' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gzipped.body).toString()).toContain('# TYPE http_requests_total counter');
    // The gzip header's XFL byte is 4 only for zlib's fastest level (0 for the default level 6): the scrape is
    // compressed at level 1 to spend less of the event loop on it.
    expect(gzipped.body[8]).toBe(4);
  });

  it.each(['identity;q=0', '*;q=0', 'gzip;q=0, identity;q=0', 'br;q=1, identity;q=0', 'zstd'])(
    'Accept-Encoding: %s → 200, uncompressed (nothing it accepts is offered), never a 500',
    async (acceptEncoding) => {
      const answer = await rawGet(`${service.url}/metrics`, { 'accept-encoding': acceptEncoding });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-encoding']).toBeUndefined();
      expect(answer.body.toString()).toContain('# TYPE http_requests_total counter');
    },
  );

  it('lists every metric family with its type and no otel_scope labels', async () => {
    await fetch(`${service.url}/health`);
    // The GC histogram appears after the first collection: make garbage (the service shares this process).
    let junk: unknown[] = [];
    for (let i = 0; i < 2_000_000; i++) junk.push({ i });
    junk = [];
    await new Promise((r) => setTimeout(r, 50));
    const text = await scrape(service.url);
    for (const family of METRIC_FAMILIES) expect(text, family).toMatch(new RegExp(`^# TYPE ${family} `, 'm'));
    expect(text).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
    expect(text).toMatch(/^# TYPE http_requests_in_progress gauge$/m);
    expect(text).toMatch(/^# TYPE process_cpu_seconds_total counter$/m);
    expect(text).not.toContain('otel_scope_');
    expect(text).not.toContain('target_info');
    expect(sampleValue(text, 'process_start_time_seconds')).toBeGreaterThan(Date.now() / 1000 - 3600);
    expect(sampleValue(text, 'process_open_fds')).toBeGreaterThan(0);
  });

  it('uses the default duration buckets 0.05,0.1,0.3,1,3,5', async () => {
    await fetch(`${service.url}/health`);
    const text = await scrape(service.url);
    const les = [...text.matchAll(/^http_request_duration_seconds_bucket\{handler="\/health",method="GET",le="([^"]+)"\}/gm)].map((m) => m[1]);
    expect(les).toEqual(['0.05', '0.1', '0.3', '1', '3', '5', '+Inf']);
  });

  it('counts known traffic by route template, method and exact status', async () => {
    const created = (await (await postJson(`${service.url}/datasets`, { name: 'm' })).json()) as { identifier: string };
    for (let i = 0; i < 3; i++) await fetch(`${service.url}/datasets/${created.identifier}`);
    await fetch(`${service.url}/v2/datasets/data_doesnotexist000000000000`);
    for (let i = 0; i < 5; i++) await fetch(`${service.url}/random/${i}/path`);
    await fetch(`${service.url}/datasets`, { method: 'PROPFIND' }); // not a method the router implements: 501, under the route whose path matched
    await fetch(`${service.url}/datasets`, { method: 'PATCH' }); // a method the router knows, not allowed on this route: 405
    const text = await scrape(service.url);
    expect(sampleValue(text, 'http_requests_total{handler="/datasets/:id",method="GET",status="200"}')).toBe(3);
    expect(sampleValue(text, 'http_requests_total{handler="/datasets",method="POST",status="201"}')).toBe(1);
    expect(sampleValue(text, 'http_requests_total{handler="/v2/datasets/:id",method="GET",status="404"}')).toBe(1);
    expect(sampleValue(text, 'http_requests_total{handler="none",method="GET",status="404"}')).toBe(5);
    expect(sampleValue(text, 'http_requests_total{handler="/datasets",method="other",status="501"}')).toBe(1);
    // A 405 keeps the template of the route whose path matched.
    expect(sampleValue(text, 'http_requests_total{handler="/datasets",method="PATCH",status="405"}')).toBe(1);
    expect(sampleValue(text, 'http_requests_total{handler="none",method="PATCH",status="405"}')).toBeUndefined();
    expect(sampleValue(text, 'http_request_duration_seconds_count{handler="/datasets/:id",method="GET"}')).toBe(3);
    // The POST, the PROPFIND and the PATCH: every request under the route, whatever its method or status.
    expect(sampleValue(text, 'http_request_size_bytes_count{handler="/datasets"}')).toBe(3);
    expect(sampleValue(text, 'http_request_size_bytes_sum{handler="/datasets"}')).toBe(JSON.stringify({ name: 'm' }).length);
    expect(sampleValue(text, 'http_requests_in_progress{handler="/datasets/:id",method="GET"}')).toBe(0);
  });

  it('does not record /metrics itself by default', async () => {
    await scrape(service.url);
    const text = await scrape(service.url);
    expect(text).not.toContain('handler="/metrics"');
  });

  it('records a client that hangs up before the response as 499', async () => {
    const { port } = new URL(service.url);
    await new Promise<void>((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write('POST /datasets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":');
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 100);
      });
    });
    await waitFor(async () => sampleValue(await scrape(service.url), 'http_requests_total{handler="/datasets",method="POST",status="499"}') === 1, 5000, '499 to be recorded');
    const text = await scrape(service.url);
    expect(sampleValue(text, 'http_requests_in_progress{handler="/datasets",method="POST"}')).toBe(0);
  });

  it('keeps the series count unchanged after 10 000 random paths', async () => {
    await fetch(`${service.url}/warm/up`);
    const before = countSeries(await scrape(service.url), 'http_');
    await fireRequests((i) => `${service.url}/${Math.random().toString(36).slice(2)}/${i}?q=${i}`, 10_000, 32);
    const text = await scrape(service.url);
    expect(countSeries(text, 'http_')).toBe(before);
    expect(sampleValue(text, 'http_requests_total{handler="none",method="GET",status="404"}')).toBeGreaterThanOrEqual(10_000);
  });

  it('passes promtool check metrics', async () => {
    const result = promtool(['check', 'metrics'], await scrape(service.url));
    // promtool lints (e.g. counter naming) are warnings on stdout; exit 0 means no errors.
    expect(result.status, result.output).toBe(0);
  });
});

describe('a handler that throws', () => {
  const broken = new TestDatabase();
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ DATABASE_URL: broken.url(), LOG_LEVEL: 'fatal' });
    await waitUntilReady(svc);
    // Schema drift: the query now fails with an error that is neither a client error nor "DB unavailable".
    await broken.query('ALTER TABLE assets RENAME COLUMN name TO title');
  });
  afterAll(async () => {
    await svc?.stop();
    await broken.drop();
  });

  it('is recorded as 500 (not 404) and counted in http_errors_total by class', async () => {
    const response = await fetch(`${svc.url}/datasets`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { status: 500, message: 'internal server error' } });
    const text = await scrape(svc.url);
    expect(sampleValue(text, 'http_requests_total{handler="/datasets",method="GET",status="500"}')).toBe(1);
    expect(text).not.toContain('handler="/datasets",method="GET",status="404"');
    const errorLine = text.split('\n').find((l) => l.startsWith('http_errors_total{handler="/datasets"'));
    expect(errorLine).toMatch(/^http_errors_total\{handler="\/datasets",error_type="[A-Za-z]+Error"\} 1$/);
  });
});
