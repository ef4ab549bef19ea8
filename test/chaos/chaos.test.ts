import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { sampleValue, scrape } from '../support/metrics-text';

const database = new TestDatabase();
const services: TestService[] = [];
async function start(env: Record<string, string>): Promise<TestService> {
  const service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'warn', PATH_PREFIX: '/aiod', ...env });
  services.push(service);
  await waitUntilReady(service);
  return service;
}
afterAll(async () => {
  for (const s of services) await s.stop();
  await database.drop();
});

describe('fault injection off (the default)', () => {
  let service: TestService;
  beforeAll(async () => {
    // Rates set, switch off: nothing may be injected.
    service = await start({ CHAOS_ERROR_RATE: '1', CHAOS_LATENCY_MS: '1000', CHAOS_LATENCY_RATE: '1' });
  });

  it('has no chaos routes and injects nothing', async () => {
    expect((await fetch(`${service.url}/chaos/slow?ms=10`)).status).toBe(404);
    expect((await fetch(`${service.url}/chaos/error`)).status).toBe(404);
    const started = performance.now();
    for (let i = 0; i < 10; i++) expect((await fetch(`${service.url}/datasets`)).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(service.logs.lines.filter((l) => String(l.msg).includes('CHAOS'))).toEqual([]);
  });
});

describe('fault injection on', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await start({ CHAOS_ENABLED: 'true' });
  });

  it('warns at startup', () => {
    expect(service.logs.lines.find((l) => String(l.msg).startsWith('CHAOS_ENABLED'))).toMatchObject({ level: 'warn' });
  });

  it('/chaos/error fails with the status asked for, a real error to the metrics', async () => {
    const response = await fetch(`${service.url}/chaos/error?status=503`);
    expect(response.status).toBe(503);
    expect((await fetch(`${service.url}/chaos/error`)).status).toBe(500);
    const text = await scrape(service.url);
    expect(sampleValue(text, 'http_requests_total{handler="/aiod/chaos/error",method="GET",status="503"}')).toBe(1);
    expect(sampleValue(text, 'http_errors_total{handler="/aiod/chaos/error",error_type="ChaosError"}')).toBe(2);
  });

  it('/chaos/slow answers after the delay asked for, seen in the latency histogram', async () => {
    const started = performance.now();
    expect(await (await fetch(`${service.url}/chaos/slow?ms=350`)).json()).toEqual({ slept_ms: 350 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(340);
    const text = await scrape(service.url);
    expect(sampleValue(text, 'http_request_duration_seconds_bucket{handler="/aiod/chaos/slow",method="GET",le="0.3"}')).toBe(0);
    expect(sampleValue(text, 'http_request_duration_seconds_bucket{handler="/aiod/chaos/slow",method="GET",le="1"}')).toBe(1);
  });

  it.each([
    ['/chaos/slow?ms=10001', 'ms'],
    ['/chaos/slow?ms=-1', 'ms'],
    ['/chaos/error?status=404', 'status'],
    ['/chaos/error?status=abc', 'status'],
  ])('%s is a 400 naming %s', async (path, parameter) => {
    const response = await fetch(`${service.url}${path}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { parameter: string } }).error.parameter).toBe(parameter);
  });
});

describe('injection into the catalogue', () => {
  it('CHAOS_ERROR_RATE=1 fails every catalogue request, not /health or /metrics', async () => {
    const service = await start({ CHAOS_ENABLED: 'true', CHAOS_ERROR_RATE: '1' });
    expect((await fetch(`${service.url}/datasets`)).status).toBe(500);
    expect((await fetch(`${service.url}/v2/models/mdl_x`)).status).toBe(500);
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    const text = await scrape(service.url);
    expect(sampleValue(text, 'http_errors_total{handler="/aiod/datasets",error_type="ChaosError"}')).toBe(1);
  });

  it('CHAOS_LATENCY_MS delays the share CHAOS_LATENCY_RATE of catalogue requests', async () => {
    const service = await start({ CHAOS_ENABLED: 'true', CHAOS_LATENCY_MS: '250', CHAOS_LATENCY_RATE: '1' });
    const started = performance.now();
    expect((await fetch(`${service.url}/datasets`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
    const quick = performance.now();
    await fetch(`${service.url}/health`);
    expect(performance.now() - quick).toBeLessThan(200);
  });
});
