import { histogramLines } from './histogram-text';
import type { HttpMetrics } from './http-metrics';
import { escapeLabelValue } from './labels';
import type { ServerDurationCell, ServerDurationRoute } from './server-request-duration';

/**
 * The Prometheus name of `http.server.request.duration` (unit `s`), as the collector's translation writes it. Fixed
 * by the standard: no METRICS_NAMESPACE / METRICS_SUBSYSTEM prefix, which would defeat the point of a standard name.
 */
export const SERVER_DURATION_PROMETHEUS_NAME = 'http_server_request_duration_seconds';

/**
 * Labels of one cell, in the order of the standard's attribute table; attributes the standard leaves out for this
 * request (`http.route` when no route matched, the status code when none was sent, `error.type` when it did not
 * fail) are left out, not written empty.
 */
export function serverDurationLabels(route: ServerDurationRoute, cell: ServerDurationCell): string {
  let labels = `http_request_method="${cell.method}"`;
  if (route.httpRoute !== undefined) labels += `,http_route="${escapeLabelValue(route.httpRoute)}"`;
  if (cell.status !== 0) labels += `,http_response_status_code="${cell.status}"`;
  if (cell.errorType !== '') labels += `,error_type="${escapeLabelValue(cell.errorType)}"`;
  return `${labels},url_scheme="${cell.scheme}",network_protocol_version="${cell.protocolVersion}"`;
}

/**
 * Appends the `http_server_request_duration_seconds` family, custom labels after the standard ones. In OpenMetrics
 * its buckets carry their exemplars, and its unit is declared (the name ends in it, as OpenMetrics requires).
 */
export function serverDurationLines(out: string[], metrics: HttpMetrics, customLabels: string, openMetrics: boolean): void {
  const name = SERVER_DURATION_PROMETHEUS_NAME;
  out.push(`# HELP ${name} Duration of HTTP server requests, in seconds (OpenTelemetry semantic conventions, http.server.request.duration).`);
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
