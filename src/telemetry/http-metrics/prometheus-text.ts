import { renderExemplar } from './exemplar';
import { FAMILY_HELP, SIZE_FAMILIES } from './family-help';
import { histogramLines } from './histogram-text';
import type { HttpMetrics } from './http-metrics';
import { escapeLabelValue, metricName, renderLabels, statusLabel } from './labels';
import { emitsOldNames, emitsStableNames } from './semconv-mode';
import { serverDurationLines } from './server-duration-text';

export interface TextOptions {
  namespace: string;
  subsystem: string;
  /** Constant labels appended to every HTTP series. */
  customLabels: Record<string, string>;
}

/**
 * Renders the HTTP metrics in the Prometheus text format 0.0.4, or with `openMetrics` in OpenMetrics 1.0.0: counter
 * families are then declared without `_total`, and the duration buckets and request counters carry their exemplars
 * (the 0.0.4 text never does: it has no syntax for them). The caller ends an OpenMetrics exposition with `# EOF`.
 * Which families, today's or the semantic conventions' `http_server_request_duration_seconds` or both, follows
 * the registry's `semconv` mode (OTEL_SEMCONV_STABILITY_OPT_IN).
 * Written by hand rather than through OpenTelemetry's serializer because that one blocked the event loop ~120 ms for
 * 1000 histogram series; this walks the cells once.
 */
export function renderPrometheusText(metrics: HttpMetrics, options: TextOptions, openMetrics = false): string {
  const mode = metrics.options.semconv ?? 'old';
  const custom = renderLabels(options.customLabels);
  const out: string[] = [];
  if (emitsOldNames(mode)) todaysFamilies(out, metrics, options, custom, openMetrics);
  if (emitsStableNames(mode)) serverDurationLines(out, metrics, custom, openMetrics);
  out.push('');
  return out.join('\n');
}

/** Today's families, under METRICS_NAMESPACE / METRICS_SUBSYSTEM: what the shipped dashboards and alerts read. */
function todaysFamilies(out: string[], metrics: HttpMetrics, options: TextOptions, custom: string, openMetrics: boolean): void {
  const family = (full: string) => (openMetrics ? full.replace(/_total$/, '') : full);
  const name = (base: string) => metricName(options.namespace, options.subsystem, base);
  const withCustom = (labels: string) => (custom === '' ? labels : labels === '' ? custom : `${labels},${custom}`);
  const group = metrics.options.groupStatusCodes;
  const handlers = [...metrics.handlers.values()].filter((h) => h !== null);

  const requests = name('http_requests_total');
  out.push(`# HELP ${family(requests)} ${FAMILY_HELP.http_requests_total}`, `# TYPE ${family(requests)} counter`);
  for (const h of handlers) {
    for (const m of h.methods.values()) {
      const base = `handler="${escapeLabelValue(h.handler)}",method="${m.method}"`;
      const exemplars = openMetrics ? m.requestExemplars : undefined;
      for (const [key, count] of m.requests) {
        const exemplar = exemplars?.get(key);
        out.push(`${requests}{${withCustom(`${base},status="${statusLabel(key, group)}"`)}} ${count}${exemplar ? renderExemplar(exemplar) : ''}`);
      }
    }
  }

  const duration = name('http_request_duration_seconds');
  out.push(`# HELP ${duration} ${FAMILY_HELP.http_request_duration_seconds}`, `# TYPE ${duration} histogram`);
  for (const h of handlers) {
    for (const m of h.methods.values()) {
      if (m.duration.count === 0) continue;
      histogramLines(out, duration, withCustom(`handler="${escapeLabelValue(h.handler)}",method="${m.method}"`), m.duration, openMetrics);
    }
  }

  const highr = name('http_request_duration_highr_seconds');
  out.push(`# HELP ${highr} ${FAMILY_HELP.http_request_duration_highr_seconds}`, `# TYPE ${highr} histogram`);
  histogramLines(out, highr, withCustom(''), metrics.highrDuration, false);

  for (const [base, pick] of SIZE_FAMILIES) {
    const full = name(base);
    out.push(`# HELP ${full} ${FAMILY_HELP[base]}`, `# TYPE ${full} histogram`);
    for (const h of handlers) {
      if (h[pick].count === 0) continue;
      histogramLines(out, full, withCustom(`handler="${escapeLabelValue(h.handler)}"`), h[pick], false);
    }
  }

  const inProgress = name('http_requests_in_progress');
  out.push(`# HELP ${inProgress} ${FAMILY_HELP.http_requests_in_progress}`, `# TYPE ${inProgress} gauge`);
  for (const h of handlers) {
    for (const m of h.methods.values()) {
      out.push(`${inProgress}{${withCustom(`handler="${escapeLabelValue(h.handler)}",method="${m.method}"`)}} ${m.inProgress}`);
    }
  }

  const errors = name('http_errors_total');
  out.push(`# HELP ${family(errors)} ${FAMILY_HELP.http_errors_total}`, `# TYPE ${family(errors)} counter`);
  for (const h of handlers) {
    for (const [type, count] of h.errors) {
      out.push(`${errors}{${withCustom(`handler="${escapeLabelValue(h.handler)}",error_type="${escapeLabelValue(type)}"`)}} ${count}`);
    }
  }
}
