import net from 'node:net';
import { TODAYS_HTTP_FAMILIES } from '../support/http-families';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startTestService, waitFor, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { countSeries, fireRequests, sampleValue, scrape } from '../support/metrics-text';
import { promtool } from '../support/prometheus';

/**
 * OTEL_SEMCONV_STABILITY_OPT_IN over HTTP, against the real service and MariaDB: the same requests in each mode,
 * then which families `/metrics` carries and the labels of the semantic-convention histogram.
 */
const database = new TestDatabase();
const started: TestService[] = [];

afterAll(async () => {
  for (const s of started) await s.stop();
  await database.drop();
});

const TODAYS_FAMILIES = TODAYS_HTTP_FAMILIES;
const SEMCONV = 'http_server_request_duration_seconds';
const OM_ACCEPT = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';

/** One raw request line and headers, then hang up once `afterMs` passed (0: read the answer first). */
function raw(port: number, head: string, afterMs: number): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(head);
      if (afterMs > 0) setTimeout(() => socket.destroy(), afterMs);
    });
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => undefined);
  });
}

/** The same traffic for every mode: a create, two reads, a 404, a thrown 500, a 501, HTTP/1.0 and a hang-up. */
async function serveTheRequests(service: TestService): Promise<void> {
  const created = (await (await postJson(`${service.url}/datasets`, { name: 'semconv' })).json()) as { identifier: string };
  for (let i = 0; i < 2; i++) expect((await fetch(`${service.url}/datasets/${created.identifier}`)).status).toBe(200);
  expect((await fetch(`${service.url}/no/such/path`)).status).toBe(404);
  // A handler that throws: ChaosError, answered 500 by the error middleware.
  expect((await fetch(`${service.url}/chaos/error?status=500`)).status).toBe(500);
  // A method no route implements, on a route's path: 501 from the router, nothing thrown.
  expect((await fetch(`${service.url}/datasets`, { method: 'PROPFIND' })).status).toBe(501);
  const port = Number(new URL(service.url).port);
  expect(await raw(port, 'GET /health HTTP/1.0\r\n\r\n', 0)).toMatch(/^HTTP\/1\.1 200 /);
  // A client that hangs up before its body is in: no status is ever sent.
  await raw(port, 'POST /datasets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":', 100);
}

const MODES = {
  unset: { env: {}, old: true, semconv: false },
  http: { env: { OTEL_SEMCONV_STABILITY_OPT_IN: 'http' }, old: false, semconv: true },
  'database,http/dup': { env: { OTEL_SEMCONV_STABILITY_OPT_IN: 'database,http/dup' }, old: true, semconv: true },
} as const;
type Mode = keyof typeof MODES;
const services = {} as Record<Mode, TestService>;
/** Each mode's 0.0.4 scrape once it served the requests. */
const scraped = {} as Record<Mode, string>;

beforeAll(async () => {
  for (const mode of Object.keys(MODES) as Mode[]) {
    const expected = MODES[mode];
    const service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'fatal', CHAOS_ENABLED: 'true', METRICS_CUSTOM_LABELS: 'env=test', ...expected.env });
    started.push(service);
    services[mode] = service;
    await waitUntilReady(service);
    await serveTheRequests(service);
    // The hang-up is recorded when its connection closes, which the client does not wait for.
    const hungUp = (text: string) =>
      expected.semconv ? text.includes('error_type="client_closed"') : sampleValue(text, 'http_requests_total{handler="/datasets",method="POST",status="499",env="test"}') === 1;
    await waitFor(async () => hungUp(await scrape(service.url)), 5000, 'the hang-up to be recorded');
    scraped[mode] = await scrape(service.url);
  }
});

