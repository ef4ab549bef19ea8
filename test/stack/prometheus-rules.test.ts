import path from 'node:path';
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
});
