import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/spawn-service';

/**
 * docs/observability.md says which shipped alerts and API RED panels go blank with OTEL_SEMCONV_STABILITY_OPT_IN=http
 * (only the semantic-convention histogram exposed). Those are exactly the ones whose expressions read today's HTTP
 * families, directly or through a recording rule: this keeps the list true when rules and panels change.
 */
const TODAYS_HTTP = /\bhttp_(requests_total|request_duration_seconds|request_duration_highr_seconds|request_size_bytes|response_size_bytes|requests_in_progress|errors_total)(_bucket|_sum|_count)?\b/;

type Rule = { record?: string; alert?: string; expr: string };
const rules = ['recording.yml', 'alerts.yml'].flatMap((file) =>
  (parse(fs.readFileSync(path.join(ROOT, 'prometheus/rules', file), 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules),
);
const red = JSON.parse(fs.readFileSync(path.join(ROOT, 'grafana/dashboards/api-red.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr?: string }> }> };
const doc = fs.readFileSync(path.join(ROOT, 'docs/observability.md'), 'utf8');
const section = (/### What `http` alone means[\s\S]*?\n\nSo move/.exec(doc)?.[0] ?? '').replace(/\s+/g, ' ');

/** Recording rules on today's names, then everything reading them, until nothing new turns up. */
function blankNames(): Set<string> {
  const blank = new Set<string>();
  const reads = (expr: string) => TODAYS_HTTP.test(expr) || [...blank].some((name) => expr.includes(name));
  for (let grew = true; grew; ) {
    grew = false;
    for (const rule of rules) {
      const name = (rule.record ?? rule.alert) as string;
      if (!blank.has(name) && reads(rule.expr)) {
        blank.add(name);
        grew = true;
      }
    }
  }
  return blank;
}

describe('docs/observability.md on OTEL_SEMCONV_STABILITY_OPT_IN=http', () => {
  const blank = blankNames();

  it('names as never firing exactly the alerts that read today\'s HTTP families, and the others as working', () => {
    const never = /\*\*([^*]+) can never fire\*\*/.exec(section)?.[1] ?? '';
    const working = /healthy service\. ([^(]+) keep working/.exec(section)?.[1] ?? '';
    const listed = (text: string) => new Set(text.split(/,| and /).map((s) => s.trim()).filter(Boolean));
    const alerts = rules.filter((r) => r.alert).map((r) => r.alert as string);
    expect(listed(never)).toEqual(new Set(alerts.filter((a) => blank.has(a))));
    expect(listed(working)).toEqual(new Set(alerts.filter((a) => !blank.has(a))));
    expect(section).toMatch(/\*\*Every recording rule\*\*/);
    for (const rule of rules.filter((r) => r.record)) expect(blank.has(rule.record as string), rule.record).toBe(true);
  });

  it('names as going blank exactly the API RED panels that read today\'s HTTP families or their rules', () => {
    const panelsLine = /\*API RED\*: (.*?) go blank/.exec(section)?.[1] ?? '';
    const named = [...panelsLine.matchAll(/\*([^*]+)\*/g)].map((m) => m[1] as string);
    const reading = red.panels.filter((p) => p.targets.some((t) => t.expr !== undefined && (TODAYS_HTTP.test(t.expr) || [...blank].some((n) => t.expr?.includes(n)))));
    expect(reading.length).toBeGreaterThan(0);
    for (const panel of red.panels) {
      const isNamed = named.some((title) => panel.title.startsWith(title));
      expect(isNamed, panel.title).toBe(reading.includes(panel));
    }
    expect(named).toHaveLength(reading.length);
  });
});
