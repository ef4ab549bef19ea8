import { Histogram } from './histogram';
import { HIGHR_DURATION_BUCKETS, SIZE_BUCKETS } from './buckets';
import { statusKey } from './labels';
import { nextExemplar, type Exemplar, type SampledSpan } from './exemplar';
import type { NativeHistogramOptions } from './native-histogram';

export interface HttpMetricsOptions {
  durationBuckets: readonly number[];
  /** When set, the duration histograms also count in native (exponential) buckets, for the protobuf exposition. */
  nativeHistogram?: NativeHistogramOptions | undefined;
  groupStatusCodes: boolean;
  /** Requests whose handler matches one of these are not recorded at all. */
  excludedHandlers: readonly RegExp[];
  /** Distinct `error_type` values kept before the rest fold into `other`. */
  maxErrorTypes?: number;
}

/** Series of one (handler, method) pair. */
export class MethodSeries {
  inProgress = 0;
  /** Request count per status key (exact code, or class when grouping). */
  readonly requests = new Map<number, number>();
  /** The latest exemplar per status key of `requests`; created on the first sampled request. */
  requestExemplars: Map<number, Exemplar> | undefined;
  readonly duration: Histogram;

  constructor(
    readonly handler: string,
    readonly method: string,
    durationBuckets: readonly number[],
    nativeHistogram?: NativeHistogramOptions,
  ) {
    this.duration = new Histogram(durationBuckets, nativeHistogram);
  }
}

/** Series of one handler: its methods, sizes and errors. */
export class HandlerSeries {
  readonly methods = new Map<string, MethodSeries>();
  readonly requestSize = new Histogram(SIZE_BUCKETS);
  readonly responseSize = new Histogram(SIZE_BUCKETS);
  readonly errors = new Map<string, number>();

  constructor(readonly handler: string) {}
}

/**
 * The HTTP metrics of the service, pre-aggregated in plain objects. OpenTelemetry's metrics API costs about 2 µs a
 * request (attribute hashing, per-call objects); here a request is a few map lookups and additions on cells that
 * are created once per label set, so the overhead stays within the performance budget. The same cells are rendered
 * as Prometheus text (`renderPrometheusText`) and exported over OTLP (`HttpMetricsProducer`).
 *
 * Cardinality is bounded by construction: handlers are route templates or `none`, methods a fixed set plus `other`,
 * statuses 100–999, error types capped.
 */
export class HttpMetrics {
  readonly handlers = new Map<string, HandlerSeries | null>();
  readonly highrDuration = new Histogram(HIGHR_DURATION_BUCKETS);
  readonly startTimeMs = Date.now();
  private readonly errorTypes = new Set<string>();
  private readonly maxErrorTypes: number;

  constructor(readonly options: HttpMetricsOptions) {
    this.maxErrorTypes = options.maxErrorTypes ?? 32;
  }

  /** The handler's series, created on first use; null when the handler is excluded. */
  handlerSeries(handler: string): HandlerSeries | null {
    let series = this.handlers.get(handler);
    if (series === undefined) {
      series = this.options.excludedHandlers.some((re) => re.test(handler)) ? null : new HandlerSeries(handler);
      this.handlers.set(handler, series);
    }
    return series;
  }

  methodSeries(handlerSeries: HandlerSeries, method: string): MethodSeries {
    let series = handlerSeries.methods.get(method);
    if (series === undefined) {
      series = new MethodSeries(handlerSeries.handler, method, this.options.durationBuckets, this.options.nativeHistogram);
      handlerSeries.methods.set(method, series);
    }
    return series;
  }

  /**
   * Records one finished (or abandoned: status 499) request. With `span` (the request was traced and sampled) its
   * trace becomes the exemplar of the duration bucket it fell in and of its request counter series.
   */
  recordRequest(
    handlerSeries: HandlerSeries,
    methodSeries: MethodSeries,
    status: number,
    seconds: number,
    requestBytes: number,
    responseBytes: number,
    span?: SampledSpan,
  ): void {
    const key = statusKey(status, this.options.groupStatusCodes);
    methodSeries.requests.set(key, (methodSeries.requests.get(key) ?? 0) + 1);
    const bucket = methodSeries.duration.observe(seconds);
    if (span !== undefined) this.recordExemplars(methodSeries, key, bucket, seconds, span);
    this.highrDuration.observe(seconds);
    handlerSeries.requestSize.observe(requestBytes);
    handlerSeries.responseSize.observe(responseBytes);
  }

  private recordExemplars(series: MethodSeries, statusKey: number, bucket: number, seconds: number, span: SampledSpan): void {
    const now = Date.now();
    const buckets = (series.duration.exemplars ??= []);
    buckets[bucket] = nextExemplar(buckets[bucket], span, seconds, now);
    // A counter's exemplar is one increment.
    const requests = (series.requestExemplars ??= new Map());
    requests.set(statusKey, nextExemplar(requests.get(statusKey), span, 1, now));
  }

  recordError(handlerSeries: HandlerSeries, errorType: string): void {
    let type = errorType;
    if (!this.errorTypes.has(type)) {
      if (this.errorTypes.size >= this.maxErrorTypes) type = 'other';
      else this.errorTypes.add(type);
    }
    handlerSeries.errors.set(type, (handlerSeries.errors.get(type) ?? 0) + 1);
  }
}
