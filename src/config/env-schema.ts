import os from 'node:os';
import { z } from 'zod';
import { DATABASE_NAME_SYNTAX, databaseNameOf } from '../db/connection-url';
import { httpSemconvModeOf, httpSemconvTypos } from './semconv-opt-in';
import { MAX_TOKEN_LENGTH, TOKEN68 } from '../auth/bearer-credentials';
import { issuerUrlProblem } from '../auth/issuer-url';

/**
 * Every setting of the service is an environment variable declared here, with its default.
 * The README's configuration table mirrors this file; keep them in step.
 */

const bool = (fallback: 'true' | 'false') =>
  z
    .stringbool({ truthy: ['true', '1', 'yes', 'on'], falsy: ['false', '0', 'no', 'off'] })
    .default(fallback === 'true');

const int = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** A share from 0 to 1 (`0.05` = 5 %). */
const share = (fallback: number) => z.coerce.number().min(0).max(1).default(fallback);

const csv = z
  .string()
  .default('')
  .transform((raw) =>
    raw
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0),
  );

/** A deployment prefix such as `/aiod`: leading slash, no trailing slash, or empty. */
const pathPrefix = z
  .string()
  .default('')
  .transform((raw) => raw.trim().replace(/\/+$/, ''))
  .refine((prefix) => prefix === '' || /^\/[A-Za-z0-9._~\-/]+$/.test(prefix), {
    message: 'expected empty or a path such as /aiod (letters, digits, . _ ~ - /)',
  });

/** A Prometheus label name; `__` is reserved for Prometheus itself. */
const LABEL_NAME = /^(?!__)[a-zA-Z_][a-zA-Z0-9_]*$/;
/**
 * Labels the service's own series already carry (`worker` is set per process when several run), and those of the
 * semantic-convention histogram — reserved whatever OTEL_SEMCONV_STABILITY_OPT_IN says, so that turning it on never
 * makes a working configuration invalid.
 */
export const RESERVED_LABELS = new Set([
  'handler',
  'method',
  'status',
  'le',
  'error_type',
  'quantile',
  'worker',
  'http_request_method',
  'http_route',
  'http_response_status_code',
  'url_scheme',
  'network_protocol_version',
]);

/** A Prometheus metric name part: namespace or subsystem. */
const metricNamePart = z
  .string()
  .default('')
  .refine((value) => value === '' || /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(value), {
    message: 'expected a Prometheus name part ([a-zA-Z_][a-zA-Z0-9_]*) or empty',
  });

