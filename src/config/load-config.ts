import { databasePasswordForms, redactDatabaseUrl } from '../db/connection-url';
import { envSchema, type Env } from './env-schema';
import type { Config } from './config';

/** How a variable's value may appear in a message: secrets never verbatim. */
function shownValue(name: string, value: string): string {
  // A password in a URL's userinfo (mysql://app:pw@db, https://user:pw@issuer) is never shown.
  if (name === 'DATABASE_URL' || name === 'OIDC_ISSUER') return redactDatabaseUrl(value);
  if (name === 'METRICS_TOKEN' || name === 'API_WRITE_TOKEN') return '***';
  return value;
}

/** Thrown when the environment does not describe a valid configuration; its message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Values each valid alone that do not work together; each message names every variable involved. */
function crossFieldProblems(e: Env): string[] {
  const problems: string[] = [];
  if (e.ACCESS_LOG_HOURLY_RETENTION_DAYS < e.ACCESS_LOG_RETENTION_DAYS) {
    // Windows reaching past the hourly retention but not the raw one would read aggregates already deleted.
    problems.push(
      `ACCESS_LOG_HOURLY_RETENTION_DAYS: must be at least ACCESS_LOG_RETENTION_DAYS (${e.ACCESS_LOG_RETENTION_DAYS}), or windows between the two silently undercount (got "${e.ACCESS_LOG_HOURLY_RETENTION_DAYS}")`,
    );
  }
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    // Node refuses to start a server whose headers may take longer than the whole request.
    problems.push(
      `HTTP_HEADERS_TIMEOUT_MS: must be at most HTTP_REQUEST_TIMEOUT_MS (${e.HTTP_REQUEST_TIMEOUT_MS}) (got "${e.HTTP_HEADERS_TIMEOUT_MS}")`,
    );
  }
  // Stats queries must never hold every pool connection: the catalogue and the access-log writer need one too.
  if (e.STATS_MAX_CONCURRENCY >= e.DB_POOL_SIZE) {
    problems.push(
      `STATS_MAX_CONCURRENCY: must be below DB_POOL_SIZE (${e.DB_POOL_SIZE}), so stats queries never hold every pool connection (got "${e.STATS_MAX_CONCURRENCY}")`,
    );
  }
  // A token is verified against both: an issuer alone would accept its tokens for any service, an audience alone has
  // no keys to verify with.
  if (e.OIDC_ISSUER !== '' && e.OIDC_AUDIENCE === '') {
    problems.push(`OIDC_AUDIENCE: must be set when OIDC_ISSUER is (${e.OIDC_ISSUER}): tokens are accepted only for this service's audience`);
  }
  if (e.OIDC_AUDIENCE !== '' && e.OIDC_ISSUER === '') {
    problems.push(`OIDC_ISSUER: must be set when OIDC_AUDIENCE is (${e.OIDC_AUDIENCE}): tokens are verified with the issuer's keys`);
  }
  return problems;
}

