import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTraffic } from '../../scripts/traffic';
import { startTestService, waitFor, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { PrometheusServer, repoPrometheusConfig } from '../support/prometheus';
import { ROOT } from '../support/spawn-service';
import { expandPromVariables } from '../support/grafana-macros';

/**
 * The shipped rules, unmodified, evaluated by the real Prometheus against the running service with fault injection
 * on: quiet under steady traffic, and the 5xx-ratio, p99 and error-budget alerts on their way to firing under an
 * incident.
 *
 * The service runs with OTEL_SEMCONV_STABILITY_OPT_IN=http/dup: the shipped rules and panels must keep working while
 * the semantic-convention histogram is exposed beside today's families (whose exposition is the default's to the
 * byte, test/telemetry/http-metrics/prometheus-text.test.ts), and the semantic-convention equivalents that
 * docs/observability.md gives for `http` alone must return data and agree with them. The default mode meets the
 * same rules in dashboard-queries.test.ts and replicas-prometheus.test.ts.
 */
type Rule = { record?: string; alert?: string; expr: string; for?: string };
const rules = ['recording.yml', 'alerts.yml'].flatMap((file) =>
  (parse(fs.readFileSync(path.join(ROOT, 'prometheus/rules', file), 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules),
);
const alerts = rules.filter((r) => r.alert);
const red = JSON.parse(fs.readFileSync(path.join(ROOT, 'grafana/dashboards/api-red.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr?: string }> }> };
const panelExpr = (title: string) => expandPromVariables(red.panels.find((p) => p.title.startsWith(title))?.targets[0]?.expr as string, { job: '.*', instance: '.*', handler: '.*' });
// docs/observability.md's ```promql-semconv block: one expression per line, a trailing `# comment` says what it shows.
const semconvExamples = (/```promql-semconv\n([\s\S]*?)```/.exec(fs.readFileSync(path.join(ROOT, 'docs/observability.md'), 'utf8'))?.[1] ?? '')
  .split('\n')
  .map((line) => line.replace(/\s+#.*$/, '').trim())
  .filter(Boolean);

const database = new TestDatabase();

afterAll(async () => {
  await database.drop();
});

/**
 * Twice: Prometheus as shipped (OpenMetrics, classic buckets), and with native histograms on (protobuf; Prometheus
 * 2.42 then stores only the native part of the duration histogram, so the rules and panels must read either).
 */
describe.each([
  { ingest: 'classic buckets', flags: [] as string[] },
  { ingest: 'native histograms', flags: ['--enable-feature=native-histograms'] },
])('the shipped alerts against the running service, $ingest', ({ flags }) => {
const prometheus = new PrometheusServer();
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'fatal', CHAOS_ENABLED: 'true', OTEL_SEMCONV_STABILITY_OPT_IN: 'http/dup' });
  await waitUntilReady(service);
  // The shipped rule files as they are; only the clock is faster.
  await prometheus.start(repoPrometheusConfig([new URL(service.url).host], { apiOnly: true }), undefined, flags);
}, 60_000);

afterAll(async () => {
  await prometheus.stop();
  await service?.stop();
});

  it('stay quiet under steady traffic, while every recording rule produces series', async () => {
    await runTraffic({ baseUrl: service.url, rps: 30, seconds: 6, assetsPerType: 5, scenario: 'steady' });
    await waitFor(async () => {
      for (const rule of rules.filter((r) => r.record)) {
        if (((await prometheus.query(rule.record as string)).data?.result.length ?? 0) === 0) return false;
      }
      return true;
    }, 20_000, 'every recording rule to produce series');
    for (const alert of alerts) {
      const result = await prometheus.query(alert.expr);
      expect(result.status, alert.alert).toBe('success');
      expect(result.data?.result, `${alert.alert}: ${alert.expr}`).toEqual([]);
    }
  }, 60_000);

  it('under an incident, the 5xx-ratio, p99 and error-budget alerts are pending or firing, and the RED panels show it', async () => {
    const summary = await runTraffic({ baseUrl: service.url, rps: 30, seconds: 10, assetsPerType: 5, scenario: 'incident' });
    expect(summary.byStatus['500']).toBeGreaterThan(10);
    const expected = ['ApiHighErrorRatio', 'ApiHighLatencyP99', 'ApiErrorBudgetBurnFast'];
    await waitFor(async () => {
      for (const name of expected) {
        const rule = alerts.find((a) => a.alert === name) as Rule;
        if (((await prometheus.query(rule.expr)).data?.result.length ?? 0) === 0) return false;
      }
      return true;
    }, 20_000, 'the incident alerts\' expressions');
    await waitFor(async () => {
      const active = await prometheus.get<{ data: { alerts: Array<{ labels: { alertname: string }; state: string }> } }>('/api/v1/alerts');
      return expected.every((name) => active.data.alerts.some((a) => a.labels.alertname === name));
    }, 10_000, 'the alerts in the rule manager');
    const active = await prometheus.get<{ data: { alerts: Array<{ labels: { alertname: string }; state: string }> } }>('/api/v1/alerts');
    for (const name of expected) {
      const alert = active.data.alerts.find((a) => a.labels.alertname === name);
      // Alerts with a `for:` wait as pending (their unit tests cover the rest); the burn-rate alert has none.
      expect(alert?.state, name).toBe(alerts.find((a) => a.alert === name)?.for ? 'pending' : 'firing');
    }
    // Nothing unrelated: the process alerts stay quiet.
    for (const name of ['ApiTargetDown', 'ApiMemoryNearLimit', 'ApiMemoryGrowing', 'AccessLogRowsDropped']) {
      expect(active.data.alerts.filter((a) => a.labels.alertname === name), name).toEqual([]);
    }

    const errorRatio = await prometheus.query(panelExpr('Error ratio'));
    expect(Number(errorRatio.data?.result[0]?.value?.[1])).toBeGreaterThan(0.01);
    const latency = red.panels.find((p) => p.title.startsWith('Latency'))?.targets.at(-1)?.expr as string;
    const p99 = await prometheus.query(expandPromVariables(latency, { job: '.*', instance: '.*', handler: '.*' }));
    expect(Number(p99.data?.result[0]?.value?.[1])).toBeGreaterThan(1);
    const byType = await prometheus.query(panelExpr('Errors by type'));
    expect(byType.data?.result.map((r) => r.metric.error_type)).toContain('ChaosError');
  }, 90_000);

  it('the docs\' semantic-convention equivalents return data, and the error ratio is the shipped rule\'s', async () => {
    expect(semconvExamples.length).toBeGreaterThanOrEqual(7);
    // Scraped in OpenMetrics (Prometheus asks for it first), with its # UNIT line and exemplars, cleanly.
    const targets = await prometheus.get<{ data: { activeTargets: Array<{ health: string; lastError: string }> } }>('/api/v1/targets');
    expect(targets.data.activeTargets.map((t) => [t.health, t.lastError])).toEqual([['up', '']]);
    for (const expr of semconvExamples) {
      const result = await prometheus.query(expr);
      expect(result.status, expr).toBe('success');
      expect(result.data?.result.length, expr).toBeGreaterThan(0);
    }
    const byType = await prometheus.query(semconvExamples.find((e) => e.startsWith('sum by (error_type)')) as string);
    expect(byType.data?.result.map((r) => r.metric.error_type)).toEqual(['ChaosError']);
    // One instant, two families fed by the same requests and the same scrapes: the same counts, and so the same 5xx
    // ratio — to the digit from classic series; within rate()'s extrapolation from native ones, which Prometheus 2.42
    // does not clamp at the series' start as it does a counter's.
    const time = Math.floor(Date.now() / 1000) - 2;
    const at = async (expr: string) => Number((await prometheus.get<{ data: { result: Array<{ value: [number, string] }> } }>(`/api/v1/query?query=${encodeURIComponent(expr)}&time=${time}`)).data.result[0]?.value[1]);
    const X = 'http_server_request_duration_seconds';
    for (const [todays, semconv] of [
      ['sum(http_requests_total)', `sum(${X}_count) or sum(histogram_count(${X}))`],
      ['sum(http_requests_total{status=~"5.."})', `sum(${X}_count{http_response_status_code=~"5.."}) or sum(histogram_count(${X}{http_response_status_code=~"5.."}))`],
    ]) {
      expect(await at(semconv as string), semconv).toBe(await at(todays as string));
    }
    const ruleRatio = await at((rules.find((r) => r.record === 'job:http_requests_errors:ratio_rate5m') as Rule).expr);
    const docsRatio = await at(semconvExamples[1] as string);
    expect(ruleRatio).toBeGreaterThan(0.01);
    if (flags.length === 0) expect(docsRatio).toBeCloseTo(ruleRatio, 9);
    else expect(Math.abs(docsRatio - ruleRatio) / ruleRatio).toBeLessThan(0.05);
  });
});
