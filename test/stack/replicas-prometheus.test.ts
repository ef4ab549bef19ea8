import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, waitFor, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { TcpProxy } from '../support/tcp-proxy';
import { PrometheusServer, repoPrometheusConfig } from '../support/prometheus';
import { ROOT } from '../support/spawn-service';
import { expandPromVariables } from '../support/grafana-macros';

/**
 * Two replicas of the service scraped by the real Prometheus as two instances of one job: replica A has lost its
 * database (every catalogue read answers 503), replica B is healthy, both get the same traffic. "The service" is the
 * two together: the RED panels show one combined series, and the error-ratio rule sees about 50 %, not 100 % and 0 %.
 */
const database = new TestDatabase();
const proxy = new TcpProxy();
const prometheus = new PrometheusServer();
let failing: TestService;
let healthy: TestService;

type Panel = { title: string; targets: Array<{ expr?: string }> };
const dashboard = JSON.parse(fs.readFileSync(path.join(ROOT, 'grafana/dashboards/api-red.json'), 'utf8')) as { panels: Panel[] };
// Panels about one process (CPU, memory, event loop, heap, its access-log queue) are per instance by design.
const PER_PROCESS = /process_|nodejs_|v8js_|access_log_/;

beforeAll(async () => {
  await proxy.reservePort(); // down: replica A never reaches its database
  failing = await startTestService({ DATABASE_URL: database.url(proxy.hostPort), LOG_LEVEL: 'fatal', DB_CONNECT_TIMEOUT_MS: '300', ACCESS_LOG_ENABLED: 'false' });
  healthy = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'fatal', ACCESS_LOG_ENABLED: 'false' });
  await waitUntilReady(healthy);

  await prometheus.start(repoPrometheusConfig([new URL(failing.url).host, new URL(healthy.url).host], { apiOnly: true }));

  // The same traffic to both: 20 reads a second each for 8 s.
  const deadline = Date.now() + 8000;
  while (Date.now() < deadline) {
    await Promise.all([failing, healthy].map(async (s) => (await fetch(`${s.url}/datasets`)).arrayBuffer()));
    await new Promise((r) => setTimeout(r, 50));
  }
  await waitFor(async () => (await prometheus.query('job:http_requests_errors:ratio_rate5m')).data?.result.length === 1, 20_000, 'the error-ratio rule');
}, 90_000);

afterAll(async () => {
  await prometheus.stop();
  await failing?.stop();
  await healthy?.stop();
  await database.drop();
});

describe('two replicas as one service in Prometheus', () => {
  it('are two instances of the one job', async () => {
    const up = await prometheus.query('up{job="asset-catalogue"}');
    expect(up.data?.result.map((r) => r.value?.[1])).toEqual(['1', '1']);
  });

  const red = dashboard.panels.flatMap((panel) => panel.targets.map((t) => [panel.title, t.expr ?? ''] as const)).filter(([, expr]) => expr && !PER_PROCESS.test(expr));

  it.each(red)('RED panel %s combines the replicas (no instance split)', async (_title, expr) => {
    const result = await prometheus.query(expandPromVariables(expr, { job: '.*', instance: '.*', handler: '.*' }));
    expect(result.status).toBe('success');
    const series = result.data?.result ?? [];
    expect(series.length).toBeGreaterThan(0);
    for (const s of series) expect(s.metric, expr).not.toHaveProperty('instance');
    // An unlabelled aggregate is exactly one series for the whole service.
    if (/^(1 - )?(sum|max|histogram_quantile\(\S+, sum by \(le\))\(/.test(expr)) expect(series, expr).toHaveLength(1);
  });

  it('the error-ratio rule and alert expression see the combined ratio (about half), not one replica', async () => {
    const ratio = await prometheus.query('job:http_requests_errors:ratio_rate5m');
    const series = ratio.data?.result ?? [];
    expect(series).toHaveLength(1);
    expect(series[0]?.metric).not.toHaveProperty('instance');
    const value = Number(series[0]?.value?.[1]);
    expect(value).toBeGreaterThan(0.3);
    expect(value).toBeLessThan(0.7);
    const alerts = parse(fs.readFileSync(path.join(ROOT, 'prometheus/rules/alerts.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
    const errorAlert = alerts.groups.flatMap((g) => g.rules).find((r) => r.alert === 'ApiHighErrorRatio');
    const firing = await prometheus.query(errorAlert?.expr as string);
    expect(firing.data?.result).toHaveLength(1);
    expect(firing.data?.result[0]?.metric).not.toHaveProperty('instance');
  });
});
