/** Content types of the two exposition formats `/metrics` speaks. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** True when the scraper's `Accept` names OpenMetrics (Prometheus lists it first by default). */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('application/openmetrics-text');
}

/**
 * Turns Prometheus 0.0.4 text (what OpenTelemetry's serializer and the process group's own series are written in)
 * into OpenMetrics: a counter family is declared without its `_total` suffix (its samples keep it), `untyped` is
 * `unknown`, and `# UNIT` lines go — OpenMetrics requires the unit to end the family name, which OpenTelemetry's
 * names (`nodejs_eventloop_utilization` with unit `1`) do not, and Prometheus then rejects the whole scrape.
 * Everything else — samples, labels, histograms, gauges — reads the same in both.
 */
export function prometheusTextToOpenMetrics(text: string): string {
  if (text === '') return text;
  const counters = new Set<string>();
  for (const match of text.matchAll(/^# TYPE (\S+) counter$/gm)) counters.add(match[1] as string);
  return text.replace(/^# UNIT .*\n/gm, '').replace(/^# (HELP|TYPE) (\S+)(.*)$/gm, (line, kind: string, name: string, rest: string) => {
    if (kind === 'TYPE' && rest === ' untyped') return `# TYPE ${name} unknown`;
    if (counters.has(name) && name.endsWith('_total')) return `# ${kind} ${name.slice(0, -'_total'.length)}${rest}`;
    return line;
  });
}
