import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { promtool } from '../support/prometheus';
import { ROOT } from '../support/spawn-service';

describe('prometheus/ with promtool 2.42', () => {
  it('check config passes (and loads the rule files)', () => {
    const result = promtool(['check', 'config', path.join(ROOT, 'prometheus/prometheus.yml')]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toMatch(/recording\.yml/);
    expect(result.output).toMatch(/alerts\.yml/);
  });

  it('check rules passes', () => {
    const result = promtool(['check', 'rules', path.join(ROOT, 'prometheus/rules/recording.yml'), path.join(ROOT, 'prometheus/rules/alerts.yml')]);
    expect(result.status, result.output).toBe(0);
  });

  it('test rules passes: every alert shown firing and not firing', () => {
    const result = promtool(['test', 'rules', path.join(ROOT, 'prometheus/tests/alerts.test.yml')]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toMatch(/SUCCESS/);
  });

  it('shows every alert of alerts.yml both firing and not firing in the unit tests', () => {
    const alerts = (parse(fs.readFileSync(path.join(ROOT, 'prometheus/rules/alerts.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string }> }> }).groups
      .flatMap((g) => g.rules)
      .map((r) => r.alert)
      .filter((a): a is string => a !== undefined);
    const cases = (parse(fs.readFileSync(path.join(ROOT, 'prometheus/tests/alerts.test.yml'), 'utf8')) as {
      tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
    }).tests.flatMap((t) => t.alert_rule_test ?? []);
    expect(alerts.length).toBeGreaterThanOrEqual(11);
    for (const alert of alerts) {
      expect(cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0), `${alert} firing`).toBe(true);
      expect(cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0), `${alert} not firing`).toBe(true);
    }
  });
});
