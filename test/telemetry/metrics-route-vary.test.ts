import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { rawGet } from '../support/metrics-text';

/**
 * Hostile review: `/metrics` now answers three formats, one of them binary, chosen by `Accept`, but only says
 * `Vary: Accept-Encoding`. A shared cache in front of the service (a reverse proxy with caching on, a CDN) may then
 * hand the protobuf body stored for a native-histogram Prometheus to curl or a classic Prometheus, whose parser fails.
 */
const database = new TestDatabase();
let service: TestService;
const PROTOBUF = 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited';

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'fatal' });
  await waitUntilReady(service);
});

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

describe('/metrics and caches', () => {
  it.each([
    ['protobuf', PROTOBUF],
    ['openmetrics', 'application/openmetrics-text;version=1.0.0'],
    ['text', 'text/plain'],
  ])('a %s answer says it varies with Accept', async (_format, accept) => {
    const res = await rawGet(`${service.url}/metrics`, { accept, 'accept-encoding': 'gzip' });
    expect(res.status).toBe(200);
    const vary = String(res.headers.vary ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase());
    expect(vary).toContain('accept');
  });
});
