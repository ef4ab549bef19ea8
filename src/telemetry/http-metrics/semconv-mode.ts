/**
 * Which names the HTTP metrics go by, from OTEL_SEMCONV_STABILITY_OPT_IN (OpenTelemetry's migration switch):
 * - `old`: today's families (`http_requests_total`, `http_request_duration_seconds`, …), what the shipped dashboards
 *   and alerts read;
 * - `stable`: only the stable semantic-convention histogram `http.server.request.duration`
 *   (`http_server_request_duration_seconds` in Prometheus);
 * - `dup`: both, for moving dashboards and alerts over while the old ones keep working.
 */
export type HttpSemconvMode = 'old' | 'stable' | 'dup';

/** Today's families are recorded and exported. */
export function emitsOldNames(mode: HttpSemconvMode): boolean {
  return mode !== 'stable';
}

/** The semantic-convention histogram is recorded and exported. */
export function emitsStableNames(mode: HttpSemconvMode): boolean {
  return mode !== 'old';
}
