import { histogramLines } from './histogram-text';
import type { HttpMetrics } from './http-metrics';
import { escapeLabelValue } from './labels';
import { FAMILY_HELP } from './family-help';
import { prometheusLabelOf, serverDurationAttributes, type ServerDurationCell, type ServerDurationRoute } from './server-request-duration';

/**
 * The Prometheus name of `http.server.request.duration` (unit `s`), as the collector's translation writes it. Fixed
 * by the standard: no METRICS_NAMESPACE / METRICS_SUBSYSTEM prefix, which would defeat the point of a standard name.
 */
export const SERVER_DURATION_PROMETHEUS_NAME = 'http_server_request_duration_seconds' as const;

/** Labels of one cell, as `serverDurationAttributes` lists them. */
export function serverDurationLabels(route: ServerDurationRoute, cell: ServerDurationCell): string {
  return serverDurationAttributes(route, cell)
    .map(([name, value]) => `${prometheusLabelOf(name)}="${escapeLabelValue(String(value))}"`)
    .join(',');
}

/**
 * Appends the `http_server_request_duration_seconds` family, custom labels after the standard ones. In OpenMetrics
 * its buckets carry their exemplars, and its unit is declared (the name ends in it, as OpenMetrics requires).
 */
export function serverDurationLines(out: string[], metrics: HttpMetrics, customLabels: string, openMetrics: boolean): void {
  const name = SERVER_DURATION_PROMETHEUS_NAME;
  out.push(`# HELP ${name} ${FAMILY_HELP[name]}`);
  out.push(`# TYPE ${name} histogram`);
  if (openMetrics) out.push(`# UNIT ${name} seconds`);
  for (const route of metrics.serverDuration.values()) {
    if (route === null) continue;
    for (const cell of route.cells.values()) {
      const labels = serverDurationLabels(route, cell);
      histogramLines(out, name, customLabels === '' ? labels : `${labels},${customLabels}`, cell.duration, openMetrics);
    }
  }
}
