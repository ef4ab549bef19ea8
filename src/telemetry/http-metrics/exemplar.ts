/**
 * The trace of one observation, kept as the exemplar of the bucket (or counter series) it fell in: the link from a
 * latency spike on a dashboard to the slow request's trace. Only the latest per bucket is kept.
 */
export interface Exemplar {
  traceId: string;
  spanId: string;
  /** The observed value (seconds for a duration bucket, 1 for a counter increment). */
  value: number;
  /** When it was observed, epoch milliseconds. */
  timestampMs: number;
}

/** The span a request ran in, when it is traced and sampled. */
export interface SampledSpan {
  traceId: string;
  spanId: string;
}

/**
 * The exemplar that replaces `current`: `current` itself, overwritten, when there is one — after the first request
 * per bucket or series, recording an exemplar allocates nothing.
 */
export function nextExemplar(current: Exemplar | undefined, span: SampledSpan, value: number, timestampMs: number): Exemplar {
  if (current === undefined) return { traceId: span.traceId, spanId: span.spanId, value, timestampMs };
  current.traceId = span.traceId;
  current.spanId = span.spanId;
  current.value = value;
  current.timestampMs = timestampMs;
  return current;
}

/** The later of two exemplars (summing snapshots of several processes keeps the newest). */
export function newer(a: Exemplar | undefined | null, b: Exemplar | undefined | null): Exemplar | undefined {
  if (!a) return b ?? undefined;
  if (!b) return a;
  return b.timestampMs > a.timestampMs ? b : a;
}

/** OpenMetrics exemplar suffix: ` # {trace_id="…",span_id="…"} <value> <timestamp in seconds>`. */
export function renderExemplar(exemplar: Exemplar): string {
  return ` # {trace_id="${exemplar.traceId}",span_id="${exemplar.spanId}"} ${exemplar.value} ${(exemplar.timestampMs / 1000).toFixed(3)}`;
}
