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
 * Stores an exemplar in `slots[index]`, reusing the object already there: after the first request per bucket,
 * recording one allocates nothing.
 */
export function setExemplar(slots: Array<Exemplar | undefined>, index: number, span: SampledSpan, value: number, timestampMs: number): void {
  const current = slots[index];
  if (current === undefined) {
    slots[index] = { traceId: span.traceId, spanId: span.spanId, value, timestampMs };
    return;
  }
  current.traceId = span.traceId;
  current.spanId = span.spanId;
  current.value = value;
  current.timestampMs = timestampMs;
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
