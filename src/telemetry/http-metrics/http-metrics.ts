import { NO_ROUTE, type RequestOutcome } from '../../http/request-outcome';
import { Histogram } from './histogram';
import { HIGHR_DURATION_BUCKETS, SIZE_BUCKETS } from './buckets';
import { statusKey } from './labels';
import { nextExemplar, type Exemplar, type SampledSpan } from './exemplar';
import type { NativeHistogramOptions } from './native-histogram';
import { protocolVersionOf, SEMCONV_OTHER, semconvErrorType, semconvMethod, semconvStatus } from './semconv-attributes';
import { ServerDurationCells, ServerDurationRoute, type ServerDurationCell } from './server-request-duration';
import type { HttpSemconvMode } from './semconv-mode';

export interface HttpMetricsOptions {
  durationBuckets: readonly number[];
  /**
   * When set, the duration histograms (`http_request_duration_seconds`, `http_server_request_duration_seconds`) also
   * count in native (exponential) buckets, for the protobuf exposition.
   */
  nativeHistogram?: NativeHistogramOptions | undefined;
  groupStatusCodes: boolean;
  /** Requests whose handler matches one of these are not recorded at all. */
  excludedHandlers: readonly RegExp[];
  /** Distinct `error_type` values kept before the rest fold into `other` (`_OTHER` in the semantic-convention histogram). */
  maxErrorTypes?: number;
  /** OTEL_SEMCONV_STABILITY_OPT_IN: which families are recorded and rendered; today's (`old`) when not given. */
  semconv?: HttpSemconvMode;
}

/** What `http.server.request.duration` needs of a finished request. */
export type ServerRequest = Pick<RequestOutcome, 'method' | 'route' | 'status' | 'errorType' | 'scheme' | 'httpVersion' | 'durationSeconds'>;

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
 * Two sets of families, chosen by `options.semconv`: today's (`handlers`, `highrDuration`) and the stable semantic
 * conventions' `http.server.request.duration` (`serverDuration`); a family that is not emitted is not recorded.
 *
 * Cardinality is bounded by construction: handlers are route templates or `none`, methods a fixed set plus `other`
 * (`_OTHER`), statuses 100–999, error types capped, schemes and protocol versions from small fixed sets.
 */
export class HttpMetrics {
  readonly handlers = new Map<string, HandlerSeries | null>();
  readonly highrDuration = new Histogram(HIGHR_DURATION_BUCKETS);
  /** `http.server.request.duration` by route (the observer's route, `none` included); null when excluded. */
  readonly serverDuration = new Map<string, ServerDurationRoute | null>();
  readonly startTimeMs = Date.now();
  /**
   * Bumped by every recording, in whichever family: a worker whose count has not moved has nothing new to send
   * to its primary (the families it records depend on the mode, so none of their own counts would do).
   */
  recordings = 0;
  private readonly errorTypes = new Set<string>();
  private readonly maxErrorTypes: number;
  private readonly serverDurationCells: ServerDurationCells;

  constructor(readonly options: HttpMetricsOptions) {
    this.maxErrorTypes = options.maxErrorTypes ?? 32;
    this.serverDurationCells = new ServerDurationCells(options.nativeHistogram);
  }

  private excluded(route: string): boolean {
    return this.options.excludedHandlers.some((re) => re.test(route));
  }

  /** The handler's series, created on first use; null when the handler is excluded. */
  handlerSeries(handler: string): HandlerSeries | null {
    let series = this.handlers.get(handler);
    if (series === undefined) {
      series = this.excluded(handler) ? null : new HandlerSeries(handler);
      this.handlers.set(handler, series);
    }
    return series;
  }

  /**
   * The route's `http.server.request.duration` cells, created on first use; null when excluded (the exclusions
   * match the same string as `handler`'s: the template, or `none`).
   */
  serverDurationRoute(route: string): ServerDurationRoute | null {
    let series = this.serverDuration.get(route);
    if (series === undefined) {
      series = this.excluded(route) ? null : new ServerDurationRoute(route, route === NO_ROUTE ? undefined : route);
      this.serverDuration.set(route, series);
    }
    return series;
  }

  serverDurationCell(route: ServerDurationRoute, method: string, status: number, errorType: string, scheme: string, protocolVersion: string): ServerDurationCell {
    return this.serverDurationCells.cell(route, method, status, errorType, scheme, protocolVersion);
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
    this.recordings++;
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
    series.duration.keepExemplar(bucket, span, seconds, now);
    // A counter's exemplar is one increment.
    const requests = (series.requestExemplars ??= new Map());
    requests.set(statusKey, nextExemplar(requests.get(statusKey), span, 1, now));
  }

  /**
   * Records one finished (or abandoned) request in `http.server.request.duration`, its attributes bounded by the
   * semantic conventions' rules (`semconv-attributes.ts`). With `span`, its trace becomes the bucket's exemplar.
   */
  recordServerRequest(route: ServerDurationRoute, request: ServerRequest, span?: SampledSpan): void {
    this.recordings++;
    const thrown = request.errorType === undefined ? undefined : this.boundErrorType(request.errorType, SEMCONV_OTHER);
    const cell = this.serverDurationCells.cell(
      route,
      semconvMethod(request.method),
      semconvStatus(request.status),
      semconvErrorType(request.status, thrown),
      request.scheme,
      protocolVersionOf(request.httpVersion),
    );
    const bucket = cell.duration.observe(request.durationSeconds);
    if (span !== undefined) cell.duration.keepExemplar(bucket, span, request.durationSeconds, Date.now());
  }

  recordError(handlerSeries: HandlerSeries, errorType: string): void {
    const type = this.boundErrorType(errorType, 'other');
    handlerSeries.errors.set(type, (handlerSeries.errors.get(type) ?? 0) + 1);
  }

  /** The error class itself while fewer than `maxErrorTypes` were seen (in either family), else `fold`. */
  private boundErrorType(errorType: string, fold: string): string {
    if (this.errorTypes.has(errorType)) return errorType;
    if (this.errorTypes.size >= this.maxErrorTypes) return fold;
    this.errorTypes.add(errorType);
    return errorType;
  }
}
