import type { HttpSemconvMode } from '../telemetry/http-metrics/semconv-mode';

/**
 * The HTTP part of OTEL_SEMCONV_STABILITY_OPT_IN. The variable is one comma-separated list shared by every
 * OpenTelemetry instrumentation (`http/dup,database`), so tokens of other domains, and anything else, are left for
 * whoever reads them and never an error here. Read as OpenTelemetry JS reads it (`semconvStabilityFromStr`): tokens
 * trimmed and compared without case, `http/dup` wins over `http` wherever each appears.
 */
export function httpSemconvModeOf(value: string | undefined): HttpSemconvMode {
  // A token of the http domain that is neither value (`http/dupe`, `http/stable`) is a typo that would silently keep
  // today's names; OpenTelemetry ignores it, here it stops startup (see `httpSemconvTypos`).
  let mode: HttpSemconvMode = 'old';
  for (const token of (value ?? '').split(',')) {
    const t = token.trim().toLowerCase();
    if (t === 'http/dup') return 'dup';
    if (t === 'http') mode = 'stable';
  }
  return mode;
}

/** Tokens of the http domain (`http/…`) that are neither `http` nor `http/dup`: typos, reported at startup. */
export function httpSemconvTypos(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter((t) => t.toLowerCase().startsWith('http/') && t.toLowerCase() !== 'http/dup');
}
