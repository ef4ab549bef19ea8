/**
 * Process entry point. Order matters: the configuration is validated first (fail fast), then OpenTelemetry starts,
 * and only then is the service module loaded, so that http, koa and mysql2 are patched by the instrumentations when
 * tracing is on. Nothing above the `require` below may import them.
 *
 * With WEB_CONCURRENCY > 1 this file runs twice over: as the primary, which only forks and supervises workers
 * (`cluster/cluster-primary.ts`), and as each worker, which runs the service as a single process would, its
 * `/metrics` answering for the whole group.
 */
// First: signals that arrive while the modules below load are kept, not fatal.
import { takeEarlySignal } from './lifecycle/early-signals';
import cluster from 'node:cluster';
import { ConfigError, loadConfig, secretsOf, tracingOn, type Config } from './config';
import { createLogger, type Logger } from './lifecycle/logger';
import { stdoutPerTurn } from './lifecycle/stdout-per-turn';
import { relayWorkerStdout } from './cluster/worker-log-relay';
import { startTelemetry, type TelemetryOptions } from './telemetry';
import { WORKER_SLOT_ENV } from './cluster/messages';

function loadConfigOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

function runPrimary(config: Config, logger: Logger): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ClusterPrimary } = require('./cluster/cluster-primary') as typeof import('./cluster/cluster-primary');
  // The primary is the only writer of stdout: each worker's lines come through it, whole (never spliced).
  relayWorkerStdout(stdoutPerTurn());
  const primary = new ClusterPrimary(config, logger.child({ role: 'primary' }), __filename);
  primary.start();
  const stop = (signal: string) => void primary.shutdown(signal).then((clean) => process.exit(clean ? 0 : 1));
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  const early = takeEarlySignal();
  if (early !== undefined) stop(early);
}

function runService(config: Config, baseLogger: Logger): void {
  // Signals are taken from the start, before the telemetry and the service's modules load (hundreds of ms): one that
  // arrives while the service is still starting (an orchestrator scaling down at once, a worker group draining a
  // worker it has just restarted) shuts it down as soon as it is up, instead of killing it mid-way.
  let running: import('./service').RunningService | undefined;
  let stopRequested: string | undefined;
  const stop = (signal: string) => {
    if (running) void running.shutdown.run(signal).then(() => process.exit(0));
    else stopRequested ??= signal;
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  const early = takeEarlySignal();
  if (early !== undefined) stop(early);
  // A worker whose primary is gone has no one to restart it or to answer scrapes: it drains and exits.
  if (cluster.isWorker) process.once('disconnect', () => stop('primary gone'));
  const slot = cluster.isWorker ? Number(process.env[WORKER_SLOT_ENV]) : undefined;
  // `worker` is the cluster worker id (what the per-worker metrics are labelled with), `slot` the place it fills.
  const logger = slot === undefined ? baseLogger : baseLogger.child({ worker: cluster.worker?.id, slot, pid: process.pid });
  let collectorFor: TelemetryOptions['collectorFor'];
  if (cluster.isWorker) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { WorkerMetricsCollector } = require('./cluster/worker-metrics-collector') as typeof import('./cluster/worker-metrics-collector');
    collectorFor = (local) => new WorkerMetricsCollector(local, process as never, config.cluster.scrapeTimeoutMs, logger);
  }
  const telemetry = startTelemetry(config, logger, { collectorFor });

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startService } = require('./service') as typeof import('./service');
  startService(config, logger, telemetry).then(
    (started) => {
      running = started;
      if (stopRequested !== undefined) stop(stopRequested);
    },
    (error: unknown) => {
      logger.fatal({ err: error }, 'failed to start');
      process.exit(1);
    },
  );
}

const config = loadConfigOrExit();
const logger = createLogger(config.log.level, undefined, { secrets: secretsOf(config), traceContext: tracingOn(config) });
if (config.cluster.workers > 1 && cluster.isPrimary) runPrimary(config, logger);
else runService(config, logger);
