import { Writable } from 'node:stream';
import { loadConfig, secretsOf, tracingOn, type Config } from '../../src/config';
import { createLogger, type Logger } from '../../src/lifecycle/logger';
import { startService, type RunningService } from '../../src/service';
import { startTelemetry } from '../../src/telemetry';
import { watchService } from './conforming-fetch';

/** Log lines written by the service under test, parsed, for assertions on structured logs. */
export class CapturedLogs extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    for (const line of chunk.toString().split('\n')) if (line) this.lines.push(JSON.parse(line));
    done();
  }
}

export interface TestService extends RunningService {
  config: Config;
  logs: CapturedLogs;
  logger: Logger;
  stop(): Promise<void>;
}

/** Starts the real service (same composition as `main.ts`) on an ephemeral port with the given env. */
export async function startTestService(env: Record<string, string>): Promise<TestService> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    DB_RETRY_INTERVAL_MS: '200',
    SHUTDOWN_TIMEOUT_MS: '2000',
    ...env,
  });
  const logs = new CapturedLogs();
  const logger = createLogger(config.log.level, logs, { secrets: secretsOf(config), traceContext: tracingOn(config) });
  const telemetry = startTelemetry(config, logger);
  const running = await startService(config, logger, telemetry);
  // Its answers are checked against the OpenAPI document of its configuration.
  const unwatch = await watchService(running.url, running.api);
  const stop = async () => {
    await running.shutdown.run();
    unwatch();
  };
  return { ...running, config, logs, logger, stop };
}

/** Polls `check` until it returns true or the time is up. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function waitUntilReady(service: RunningService, timeoutMs = 15_000): Promise<void> {
  await waitFor(async () => (await fetch(`${service.url}/ready`)).status === 200, timeoutMs, '/ready to answer 200');
}

export async function postJson(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}