describe.each(Object.keys(MODES) as Mode[])('OTEL_SEMCONV_STABILITY_OPT_IN=%s', (mode) => {
  const expected = MODES[mode];

  it(`${expected.old ? 'has' : 'has none of'} today's families, ${expected.semconv ? 'and' : 'not'} http_server_request_duration_seconds`, () => {
    const text = scraped[mode];
    for (const family of TODAYS_FAMILIES) expect(new RegExp(`^# TYPE ${family} `, 'm').test(text), family).toBe(expected.old);
    expect(text.includes(`# TYPE ${SEMCONV} histogram`)).toBe(expected.semconv);
    expect(text.includes(`${SEMCONV}_bucket{`)).toBe(expected.semconv);
    expect(/^http_requests_total\{/m.test(text)).toBe(expected.old);
    // The SDK's own metrics are not HTTP metrics: there in every mode.
    expect(text).toMatch(/^access_log_rows_written_total /m);
  });

  // promtool reads the 0.0.4 text only; OpenMetrics is checked by a real Prometheus (test/stack/alerts-e2e.test.ts).
  it('passes promtool check metrics', async () => {
    const result = promtool(['check', 'metrics'], await scrape(services[mode].url));
    expect(result.status, result.output).toBe(0);
  });
});

describe.each(['unset', 'database,http/dup'] as const)('today\'s families with OTEL_SEMCONV_STABILITY_OPT_IN=%s', (mode) => {
  it('keep their series as they were', () => {
    const text = scraped[mode];
    expect(sampleValue(text, 'http_requests_total{handler="/datasets/:id",method="GET",status="200",env="test"}')).toBe(2);
    expect(sampleValue(text, 'http_requests_total{handler="none",method="GET",status="404",env="test"}')).toBe(1);
    expect(sampleValue(text, 'http_requests_total{handler="/datasets",method="other",status="501",env="test"}')).toBe(1);
    expect(sampleValue(text, 'http_requests_total{handler="/datasets",method="POST",status="499",env="test"}')).toBe(1);
    expect(sampleValue(text, 'http_errors_total{handler="/chaos/error",error_type="ChaosError",env="test"}')).toBe(1);
  });
});

describe.each(['http', 'database,http/dup'] as const)('http_server_request_duration_seconds with OTEL_SEMCONV_STABILITY_OPT_IN=%s', (mode) => {
  it('labels a 200, a 404 with no route, a thrown 500, a 501 for an unknown method, HTTP/1.0 and a hang-up as the conventions say', () => {
    const text = scraped[mode];
    const count = (labels: string) => sampleValue(text, `${SEMCONV}_count{${labels},env="test"}`);
    const v11 = 'url_scheme="http",network_protocol_version="1.1"';
    expect(count(`http_request_method="GET",http_route="/datasets/:id",http_response_status_code="200",${v11}`)).toBe(2);
    expect(count(`http_request_method="POST",http_route="/datasets",http_response_status_code="201",${v11}`)).toBe(1);
    expect(count(`http_request_method="GET",http_response_status_code="404",${v11}`)).toBe(1);
    expect(count(`http_request_method="GET",http_route="/chaos/error",http_response_status_code="500",error_type="ChaosError",${v11}`)).toBe(1);
    expect(count(`http_request_method="_OTHER",http_route="/datasets",http_response_status_code="501",error_type="501",${v11}`)).toBe(1);
    expect(count('http_request_method="GET",http_route="/health",http_response_status_code="200",url_scheme="http",network_protocol_version="1.0"')).toBe(1);
    expect(count(`http_request_method="POST",http_route="/datasets",error_type="client_closed",${v11}`)).toBe(1);
    expect(text).not.toMatch(/http_route="none"/);
    expect(text).not.toContain('http_route="/metrics"'); // /metrics stays excluded, as from today's families
    const les = [...text.matchAll(new RegExp(`^${SEMCONV}_bucket\\{http_request_method="GET",http_route="/datasets/:id",[^}]*le="([^"]+)"\\}`, 'gm'))].map((m) => m[1]);
    expect(les).toEqual(['0.005', '0.01', '0.025', '0.05', '0.075', '0.1', '0.25', '0.5', '0.75', '1', '2.5', '5', '7.5', '10', '+Inf']);
  });

  it('declares the unit in OpenMetrics, where the name ends in it', async () => {
    const om = await scrape(services[mode].url, { accept: OM_ACCEPT });
    expect(om).toContain(`# UNIT ${SEMCONV} seconds`);
    expect(om.endsWith('# EOF\n')).toBe(true);
  });
});

describe('OTEL_SEMCONV_STABILITY_OPT_IN=http', () => {
  it('keeps the series count unchanged after 1000 random paths and unknown methods', async () => {
    const url = services.http.url;
    await (await fetch(`${url}/warm/up`, { method: 'PROPFIND' })).arrayBuffer(); // the one (_OTHER, no route, 404) series
    const before = countSeries(await scrape(url), SEMCONV);
    await fireRequests((i) => `${url}/${Math.random().toString(36).slice(2)}/${i}?q=${i}`, 1000, 16);
    for (const method of ['PROPFIND', 'MKCOL', 'LOCK', 'SEARCH']) await (await fetch(`${url}/${method.toLowerCase()}/x`, { method })).arrayBuffer();
    const text = await scrape(url);
    expect(countSeries(text, SEMCONV)).toBe(before);
    expect(sampleValue(text, `${SEMCONV}_count{http_request_method="GET",http_response_status_code="404",url_scheme="http",network_protocol_version="1.1",env="test"}`)).toBe(1001);
  });
});

describe('OTEL_SEMCONV_STABILITY_OPT_IN=http/dup', () => {
  it('counts the same requests in both families', () => {
    const text = scraped['database,http/dup'];
    const total = (re: RegExp) => [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
    const semconv = total(new RegExp(`^${SEMCONV}_count\\{[^}]*\\} (\\d+)$`, 'gm'));
    expect(semconv).toBeGreaterThan(0);
    expect(semconv).toBe(total(/^http_requests_total\{[^}]*\} (\d+)$/gm));
    expect(semconv).toBe(sampleValue(text, 'http_request_duration_highr_seconds_count{env="test"}'));
  });
});
