import http from 'node:http';
import type Router from '@koa/router';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { tracingOn, type Config } from './config';
import { Database } from './db';
import { AssetRepository } from './catalogue/asset-repository';
import { AssetService } from './catalogue/asset-service';
import { registerCatalogueRoutes } from './catalogue/catalogue-routes';
import { createApp } from './http/app';
import { registerHealthRoutes } from './http/health-routes';
import type { Logger } from './lifecycle/logger';
import { ShutdownSequence } from './lifecycle/shutdown-sequence';
import { closeServer } from './lifecycle/close-server';
import type { Telemetry } from './telemetry';
import { createNoopMeter } from '@opentelemetry/api';
import { AccessLogRepository } from './access-log/access-log-repository';
import { AccessLogWriter } from './access-log/access-log-writer';
import { accessLogSubscriber } from './access-log/access-log-subscriber';
import { parseAssetPath } from './access-log/asset-path';
import { AssetRoutes } from './http/asset-routes';
import { RequestObserver } from './http/request-observer';
import { requestLogSubscriber } from './http/request-log-subscriber';
import { RetentionJob } from './access-log/retention-job';
import { StatsRepository } from './stats/stats-repository';
import { registerStatsRoutes } from './stats/stats-routes';
import { StatsGuard } from './stats/stats-guard';
import { PeriodRollup } from './stats/period-rollup';
import { LeaderLease } from './db/leader-lease';
import { chaosMiddleware } from './chaos/chaos-middleware';
import { registerChaosRoutes } from './chaos/chaos-routes';
import { createWriteGuard } from './auth/write-guard';
import { registerApiDocsRoutes } from './openapi/docs-routes';
import { documentOptionsOf, type ApiDocumentOptions } from './openapi/document-options';

export interface RunningService {
  /** Base URL including the path prefix, e.g. `http://127.0.0.1:8000/aiod`. */
  url: string;
  server: http.Server;
  database: Database;
  /** The access-log writer, when ACCESS_LOG_ENABLED. */
  accessLog?: AccessLogWriter;
  retention?: RetentionJob;
  shutdown: ShutdownSequence;
  /** What the OpenAPI document of this service describes (the conformance tests check its answers against it). */
  api: ApiDocumentOptions;
  /** The Koa application; its dispatcher lists every route (`router.stack`). */
  app: Koa;
}

/**
 * The composition root of the service: builds every part from the config and wires them together. `main.ts`
 * calls it after telemetry has started; the tests call it directly on an ephemeral port.
 */