export const envSchema = z.object({
  PORT: int(8000, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .url({ protocol: /^mysql$/, error: 'expected a URL such as mysql://user:password@host:3306/database' })
    .default('mysql://root@127.0.0.1:3306/asset_catalogue')
    // Checked here, not in the connect loop: a name that can never work must stop startup, not be retried forever.
    .refine((url) => DATABASE_NAME_SYNTAX.test(databaseNameOf(url)), {
      message: 'the database name (the URL path) must be 1 to 64 letters, digits, _ or $',
    }),
  PATH_PREFIX: pathPrefix,
  DB_MIGRATE_ON_START: bool('true'),
  DB_POOL_SIZE: int(10, 1, 1000),
  DB_CONNECT_TIMEOUT_MS: int(2000, 100, 60_000),
  DB_RETRY_INTERVAL_MS: int(2000, 100, 600_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0, 600_000),
  // What one client connection may hold: bounds that Node's defaults (60 s for headers, 300 s for a request, no limit
  // on connections) leave to a proxy in front, which a pod reached directly does not have.
  HTTP_HEADERS_TIMEOUT_MS: int(10_000, 1000, 600_000),
  HTTP_REQUEST_TIMEOUT_MS: int(30_000, 1000, 3_600_000),
  HTTP_MAX_CONNECTIONS: int(10_000, 1, 1_000_000),
  // Worker processes behind the one port (node:cluster); 1 is a single process with no primary.
  WEB_CONCURRENCY: z
    .string()
    .default('1')
    .transform((raw, ctx) => {
      const value = raw.trim().toLowerCase();
      const workers = value === 'auto' ? Math.min(64, os.availableParallelism()) : /^\d+$/.test(value) ? Number(value) : Number.NaN;
      if (!(workers >= 1 && workers <= 64)) {
        ctx.addIssue({ code: 'custom', message: 'expected a whole number from 1 to 64, or auto (one per CPU)' });
        return z.NEVER;
      }
      return workers;
    }),
  // How long a scrape of a worker group waits for each worker's metrics; a late worker's last totals are used.
  CLUSTER_SCRAPE_TIMEOUT_MS: int(1000, 50, 60_000),
  // How often a worker sends its HTTP totals to the primary (when they changed): what a killed worker can lose.
  CLUSTER_METRICS_PUSH_INTERVAL_MS: int(1000, 50, 60_000),

  ENABLE_METRICS: bool('true'),
  METRICS_NAMESPACE: metricNamePart,
  METRICS_SUBSYSTEM: metricNamePart,
  METRICS_DURATION_BUCKETS: z
    .string()
    .default('0.05,0.1,0.3,1,3,5')
    .transform((raw, ctx) => {
      const buckets = raw.split(',').map((part) => Number(part.trim()));
      const valid =
        buckets.length > 0 &&
        buckets.every((b, i) => Number.isFinite(b) && b > 0 && (i === 0 || b > (buckets[i - 1] as number)));
      if (!valid) {
        ctx.addIssue({ code: 'custom', message: 'expected increasing positive numbers separated by commas, e.g. 0.05,0.1,0.3,1' });
        return z.NEVER;
      }
      return buckets;
    }),
  // Native (exponential) buckets beside the classic ones on the duration histograms, shown to protobuf scrapes.
  METRICS_NATIVE_HISTOGRAMS: bool('true'),
  METRICS_NATIVE_HISTOGRAM_SCHEMA: int(3, -4, 8),
  METRICS_NATIVE_HISTOGRAM_MAX_BUCKETS: int(160, 8, 10_000),
  METRICS_GROUP_STATUS_CODES: bool('false'),
  METRICS_EXCLUDED_HANDLERS: csv.transform((patterns, ctx) => {
    const regexes: RegExp[] = [];
    for (const pattern of patterns) {
      try {
        regexes.push(new RegExp(pattern));
      } catch {
        ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${pattern}` });
        return z.NEVER;
      }
    }
    return regexes;
  }),
  METRICS_CUSTOM_LABELS: csv.transform((pairs, ctx) => {
    const labels: Record<string, string> = {};
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      const name = eq > 0 ? pair.slice(0, eq).trim() : '';
      // Any of these would make a sample with a duplicate or invalid label, and Prometheus drops the whole scrape.
      const problem = !LABEL_NAME.test(name)
        ? `expected name=value pairs with Prometheus label names ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __), got "${pair}"`
        : RESERVED_LABELS.has(name)
          ? `label "${name}" is reserved: the HTTP series already carry ${[...RESERVED_LABELS].join(', ')}`
          : name in labels
            ? `label "${name}" is given twice`
            : undefined;
      if (problem) {
        ctx.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      }
      labels[name] = pair.slice(eq + 1).trim();
    }
    return labels;
  }),
  METRICS_RECORD_METRICS_ROUTE: bool('false'),
  METRICS_TOKEN: z.string().default(''),
  METRICS_SCOPE_INFO: bool('false'),

  ACCESS_LOG_ENABLED: bool('true'),
  ACCESS_LOG_FLUSH_INTERVAL_MS: int(1000, 10, 3_600_000),
  ACCESS_LOG_BATCH_SIZE: int(5000, 1, 10_000),
  ACCESS_LOG_MAX_QUEUE: int(100_000, 1, 10_000_000),
  ACCESS_LOG_WRITE_CONCURRENCY: int(2, 1, 16),
  ACCESS_LOG_SHUTDOWN_TIMEOUT_MS: int(5000, 0, 600_000),
  ACCESS_LOG_RETENTION_DAYS: int(90, 1, 36_500),
  ACCESS_LOG_RETENTION_INTERVAL_MS: int(3_600_000, 1000, 86_400_000),
  // Hourly aggregates (windowed popularity) are kept this long; the all-time totals are kept for good.
  ACCESS_LOG_HOURLY_RETENTION_DAYS: int(400, 1, 36_500),
  // Bounds of the stats routes (per process): a deadline per request's queries, then admission with a short queue.
  STATS_QUERY_TIMEOUT_MS: int(5000, 100, 600_000),
  STATS_MAX_CONCURRENCY: int(4, 1, 999),
  STATS_QUEUE_LIMIT: int(8, 0, 10_000),
  STATS_QUEUE_TIMEOUT_MS: int(1000, 0, 60_000),

  // Writes (POST, PUT, PATCH, DELETE) behind a bearer token: a static token, an OIDC issuer's JWTs, or either; with
  // neither, writes stay open (and startup warns). Reads are always public.
  API_WRITE_TOKEN: z
    .string()
    .default('')
    // Secrets written from files often end in a newline.
    .transform((raw) => raw.trim())
    .refine((token) => token === '' || (token.length >= 16 && token.length <= MAX_TOKEN_LENGTH && TOKEN68.test(token)), {
      message: `expected 16 to ${MAX_TOKEN_LENGTH} characters of A-Z a-z 0-9 - . _ ~ + / (a bearer token), e.g. from openssl rand -hex 32`,
    }),
  // Compared exactly with the tokens' `iss` and `aud`: stray blanks around them would refuse every token.
  OIDC_ISSUER: z
    .string()
    .default('')
    .transform((raw) => raw.trim())
    .superRefine((issuer, ctx) => {
      const problem = issuer === '' ? undefined : issuerUrlProblem(issuer);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  OIDC_AUDIENCE: z
    .string()
    .default('')
    .transform((raw) => raw.trim()),
  OIDC_CLOCK_TOLERANCE_SECONDS: int(60, 0, 600),
  OIDC_HTTP_TIMEOUT_MS: int(5000, 100, 60_000),
  // Least time between key-set fetches for tokens naming an unknown key: what a flood of made-up `kid`s can cost the issuer.
  OIDC_JWKS_COOLDOWN_MS: int(30_000, 1000, 3_600_000),
  // The OpenAPI document (`/openapi.json`) and the interactive docs (`/docs`); off, both are 404.
  API_DOCS_ENABLED: bool('true'),

  // Fault injection, for seeing alerts fire (docs/observability.md). Off unless CHAOS_ENABLED=true.
  CHAOS_ENABLED: bool('false'),
  CHAOS_ERROR_RATE: share(0),
  CHAOS_LATENCY_MS: int(0, 0, 10_000),
  CHAOS_LATENCY_RATE: share(1),

  // Standard OpenTelemetry variables that decide which SDK parts start; the SDK reads the rest itself.
  OTEL_SDK_DISABLED: bool('false'),
  OTEL_SERVICE_NAME: z.string().min(1).default('asset-catalogue'),
  OTEL_TRACES_EXPORTER: z
    .string()
    .default('none')
    .transform((raw) => raw.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(['none', 'otlp', 'console']))),
  OTEL_METRICS_EXPORTER: z
    .string()
    .default('prometheus')
    .transform((raw) => raw.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(['none', 'prometheus', 'otlp', 'console']))),
  OTEL_METRIC_EXPORT_INTERVAL: int(60_000, 100, 3_600_000),
  // OpenTelemetry's semantic-convention migration switch, shared with every instrumentation: its `http` or `http/dup`
  // token decides the HTTP metric names (semconv-opt-in.ts); every other token belongs to someone else.
  OTEL_SEMCONV_STABILITY_OPT_IN: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const typos = httpSemconvTypos(raw);
      if (typos.length > 0) {
        ctx.addIssue({ code: 'custom', message: `unknown http token ${typos.map((t) => `"${t}"`).join(', ')}: expected http or http/dup` });
        return z.NEVER;
      }
      return httpSemconvModeOf(raw);
    }),
  // OpenTelemetry's own diagnostics (export failures, bad settings), written through the service's logger.
  OTEL_LOG_LEVEL: z
    .string()
    .default('warn')
    .transform((raw) => raw.trim().toLowerCase())
    .pipe(z.enum(['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'])),
  // How long SIGTERM waits for the last telemetry export: an unreachable collector must not hold the shutdown.
  TELEMETRY_SHUTDOWN_TIMEOUT_MS: int(2000, 0, 60_000),
});

export type Env = z.infer<typeof envSchema>;
