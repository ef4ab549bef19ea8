/**
 * The HELP text of each HTTP family, by its name without METRICS_NAMESPACE / METRICS_SUBSYSTEM: one text for the
 * 0.0.4/OpenMetrics exposition (`prometheus-text.ts`, `server-duration-text.ts`) and the protobuf one
 * (`protobuf/http-metrics-families.ts`), which must describe the same families alike.
 */
export const FAMILY_HELP = {
  http_requests_total: 'Total number of HTTP requests by handler, method and status.',
  http_request_duration_seconds: 'Latency of HTTP requests by handler and method, in seconds.',
  http_request_duration_highr_seconds: 'Latency of all HTTP requests with fine buckets, in seconds.',
  http_request_size_bytes: 'Size of HTTP request bodies by handler (Content-Length), in bytes.',
  http_response_size_bytes: 'Size of HTTP response bodies by handler (Content-Length), in bytes.',
  http_requests_in_progress: 'HTTP requests being served, by handler and method.',
  http_errors_total: 'Unhandled exceptions (answered with 5xx) by handler and error class.',
  http_server_request_duration_seconds: 'Duration of HTTP server requests, in seconds (OpenTelemetry semantic conventions, http.server.request.duration).',
} as const;

/** The two size histograms, rendered alike by handler. */
export const SIZE_FAMILIES = [
  ['http_request_size_bytes', 'requestSize'],
  ['http_response_size_bytes', 'responseSize'],
] as const;
