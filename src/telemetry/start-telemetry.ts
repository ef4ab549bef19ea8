import { randomUUID } from 'node:crypto';
import { createNoopMeter, diag } from '@opentelemetry/api';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
// Runtime metrics do not need tracing: this one instrumentation is loaded on its own, not through the metapackage.
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { tracingOn, type Config } from '../config';
import type { Logger } from '../lifecycle/logger';
import { HttpMetrics, HttpMetricsProducer, httpMetricsSubscriber } from './http-metrics';
import { METRICS_PATH, registerMetricsRoute } from './metrics-route';
import { registerProcessMetrics } from './process-metrics';
import { LocalMetricsCollector, type MetricsCollector } from './metrics-collector';
import { DIAG_LEVELS, RateLimitedDiagLogger } from './diag-logger';
import type { Tracing } from './start-tracing';
import type { Telemetry } from './telemetry';

const noopMeter = createNoopMeter();
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Starts OpenTelemetry from the configuration. Must run before http, koa and mysql2 are loaded (see `main.ts`).
 *
 * - HTTP metrics come from our own middleware (cheap), not from auto-instrumentation: `docs/benchmarks.md` shows
 *   instrumentation-http/koa costing far more than the budget, so they load only when tracing is on.
 * - Pull: a PrometheusExporter reader without its own server, whenever ENABLE_METRICS; `/metrics` on the app's port
 *   collects it. It carries the access-log metrics always, and the process/runtime metrics unless the SDK is
 *   disabled (OTEL_SDK_DISABLED) or no exporter is named (OTEL_METRICS_EXPORTER=none).
 * - Push: OTLP metric readers (fed the HTTP metrics by a MetricProducer) and span processors when
 *   OTEL_METRICS_EXPORTER / OTEL_TRACES_EXPORTER ask for them.
 * - OpenTelemetry's diagnostics are logged at OTEL_LOG_LEVEL (default warn), each kind at most once a minute.
 */
export interface TelemetryOptions {
  /**
   * Where `/metrics` gets its data: given this process's own collector, return the one to use (a worker of a
   * process group asks the primary for the group's metrics). Default: this process's own.
   */
  collectorFor?: (local: LocalMetricsCollector) => MetricsCollector;
}

export function startTelemetry(config: Config, logger: Logger, options: TelemetryOptions = {}): Telemetry {
  const { metrics: m, telemetry: t, http } = config;
  // OpenTelemetry's own diagnostics (export failures above all) go to our log, rate-limited; silent otherwise.
  const installDiagLogger = () =>
    diag.setLogger(new RateLimitedDiagLogger(logger), { logLevel: DIAG_LEVELS[t.diagLogLevel], suppressOverrideMessage: true });
  installDiagLogger();
  const textOptions = { namespace: m.namespace, subsystem: m.subsystem, customLabels: m.customLabels };
  const metricsHandler = new RegExp(`^${escapeRegExp(http.pathPrefix + METRICS_PATH)}$`);
  const httpMetrics = m.enabled
    ? new HttpMetrics({
        durationBuckets: m.durationBuckets,
        nativeHistogram: m.nativeHistogram,
        groupStatusCodes: m.groupStatusCodes,
        excludedHandlers: m.recordMetricsRoute ? m.excludedHandlers : [...m.excludedHandlers, metricsHandler],
        semconv: m.httpSemconv,
      })
    : undefined;

  let tracing: Tracing | undefined;
  let meterProvider: MeterProvider | undefined;
  let runtimeInstrumentation: RuntimeNodeInstrumentation | undefined;
  let prometheusReader: PrometheusExporter | undefined;
  const fromEnv = detectResources({ detectors: [envDetector] });
  // Unique per process (a UUID, as the semantic conventions recommend) unless the environment names one: pushed
  // metrics of replicas and workers must never merge into one series.
  const instanceId = fromEnv.attributes['service.instance.id'] ?? randomUUID();
  const resource = defaultResource()
    .merge(fromEnv)
    .merge(resourceFromAttributes({ 'service.name': t.serviceName, 'service.instance.id': instanceId }));
  // Tracing first: its instrumentations must hook module loading before anything else creates an
  // instrumentation (a RuntimeNodeInstrumentation constructed first left http unpatched, so no server spans).
  // Only when an exporter is named: its module (and the instrumentation metapackage) is not even loaded otherwise;
  // docs/benchmarks.md measures what it costs.
  if (tracingOn(config)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startTracing } = require('./start-tracing') as typeof import('./start-tracing');
    tracing = startTracing(resource, t.tracesExporters);
    // NodeSDK installs its own console diagnostics when OTEL_LOG_LEVEL is set: ours go through the service log.
    installDiagLogger();
  }
  const readers: IMetricReader[] = [];
  // The service's own instruments (the access log's) are on /metrics whenever metrics are enabled, whatever the
  // SDK switches say: an alert on access_log_rows_dropped_total must not go blind because OTLP is off.
  if (m.enabled) {
    prometheusReader = new PrometheusExporter({
      preventServerStart: true,
      withoutScopeInfo: !m.scopeInfo,
      withoutTargetInfo: !m.scopeInfo,
    });
    readers.push(prometheusReader);
  }
  if (!t.sdkDisabled) {
    const producers = httpMetrics ? [new HttpMetricsProducer(httpMetrics, textOptions)] : [];
    for (const name of t.metricsExporters) {
      if (name === 'prometheus') continue;
      readers.push(
        new PeriodicExportingMetricReader({
          exporter: name === 'otlp' ? new OTLPMetricExporter() : new ConsoleMetricExporter(),
          exportIntervalMillis: t.metricExportIntervalMs,
          metricProducers: producers,
        }),
      );
    }
  }
  // Our own provider, not the global one: each service instance (tests start several per process) owns its
  // readers, and modules get the meter they need passed in.
  if (readers.length > 0) {
    meterProvider = new MeterProvider({ resource, readers });
    // Process and runtime metrics are the SDK's part: on unless the SDK is disabled or no exporter is named.
    if (!t.sdkDisabled && t.metricsExporters.length > 0) {
      runtimeInstrumentation = new RuntimeNodeInstrumentation();
      runtimeInstrumentation.setMeterProvider(meterProvider);
      registerProcessMetrics(meterProvider.getMeter('asset-catalogue-process'));
    }
  }

  logger.debug({ readers: readers.length, tracing: tracing !== undefined }, 'telemetry started');

  const routes: Telemetry['routes'] = [];
  const local = httpMetrics ? new LocalMetricsCollector(httpMetrics, prometheusReader, logger) : undefined;
  const collector = local && (options.collectorFor?.(local) ?? local);
  if (httpMetrics && collector) {
    routes.push((router) =>
      registerMetricsRoute(router, {
        ...textOptions,
        collector,
        serializer: new PrometheusSerializer(undefined, false, undefined, !m.scopeInfo, !m.scopeInfo),
        scopeInfo: m.scopeInfo,
        token: m.token,
        logger,
      }),
    );
  }

  return {
    subscribers: httpMetrics ? [httpMetricsSubscriber(httpMetrics)] : [],
    routes,
    meter: meterProvider?.getMeter('asset-catalogue') ?? noopMeter,
    httpMetrics,
    shutdown: async () => {
      runtimeInstrumentation?.disable();
      await Promise.all([meterProvider?.shutdown(), tracing?.shutdown()]);
    },
  };
}
