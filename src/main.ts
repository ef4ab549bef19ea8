/**
 * Process entry point. Order matters: the configuration is validated first (fail fast), then OpenTelemetry starts,
 * and only then is the service module loaded, so that http, koa and mysql2 are patched by the instrumentations when
 * tracing is on. Nothing above the `require` below may import them.
 */
import { ConfigError, loadConfig, secretsOf, type Config } from './config';
import { createLogger } from './lifecycle/logger';
import { startTelemetry } from './telemetry';

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

const config = loadConfigOrExit();
const logger = createLogger(config.log.level, undefined, secretsOf(config));
const telemetry = startTelemetry(config, logger);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startService } = require('./service') as typeof import('./service');

startService(config, logger, telemetry).then(
  (running) => {
    const stop = (signal: string) => {
      void running.shutdown.run(signal).then(() => process.exit(0));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  },
  (error: unknown) => {
    logger.fatal({ err: error }, 'failed to start');
    process.exit(1);
  },
);