/**
 * Parses and validates the environment once. Empty and blank strings count as unset, so `FOO=` means "use the
 * default" (and `FOO=' '` is not read as the number 0).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '(environment)');
        const got = present[name];
        return `${name}: ${issue.message}${got === undefined ? '' : ` (got "${shownValue(name, got)}")`}`;
      }),
    );
  }
  const e = parsed.data;
  const inconsistent = crossFieldProblems(e);
  if (inconsistent.length > 0) throw new ConfigError(inconsistent);
  const without = <T extends string>(list: Array<T | 'none'>): T[] => list.filter((x): x is T => x !== 'none');
  return {
    http: {
      port: e.PORT,
      host: e.HOST,
      pathPrefix: e.PATH_PREFIX,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      maxConnections: e.HTTP_MAX_CONNECTIONS,
    },
    database: {
      url: e.DATABASE_URL,
      migrateOnStart: e.DB_MIGRATE_ON_START,
      poolSize: e.DB_POOL_SIZE,
      connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
      retryIntervalMs: e.DB_RETRY_INTERVAL_MS,
    },
    log: { level: e.LOG_LEVEL },
    cluster: { workers: e.WEB_CONCURRENCY, scrapeTimeoutMs: e.CLUSTER_SCRAPE_TIMEOUT_MS, metricsPushIntervalMs: e.CLUSTER_METRICS_PUSH_INTERVAL_MS },
    metrics: {
      enabled: e.ENABLE_METRICS,
      namespace: e.METRICS_NAMESPACE,
      subsystem: e.METRICS_SUBSYSTEM,
      durationBuckets: e.METRICS_DURATION_BUCKETS,
      nativeHistogram: e.METRICS_NATIVE_HISTOGRAMS
        ? { schema: e.METRICS_NATIVE_HISTOGRAM_SCHEMA, maxBuckets: e.METRICS_NATIVE_HISTOGRAM_MAX_BUCKETS }
        : undefined,
      groupStatusCodes: e.METRICS_GROUP_STATUS_CODES,
      excludedHandlers: e.METRICS_EXCLUDED_HANDLERS,
      customLabels: e.METRICS_CUSTOM_LABELS,
      recordMetricsRoute: e.METRICS_RECORD_METRICS_ROUTE,
      token: e.METRICS_TOKEN,
      scopeInfo: e.METRICS_SCOPE_INFO,
      httpSemconv: e.OTEL_SEMCONV_STABILITY_OPT_IN,
    },
    accessLog: {
      enabled: e.ACCESS_LOG_ENABLED,
      flushIntervalMs: e.ACCESS_LOG_FLUSH_INTERVAL_MS,
      batchSize: e.ACCESS_LOG_BATCH_SIZE,
      maxQueue: e.ACCESS_LOG_MAX_QUEUE,
      writeConcurrency: e.ACCESS_LOG_WRITE_CONCURRENCY,
      shutdownTimeoutMs: e.ACCESS_LOG_SHUTDOWN_TIMEOUT_MS,
      retentionDays: e.ACCESS_LOG_RETENTION_DAYS,
      retentionIntervalMs: e.ACCESS_LOG_RETENTION_INTERVAL_MS,
      hourlyRetentionDays: e.ACCESS_LOG_HOURLY_RETENTION_DAYS,
    },
    stats: {
      queryTimeoutMs: e.STATS_QUERY_TIMEOUT_MS,
      maxConcurrent: e.STATS_MAX_CONCURRENCY,
      maxQueued: e.STATS_QUEUE_LIMIT,
      queueTimeoutMs: e.STATS_QUEUE_TIMEOUT_MS,
    },
    auth: {
      writeToken: e.API_WRITE_TOKEN,
      oidc:
        e.OIDC_ISSUER === ''
          ? undefined
          : {
              issuer: e.OIDC_ISSUER,
              audience: e.OIDC_AUDIENCE,
              clockToleranceSeconds: e.OIDC_CLOCK_TOLERANCE_SECONDS,
              httpTimeoutMs: e.OIDC_HTTP_TIMEOUT_MS,
              jwksCooldownMs: e.OIDC_JWKS_COOLDOWN_MS,
            },
    },
    docs: { enabled: e.API_DOCS_ENABLED },
    chaos: { enabled: e.CHAOS_ENABLED, errorRate: e.CHAOS_ERROR_RATE, latencyMs: e.CHAOS_LATENCY_MS, latencyRate: e.CHAOS_LATENCY_RATE },
    telemetry: {
      sdkDisabled: e.OTEL_SDK_DISABLED,
      serviceName: e.OTEL_SERVICE_NAME,
      tracesExporters: without(e.OTEL_TRACES_EXPORTER),
      metricsExporters: without(e.OTEL_METRICS_EXPORTER),
      metricExportIntervalMs: e.OTEL_METRIC_EXPORT_INTERVAL,
      diagLogLevel: e.OTEL_LOG_LEVEL,
      shutdownTimeoutMs: e.TELEMETRY_SHUTDOWN_TIMEOUT_MS,
    },
  };
}

/** The values no message or log line may show: the database password (as written and decoded) and the tokens. */
export function secretsOf(config: Config): string[] {
  const tokens = [config.metrics.token, config.auth.writeToken].filter((token) => token !== '');
  return [...databasePasswordForms(config.database.url), ...tokens];
}

/** True when traces are exported (an exporter is named and the SDK is not disabled). */
export function tracingOn(config: Config): boolean {
  return !config.telemetry.sdkDisabled && config.telemetry.tracesExporters.length > 0;
}
