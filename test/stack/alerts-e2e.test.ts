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
 */
type Rule = { record?: string; alert?: string; expr: string; for?: string };
const rules = ['recording.yml', 'alerts.yml'].flatMap((file) =>
  (parse(fs.readFileSync(path.join(ROOT, 'prometheus/rules', file), 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules),
);
const alerts = rules.filter((r) => r.alert);
const red = JSON.parse(fs.readFileSync(path.join(ROOT, 'grafana/dashboards/api-red.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr?: string }> }> };
const panelExpr = (title: string) => expandPromVariables(red.panels.find((p) => p.title.startsWith(title))?.targets[0]?.expr as string, { job: '.*', instance: '.*', handler: '.*' });

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
  service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'fatal', CHAOS_ENABLED: 'true' });
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
});