export async function startService(config: Config, logger: Logger, telemetry?: Telemetry): Promise<RunningService> {
  const database = new Database(config.database, logger);
  const assetService = new AssetService(new AssetRepository(database));
  const stats = new StatsRepository(database, {
    minuteRetentionDays: config.accessLog.retentionDays,
    hourlyRetentionDays: config.accessLog.hourlyRetentionDays,
    queryTimeoutMs: config.stats.queryTimeoutMs,
  });
  const statsGuard = new StatsGuard(
    { maxConcurrent: config.stats.maxConcurrent, maxQueued: config.stats.maxQueued, queueTimeoutMs: config.stats.queueTimeoutMs },
    telemetry?.meter ?? createNoopMeter(),
    logger,
  );
  // Exactly one process of all replicas and workers does the background work (day and month roll-ups, retention).
  const lease = new LeaderLease(config.database.url, logger);
  const isLeader = () => lease.isLeader;
  const rollup = new PeriodRollup(database, logger, undefined, isLeader);

  let accessLog: AccessLogWriter | undefined;
  let retention: RetentionJob | undefined;
  if (config.accessLog.enabled) {
    const repository = new AccessLogRepository(database);
    accessLog = new AccessLogWriter(repository, config.accessLog, telemetry?.meter ?? createNoopMeter(), logger);
    retention = new RetentionJob(
      repository,
      {
        retentionDays: config.accessLog.retentionDays,
        hourlyRetentionDays: config.accessLog.hourlyRetentionDays,
        intervalMs: config.accessLog.retentionIntervalMs,
      },
      logger,
      isLeader,
    );
  }

  if (config.chaos.enabled) {
    const { errorRate, latencyMs, latencyRate } = config.chaos;
    logger.warn({ errorRate, latencyMs, latencyRate }, 'CHAOS_ENABLED: fault injection is on (/chaos/slow, /chaos/error, injected failures and delay); never in production');
  }

  // Writes behind a bearer token when API_WRITE_TOKEN or OIDC_ISSUER is set; otherwise open, as before, and said so.
  const guardWrites = createWriteGuard(config.auth, logger);
  if (guardWrites === undefined) {
    logger.warn('API_WRITE_TOKEN and OIDC_ISSUER/OIDC_AUDIENCE are unset: anyone can create, replace and delete assets (POST, PUT, DELETE need no token)');
  } else {
    logger.info({ staticToken: config.auth.writeToken !== '', oidcIssuer: config.auth.oidc?.issuer, oidcAudience: config.auth.oidc?.audience }, 'writes require a bearer token');
  }
  // The OpenAPI document describes what this configuration serves: its prefix, /metrics and chaos when on.
  const api = documentOptionsOf(config, telemetry !== undefined);

  // One observer of every request; the metrics, the access log and the request log subscribe to its outcomes.
  const assetRoutes = new AssetRoutes();
  const observer = new RequestObserver({
    logger,
    captureSpan: tracingOn(config),
    subscribers: [
      ...(telemetry?.subscribers ?? []),
      ...(accessLog ? [accessLogSubscriber(accessLog)] : []),
      requestLogSubscriber(logger),
    ],
    assets: accessLog && {
      routes: assetRoutes,
      unrouted: (path) => parseAssetPath(path, config.http.pathPrefix) ?? undefined,
    },
  });

  const app = createApp({
    logger,
    pathPrefix: config.http.pathPrefix,
    observer,
    routes: [
      (router) => registerHealthRoutes(router, database, logger),
      ...(telemetry?.routes ?? []),
      ...(config.chaos.enabled ? [registerChaosRoutes] : []),
      ...(config.docs.enabled ? [(router: Router) => registerApiDocsRoutes(router, api)] : []),
    ],
    apiRoutes: [
      (router) => registerCatalogueRoutes(router, assetService, assetRoutes, config.chaos.enabled ? [chaosMiddleware(config.chaos)] : []),
      (router) => registerStatsRoutes(router, stats, statsGuard),
    ],
    guardWrites,
  });

  const handleRequest = app.callback();
  const server = http.createServer(
    {
      headersTimeout: config.http.headersTimeoutMs,
      requestTimeout: config.http.requestTimeoutMs,
      // Node checks both every 30 s by default: a bound of a few seconds would then be ten times longer.
      connectionsCheckingInterval: Math.min(1000, config.http.headersTimeoutMs),
    },
    handleRequest,
  );
  // Expect: 100-continue goes through the app like any request; the body reader sends the 100 when it reads.
  server.on('checkContinue', handleRequest);
  // Past it, a new connection is closed at once: a flood of idle connections cannot use up the process's file
  // descriptors, which the database pool and /ready's own connection need.
  server.maxConnections = config.http.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.http.port, config.http.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Prepare the schema after listening: /health answers at once, /ready says why the DB is not usable yet.
  void database.startPreparing();
  accessLog?.start();
  retention?.start();
  // Retention runs as soon as this process holds the lease (again after every takeover), then every interval.
  if (retention) lease.onAcquired(() => retention.runNow());
  // The first roll-up as soon as the schema is there, then every minute (each closed day and month once).
  void database.whenReady().then(async () => {
    await lease.start();
    rollup.start();
  });

  const shutdown = new ShutdownSequence(logger)
    .add('http server', () => closeServer(server, config.http.shutdownTimeoutMs), config.http.shutdownTimeoutMs + 1000);
  // The access log is flushed after the last request finished and before the pool closes.
  if (accessLog) shutdown.add('access log flush', () => accessLog.stop(), config.accessLog.shutdownTimeoutMs + 1000);
  if (retention) shutdown.add('access log retention', () => retention.stop());
  shutdown.add('access roll-up', () => rollup.stop());
  shutdown.add('background-work lease', () => lease.stop());
  shutdown.add('database pool', () => database.close());
  // Last exports; bounded (TELEMETRY_SHUTDOWN_TIMEOUT_MS) so an unreachable collector cannot hold SIGTERM.
  if (telemetry) shutdown.add('telemetry', () => telemetry.shutdown(), config.telemetry.shutdownTimeoutMs);

  const address = server.address() as AddressInfo;
  // The log names the address actually bound (0.0.0.0 means every interface); `url` is one to connect to.
  logger.info({ address: address.address, port: address.port, pathPrefix: config.http.pathPrefix }, 'listening');
  const unspecified = address.address === '0.0.0.0' || address.address === '::';
  const host = unspecified ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}${config.http.pathPrefix}`;
  return { url, server, database, accessLog, retention, shutdown, api, app };
}
