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
import './lifecycle/early-signals';
import cluster from 'node:cluster';
import { ConfigError, loadConfig, secretsOf, tracingOn, type Config } from './config';
import { createLogger, type Logger } from './lifecycle/logger';
import { stopOnce } from './lifecycle/stop-signals';
import { stdoutPerTurn } from './lifecycle/stdout-per-turn';
import { relayWorkerStdout, writeToGroupStdoutWhenPrimaryGone } from './cluster/worker-log-relay';
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
  const primaryLogger = logger.child({ role: 'primary' });
  const primary = new ClusterPrimary(config, primaryLogger, __filename);
  primary.start();
  // A second signal must not kill the primary while its workers drain (they would lose their primary).
  stopOnce(primaryLogger, (signal) => void primary.shutdown(signal).then((clean) => process.exit(clean ? 0 : 1)));
}

function runService(config: Config, baseLogger: Logger): void {
  const slot = cluster.isWorker ? Number(process.env[WORKER_SLOT_ENV]) : undefined;
  // `worker` is the cluster worker id (what the per-worker metrics are labelled with), `slot` the place it fills.
  const logger = slot === undefined ? baseLogger : baseLogger.child({ worker: cluster.worker?.id, slot, pid: process.pid });
  // Signals are taken from the start, before the telemetry and the service's modules load (hundreds of ms): one that
  // arrives while the service is still starting (an orchestrator scaling down at once, a worker group draining a
  // worker it has just restarted) shuts it down as soon as it is up, instead of killing it mid-way.
  let running: import('./service').RunningService | undefined;
  let stopReason: string | undefined;
  const shutDown = (service: import('./service').RunningService, reason: string) => void service.shutdown.run(reason).then(() => process.exit(0));
  // The shutdown runs once, whatever signals arrive.
  const stop = stopOnce(logger, (reason) => {
    stopReason = reason;
    if (running) shutDown(running, reason);
  });
  // A worker whose primary is gone has no one to restart it or to answer scrapes: it drains and exits. Node's own
  // listener would exit it at once, cutting in-flight requests and losing its access-log queue, unless the worker
  // is marked as leaving on purpose (the flag is read only by that listener).
  if (cluster.isWorker && cluster.worker) {
    cluster.worker.exitedAfterDisconnect = true;
    writeToGroupStdoutWhenPrimaryGone(stdoutPerTurn());
    process.once('disconnect', () => stop('primary gone'));
  }
  let collectorFor: TelemetryOptions['collectorFor'];
  let workerMetrics: import('./cluster/worker-metrics-collector').WorkerMetricsCollector | undefined;
  if (cluster.isWorker) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { WorkerMetricsCollector } = require('./cluster/worker-metrics-collector') as typeof import('./cluster/worker-metrics-collector');
    const options = { scrapeTimeoutMs: config.cluster.scrapeTimeoutMs, pushIntervalMs: config.cluster.metricsPushIntervalMs };
    collectorFor = (local) => (workerMetrics = new WorkerMetricsCollector(local, process as never, options, logger));
  }
  const telemetry = startTelemetry(config, logger, { collectorFor });

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startService } = require('./service') as typeof import('./service');
  startService(config, logger, telemetry).then(
    (started) => {
      running = started;
      // Last, once the server has drained: the requests it finished count in the group's totals after it is gone.
      if (workerMetrics) started.shutdown.add('metrics to the primary', () => workerMetrics?.stopPushing(), 1000);
      if (stopReason !== undefined) shutDown(started, stopReason);
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
