import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig, secretsOf } from '../../src/config';
import { configProblems } from '../support/config-problems';

/** The problems of a configuration that must not load. */
function problemsOf(env: Record<string, string>): string[] {
  const problems = configProblems(env);
  if (problems.length === 0) throw new Error('expected a ConfigError');
  return problems;
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.http).toEqual({ port: 8000, host: '0.0.0.0', pathPrefix: '', shutdownTimeoutMs: 10_000, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxConnections: 10_000 });
    expect(config.database.url).toBe('mysql://root@127.0.0.1:3306/asset_catalogue');
    expect(config.database.migrateOnStart).toBe(true);
    expect(config.log.level).toBe('info');
    expect(config.metrics.durationBuckets).toEqual([0.05, 0.1, 0.3, 1, 3, 5]);
    expect(config.metrics.enabled).toBe(true);
    expect(config.accessLog).toMatchObject({ enabled: true, flushIntervalMs: 1000, batchSize: 5000, maxQueue: 100_000, retentionDays: 90 });
    expect(config.telemetry.tracesExporters).toEqual([]);
    expect(config.telemetry.metricsExporters).toEqual(['prometheus']);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '', PATH_PREFIX: '' }).http.port).toBe(8000);
    expect(loadConfig({ PORT: '  ', METRICS_NATIVE_HISTOGRAM_SCHEMA: '\t' }).metrics.nativeHistogram?.schema).toBe(3);
  });

  it('parses every kind of value', () => {
    const config = loadConfig({
      PORT: '9000',
      PATH_PREFIX: '/aiod/',
      DB_MIGRATE_ON_START: 'false',
      METRICS_DURATION_BUCKETS: '0.1, 1,10',
      METRICS_EXCLUDED_HANDLERS: '^/health$, /ready',
      METRICS_CUSTOM_LABELS: 'service=api,environment=prod',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'prometheus,otlp',
    });
    expect(config.http.port).toBe(9000);
    expect(config.http.pathPrefix).toBe('/aiod');
    expect(config.database.migrateOnStart).toBe(false);
    expect(config.metrics.durationBuckets).toEqual([0.1, 1, 10]);
    expect(config.metrics.excludedHandlers.map(String)).toEqual(['/^\\/health$/', '/\\/ready/']);
    expect(config.metrics.customLabels).toEqual({ service: 'api', environment: 'prod' });
    expect(config.telemetry.tracesExporters).toEqual(['otlp']);
    expect(config.telemetry.metricsExporters).toEqual(['prometheus', 'otlp']);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'postgres://localhost/x'],
    ['PATH_PREFIX', 'aiod'],
    ['DB_MIGRATE_ON_START', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['ENABLE_METRICS', 'sometimes'],
    ['METRICS_NAMESPACE', 'my-app'],
    ['METRICS_DURATION_BUCKETS', '1,0.5'],
    ['METRICS_DURATION_BUCKETS', '0.1,abc'],
    ['METRICS_NATIVE_HISTOGRAMS', 'maybe'],
    ['METRICS_NATIVE_HISTOGRAM_SCHEMA', '9'],
    ['METRICS_NATIVE_HISTOGRAM_SCHEMA', '-5'],
    ['METRICS_NATIVE_HISTOGRAM_SCHEMA', '2.5'],
    ['METRICS_NATIVE_HISTOGRAM_MAX_BUCKETS', '7'],
    ['METRICS_EXCLUDED_HANDLERS', '(unclosed'],
    ['METRICS_CUSTOM_LABELS', 'no-equals-sign'],
    ['ACCESS_LOG_BATCH_SIZE', '0'],
    ['OTEL_TRACES_EXPORTER', 'zipkin'],
    ['CHAOS_ERROR_RATE', '1.5'],
    ['CHAOS_LATENCY_MS', '20000'],
    ['WEB_CONCURRENCY', '0'],
    ['WEB_CONCURRENCY', '65'],
    ['WEB_CONCURRENCY', 'many'],
    ['STATS_QUERY_TIMEOUT_MS', '50'],
    ['STATS_QUERY_TIMEOUT_MS', 'soon'],
    ['STATS_MAX_CONCURRENCY', '0'],
    ['STATS_QUEUE_LIMIT', '-1'],
    ['STATS_QUEUE_TIMEOUT_MS', '120000'],
    ['OIDC_CLOCK_TOLERANCE_SECONDS', '601'],
    ['OIDC_CLOCK_TOLERANCE_SECONDS', '-1'],
    ['OIDC_HTTP_TIMEOUT_MS', '50'],
    ['OIDC_JWKS_COOLDOWN_MS', '10'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: .+\\(got "${value.replace(/[()]/g, '\\$&')}"\\)$`));
  });

  it('rejects hourly retention shorter than raw retention, naming both variables', () => {
    const problems = problemsOf({ ACCESS_LOG_RETENTION_DAYS: '90', ACCESS_LOG_HOURLY_RETENTION_DAYS: '30' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^ACCESS_LOG_HOURLY_RETENTION_DAYS: must be at least ACCESS_LOG_RETENTION_DAYS \(90\).*\(got "30"\)$/);
    // The default hourly retention (400 days) against a longer raw one.
    expect(problemsOf({ ACCESS_LOG_RETENTION_DAYS: '500' })[0]).toMatch(/^ACCESS_LOG_HOURLY_RETENTION_DAYS: .*ACCESS_LOG_RETENTION_DAYS \(500\).*\(got "400"\)$/);
    expect(loadConfig({ ACCESS_LOG_RETENTION_DAYS: '30', ACCESS_LOG_HOURLY_RETENTION_DAYS: '30' }).accessLog).toMatchObject({ retentionDays: 30, hourlyRetentionDays: 30 });
  });

  it('reads OTEL_SEMCONV_STABILITY_OPT_IN into the HTTP metric names (default: today\'s), other domains\' tokens ignored', () => {
    expect(loadConfig({}).metrics.httpSemconv).toBe('old');
    expect(loadConfig({ OTEL_SEMCONV_STABILITY_OPT_IN: 'database' }).metrics.httpSemconv).toBe('old');
    expect(loadConfig({ OTEL_SEMCONV_STABILITY_OPT_IN: 'database,http' }).metrics.httpSemconv).toBe('stable');
    expect(loadConfig({ OTEL_SEMCONV_STABILITY_OPT_IN: 'http/dup,database' }).metrics.httpSemconv).toBe('dup');
  });

  it.each(['handler', 'method', 'status', 'le', 'error_type', 'worker', 'http_request_method', 'http_route', 'http_response_status_code', 'url_scheme', 'network_protocol_version'])('rejects the reserved label %s in METRICS_CUSTOM_LABELS, naming it', (label) => {
    const problems = problemsOf({ METRICS_CUSTOM_LABELS: `service=api,${label}=x` });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^METRICS_CUSTOM_LABELS: label "${label}" is reserved`));
  });

  it.each(['__name__=x', '1abc=x', 'a-b=x', 'a b=x', 'service=a,service=b'])('rejects METRICS_CUSTOM_LABELS=%s (Prometheus would drop the scrape)', (value) => {
    expect(problemsOf({ METRICS_CUSTOM_LABELS: value })[0]).toMatch(/^METRICS_CUSTOM_LABELS: /);
  });

  it('never shows the database password or the metrics token in a message', () => {
    const problems = problemsOf({ DATABASE_URL: 'postgres://app:Sup3r%27Secret@db:5432/x', METRICS_TOKEN: '', PORT: 'x' });
    const text = problems.join('\n');
    expect(text).toMatch(/^DATABASE_URL: .*\(got "postgres:\/\/app:\*\*\*@db:5432\/x"\)$/m);
    expect(text).not.toMatch(/Sup3r/);
    // An unparseable URL is redacted too.
    expect(problemsOf({ DATABASE_URL: 'mysql://app:hunter2@[bad/x' }).join()).not.toMatch(/hunter2/);
  });

  it.each(['mysql://root@127.0.0.1:3306/bad-name', 'mysql://root@127.0.0.1:3306/', 'mysql://root@127.0.0.1:3306/a%60b', `mysql://root@h/${'d'.repeat(65)}`])(
    'stops on a database name that can never work: %s',
    (url) => {
      expect(problemsOf({ DATABASE_URL: url })[0]).toMatch(/^DATABASE_URL: the database name .* must be 1 to 64 letters, digits, _ or \$/);
    },
  );

  it('reads OTEL_LOG_LEVEL case-insensitively (default warn) and TELEMETRY_SHUTDOWN_TIMEOUT_MS (default 2000)', () => {
    expect(loadConfig({}).telemetry).toMatchObject({ diagLogLevel: 'warn', shutdownTimeoutMs: 2000 });
    expect(loadConfig({ OTEL_LOG_LEVEL: 'DEBUG', TELEMETRY_SHUTDOWN_TIMEOUT_MS: '500' }).telemetry).toMatchObject({ diagLogLevel: 'debug', shutdownTimeoutMs: 500 });
    expect(problemsOf({ OTEL_LOG_LEVEL: 'chatty' })[0]).toMatch(/^OTEL_LOG_LEVEL: /);
  });

  it('lists the database password (as written and decoded) and the token as secrets', () => {
    expect(secretsOf(loadConfig({ DATABASE_URL: 'mysql://u:p%40ss@h:3306/db', METRICS_TOKEN: 'tok' })).sort()).toEqual(['p%40ss', 'p@ss', 'tok']);
    expect(secretsOf(loadConfig({}))).toEqual([]);
  });

  it('reads WEB_CONCURRENCY (default 1; auto = one worker per CPU) and the chaos settings (off by default)', () => {
    expect(loadConfig({}).cluster).toEqual({ workers: 1, scrapeTimeoutMs: 1000, metricsPushIntervalMs: 1000 });
    expect(loadConfig({ CLUSTER_METRICS_PUSH_INTERVAL_MS: '250' }).cluster.metricsPushIntervalMs).toBe(250);
    expect(problemsOf({ CLUSTER_METRICS_PUSH_INTERVAL_MS: '10' })[0]).toMatch(/^CLUSTER_METRICS_PUSH_INTERVAL_MS: /);
    expect(loadConfig({ WEB_CONCURRENCY: '4' }).cluster.workers).toBe(4);
    expect(loadConfig({ WEB_CONCURRENCY: 'auto' }).cluster.workers).toBe(Math.min(64, os.availableParallelism()));
    expect(loadConfig({}).chaos).toEqual({ enabled: false, errorRate: 0, latencyMs: 0, latencyRate: 1 });
  });

  it('reads the stats bounds (deadline 5 s, 4 at once, 8 waiting up to 1 s)', () => {
    expect(loadConfig({}).stats).toEqual({ queryTimeoutMs: 5000, maxConcurrent: 4, maxQueued: 8, queueTimeoutMs: 1000 });
    expect(
      loadConfig({ STATS_QUERY_TIMEOUT_MS: '800', STATS_MAX_CONCURRENCY: '2', STATS_QUEUE_LIMIT: '0', STATS_QUEUE_TIMEOUT_MS: '0' }).stats,
    ).toEqual({ queryTimeoutMs: 800, maxConcurrent: 2, maxQueued: 0, queueTimeoutMs: 0 });
  });

  it('stops when STATS_MAX_CONCURRENCY is not below DB_POOL_SIZE, naming both', () => {
    expect(problemsOf({ DB_POOL_SIZE: '4' })).toEqual([
      'STATS_MAX_CONCURRENCY: must be below DB_POOL_SIZE (4), so stats queries never hold every pool connection (got "4")',
    ]);
    expect(problemsOf({ STATS_MAX_CONCURRENCY: '10' })[0]).toMatch(/^STATS_MAX_CONCURRENCY: must be below DB_POOL_SIZE \(10\)/);
    expect(loadConfig({ DB_POOL_SIZE: '5' }).stats.maxConcurrent).toBe(4);
  });

  it('reads the native-histogram layout (on, schema 3, 160 buckets), or none when METRICS_NATIVE_HISTOGRAMS=false', () => {
    expect(loadConfig({}).metrics.nativeHistogram).toEqual({ schema: 3, maxBuckets: 160 });
    expect(loadConfig({ METRICS_NATIVE_HISTOGRAM_SCHEMA: '-2', METRICS_NATIVE_HISTOGRAM_MAX_BUCKETS: '40' }).metrics.nativeHistogram).toEqual({ schema: -2, maxBuckets: 40 });
    expect(loadConfig({ METRICS_NATIVE_HISTOGRAMS: 'false' }).metrics.nativeHistogram).toBeUndefined();
  });

  it('reads the write protection: open by default; a static token; an issuer with its audience and bounds', () => {
    expect(loadConfig({}).auth).toEqual({ writeToken: '', oidc: undefined });
    // A token from a file often ends in a newline.
    expect(loadConfig({ API_WRITE_TOKEN: 'abcdef0123456789abcdef\n' }).auth).toEqual({ writeToken: 'abcdef0123456789abcdef', oidc: undefined });
    expect(loadConfig({ OIDC_ISSUER: 'https://login.example.org/realms/main', OIDC_AUDIENCE: 'catalogue' }).auth.oidc).toEqual({
      issuer: 'https://login.example.org/realms/main',
      audience: 'catalogue',
      clockToleranceSeconds: 60,
      httpTimeoutMs: 5000,
      jwksCooldownMs: 30_000,
    });
    expect(loadConfig({ OIDC_ISSUER: ' https://login.example.org \n', OIDC_AUDIENCE: 'catalogue\n' }).auth.oidc).toMatchObject({ issuer: 'https://login.example.org', audience: 'catalogue' });
    const tuned = { OIDC_CLOCK_TOLERANCE_SECONDS: '0', OIDC_HTTP_TIMEOUT_MS: '800', OIDC_JWKS_COOLDOWN_MS: '1000' };
    expect(loadConfig({ OIDC_ISSUER: 'http://127.0.0.1:4000', OIDC_AUDIENCE: 'a', ...tuned }).auth.oidc).toMatchObject({ clockToleranceSeconds: 0, httpTimeoutMs: 800, jwksCooldownMs: 1000 });
  });

  it.each(['http://login.example.org', 'login.example.org', 'https://login.example.org/?tenant=1'])('rejects OIDC_ISSUER=%s naming it', (issuer) => {
    const problems = problemsOf({ OIDC_ISSUER: issuer, OIDC_AUDIENCE: 'catalogue' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^OIDC_ISSUER: .+\\(got "${issuer.replace(/[?.]/g, '\\$&')}"\\)$`));
  });

  it('rejects OIDC_ISSUER without OIDC_AUDIENCE, and the reverse, naming both', () => {
    expect(problemsOf({ OIDC_ISSUER: 'https://login.example.org' })).toEqual([
      "OIDC_AUDIENCE: must be set when OIDC_ISSUER is (https://login.example.org): tokens are accepted only for this service's audience",
    ]);
    expect(problemsOf({ OIDC_AUDIENCE: 'catalogue' })).toEqual(["OIDC_ISSUER: must be set when OIDC_AUDIENCE is (catalogue): tokens are verified with the issuer's keys"]);
  });

  it.each(['short-token', 'has spaces in the middle of it', 'quote"d-0123456789abcdef', 'x'.repeat(9000)])('rejects API_WRITE_TOKEN=%s without showing it', (token) => {
    const problems = problemsOf({ API_WRITE_TOKEN: token });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^API_WRITE_TOKEN: expected 16 to 8192 characters .*\(got "\*\*\*"\)$/);
    expect(problems[0]).not.toContain(token);
  });

  it('lists API_WRITE_TOKEN among the secrets no log line shows', () => {
    expect(secretsOf(loadConfig({ API_WRITE_TOKEN: 'write-token-0123456789', METRICS_TOKEN: 'tok' })).sort()).toEqual(['tok', 'write-token-0123456789']);
  });

  it('reports every bad variable at once', () => {
    expect(problemsOf({ PORT: 'x', LOG_LEVEL: 'y' }).map((p) => p.split(':')[0]).sort()).toEqual(['LOG_LEVEL', 'PORT']);
  });

  it('refuses HTTP_HEADERS_TIMEOUT_MS longer than HTTP_REQUEST_TIMEOUT_MS, naming both', () => {
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS: must be at most HTTP_REQUEST_TIMEOUT_MS \(10000\)/);
  });
});
