/** Today's HTTP metric families (OTEL_SEMCONV_STABILITY_OPT_IN unset), in the order they are rendered and pushed. */
export const TODAYS_HTTP_FAMILIES = [
  'http_requests_total',
  'http_request_duration_seconds',
  'http_request_duration_highr_seconds',
  'http_request_size_bytes',
  'http_response_size_bytes',
  'http_requests_in_progress',
  'http_errors_total',
];
