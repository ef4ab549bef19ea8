import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, waitFor, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { PrometheusServer } from '../support/prometheus';

const database = new TestDatabase();
const prometheus = new PrometheusServer();
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'warn', PATH_PREFIX: '/aiod' });
  const target = new URL(service.url);
  await prometheus.start(`
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: api
    metrics_path: /aiod/metrics
    static_configs:
      - targets: ['${target.host}']
`);
});

afterAll(async () => {
  await prometheus.stop();
  await service?.stop();
  await database.drop();
});

describe('a real Prometheus 2.42 scraping the service', () => {
  it('scrapes it (gzip, behind a path prefix) and sum(rate(http_requests_total[1m])) returns data', async () => {
    const traffic = setInterval(() => void fetch(`${service.url}/health`).then((r) => r.arrayBuffer()), 20);
    try {
      await waitFor(
        async () => {
          const result = await prometheus.query('sum(rate(http_requests_total[1m]))');
          return result.status === 'success' && Number(result.data?.result[0]?.value?.[1] ?? 0) > 0;
        },
        20_000,
        'rate() over scraped data',
      );
    } finally {
      clearInterval(traffic);
    }
    const up = await prometheus.query('up{job="api"}');
    expect(up.data?.result[0]?.value?.[1]).toBe('1');
    const quantile = await prometheus.query('histogram_quantile(0.99, sum by (le) (rate(http_request_duration_highr_seconds_bucket[1m])))');
    expect(Number(quantile.data?.result[0]?.value?.[1])).toBeGreaterThan(0);
  });
});
