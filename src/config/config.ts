import type { NativeHistogramOptions } from '../telemetry/http-metrics/native-histogram';
import type { Env } from './env-schema';
import type { ChaosSettings } from '../chaos/chaos-settings';
import type { HttpSemconvMode } from '../telemetry/http-metrics/semconv-mode';
import type { AuthSettings } from '../auth/auth-settings';

/** The typed configuration that every module receives; built once at startup by `loadConfig`. */
export interface Config {
  http: {
    port: number;
    host: string;
    pathPrefix: string;
    shutdownTimeoutMs: number;
    /** Longest time to receive a request's headers, then its whole request; open connections at most. */
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    maxConnections: number;
  };
  database: {
    url: string;
    migrateOnStart: boolean;
    poolSize: number;
    connectTimeoutMs: number;
    retryIntervalMs: number;
  };
  log: { level: Env['LOG_LEVEL'] };
  cluster: {
    /** WEB_CONCURRENCY: worker processes sharing the port; 1 runs a single process (no primary, no IPC). */
    workers: number;
    /** How long a group scrape waits for each worker's metrics. */
    scrapeTimeoutMs: number;
    /** How often a worker sends its HTTP totals to the primary when they changed (and once more as it exits). */
    metricsPushIntervalMs: number;
  };
  metrics: {
    enabled: boolean;
    namespace: string;
    subsystem: string;
    durationBuckets: number[];
    /** Native buckets on the duration histograms (METRICS_NATIVE_HISTOGRAM_*); undefined when off. */
    nativeHistogram: NativeHistogramOptions | undefined;
    groupStatusCodes: boolean;
    excludedHandlers: RegExp[];
    customLabels: Record<string, string>;
    recordMetricsRoute: boolean;
    token: string;
    scopeInfo: boolean;
    /** OTEL_SEMCONV_STABILITY_OPT_IN's `http` part: today's names, the semantic-convention histogram, or both. */
    httpSemconv: HttpSemconvMode;
  };
  accessLog: {
    enabled: boolean;
    flushIntervalMs: number;
    batchSize: number;
    maxQueue: number;
    writeConcurrency: number;
    shutdownTimeoutMs: number;
    retentionDays: number;
    retentionIntervalMs: number;
    hourlyRetentionDays: number;
  };
  stats: {
    /** Deadline of one stats request's queries (server-side per statement, and `KILL QUERY` when it passes). */
    queryTimeoutMs: number;
    /** Stats requests running at once per process; always below the pool size. */
    maxConcurrent: number;
    /** Stats requests waiting for a turn at once; more get 429. */
    maxQueued: number;
    /** Longest wait for a turn before 429. */
    queueTimeoutMs: number;
  };
  /** Who may write: API_WRITE_TOKEN and the OIDC_* settings. */
  auth: AuthSettings;
  /** API_DOCS_ENABLED: `GET /openapi.json` and the interactive docs at `GET /docs`. */
  docs: { enabled: boolean };
  chaos: ChaosSettings;
  telemetry: {
    sdkDisabled: boolean;
    serviceName: string;
    tracesExporters: Array<'otlp' | 'console'>;
    metricsExporters: Array<'prometheus' | 'otlp' | 'console'>;
    metricExportIntervalMs: number;
    /** OTEL_LOG_LEVEL: OpenTelemetry's diagnostics, logged through the service's logger. */
    diagLogLevel: Env['OTEL_LOG_LEVEL'];
    /** Bound of the telemetry shutdown step (final exports). */
    shutdownTimeoutMs: number;
  };
}
