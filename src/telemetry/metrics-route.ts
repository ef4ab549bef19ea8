import { timingSafeEqual } from 'node:crypto';
import zlib from 'node:zlib';
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import compress from 'koa-compress';
import type { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { AppError } from '../errors/app-error';
import type { Logger } from '../lifecycle/logger';
import type { MetricsCollector } from './metrics-collector';
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, prometheusTextToOpenMetrics } from './openmetrics';
import { renderPrometheusText, type TextOptions } from './http-metrics/prometheus-text';
import { chooseExposition, PROTOBUF_CONTENT_TYPE } from './exposition-format';
import { renderPlainFamilies } from './plain-family';
import { protobufExposition } from './protobuf/protobuf-exposition';

export const METRICS_PATH = '/metrics';

export interface MetricsRouteOptions extends TextOptions {
  /** What a scrape renders: this process's metrics, or its process group's. */
  collector: MetricsCollector;
  serializer: PrometheusSerializer;
  /** METRICS_SCOPE_INFO: the SDK's series carry `otel_scope_*` labels and `target_info` is shown (every format alike). */
  scopeInfo: boolean;
  token: string;
  logger: Logger;
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * zlib level of the scrape's gzip. The fastest level compresses 1000 series (1.3 MB of text) about 4× faster than the
 * default level 6 (gzip alone ~3 ms instead of ~14 ms; render + gzip 10.2 ms instead of 19.7 in docs/benchmarks.md) for a 20 % larger body (71 KiB instead of 59): a scrape
 * every 15 s is CPU on the service's event loop, and the bytes stay on the local network.
 */
export const METRICS_GZIP_LEVEL = zlib.constants.Z_BEST_SPEED;

// gzip (what Prometheus sends) and deflate only: brotli and zstd cost more CPU per scrape for little gain here.
const compressMetrics = compress({
  threshold: 0,
  // Both exposition formats, whatever mime-db thinks of application/openmetrics-text.
  filter: () => true,
  encodingPreference: ['gzip', 'deflate', 'identity'],
  gzip: { level: METRICS_GZIP_LEVEL },
  deflate: { level: METRICS_GZIP_LEVEL },
  br: false,
  zstd: false,
} as compress.CompressOptions);

/**
 * A scraper that accepts none of gzip, deflate and identity (`Accept-Encoding: identity;q=0`) gets the text
 * uncompressed, as RFC 9110 says a server should; koa-compress would set `Content-Encoding: undefined` and throw.
 */
const uncompressedWhenNothingFits: Middleware = (ctx, next) => {
  if (ctx.get('accept-encoding') && ctx.acceptsEncodings('gzip', 'deflate', 'identity') === false) delete ctx.request.headers['accept-encoding'];
  return next();
};

/**
 * `GET /metrics` on the app's own port: the HTTP metrics rendered directly, followed by the SDK's metrics through
 * OpenTelemetry's serializer, gzip-compressed when the scraper asks for it. The format follows `Accept`:
 * the delimited protobuf (with exemplars and native histograms) when it asks for that first, as Prometheus does with
 * native histograms on; OpenMetrics 1.0.0 (with exemplars) when it names `application/openmetrics-text`, as
 * Prometheus does by default; otherwise the Prometheus 0.0.4 text, without exemplars. In a
 * group of worker processes the collector returns the group's metrics, whichever worker took the scrape.
 */
export function registerMetricsRoute(router: Router, options: MetricsRouteOptions): void {
  router.get(METRICS_PATH, uncompressedWhenNothingFits, compressMetrics, async (ctx) => {
    if (options.token && !bearerMatches(ctx.get('authorization') || undefined, options.token)) {
      throw new AppError(401, 'metrics require Authorization: Bearer <METRICS_TOKEN>', {}, { 'WWW-Authenticate': 'Bearer realm="metrics"' });
    }
    const format = chooseExposition(ctx.get('accept') || undefined);
    // Three formats, one binary, chosen by Accept: a cache in front must not hand one scraper's answer to another.
    ctx.vary('Accept');
    const collected = await options.collector.collect();
    if (format === 'protobuf') {
      ctx.type = PROTOBUF_CONTENT_TYPE;
      ctx.body = protobufExposition(collected, options);
      return;
    }
    const openMetrics = format === 'openmetrics';
    let text = renderPrometheusText(collected.http, options, openMetrics);
    let rest = (collected.sdk ? options.serializer.serialize(collected.sdk) : '') + renderPlainFamilies(collected.extra);
    if (openMetrics) rest = `${prometheusTextToOpenMetrics(rest)}# EOF\n`;
    text += rest;
    ctx.type = openMetrics ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE;
    ctx.body = text;
  });
}
