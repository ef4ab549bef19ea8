import { takeEarlySignal } from './early-signals';
import type { Logger } from './logger';

/**
 * Calls `stop` once, for the first request to stop: SIGTERM or SIGINT (also one that arrived while the modules were
 * loading, `takeEarlySignal`), or a call of the returned function (a worker whose primary is gone). Later requests
 * are logged and ignored, and the handlers stay installed: a process of a group stopped by a terminal's Ctrl-C or by
 * `kill -- -<pgid>` gets the signal itself and SIGTERM again from its primary, and a second signal must neither start
 * the shutdown over nor fall through to Node's default action, which would kill the process half-way.
 */
export function stopOnce(logger: Logger, stop: (reason: string) => void): (reason: string) => void {
  let stopping = false;
  const request = (reason: string): void => {
    if (stopping) return void logger.info({ signal: reason }, 'already shutting down; signal ignored');
    stopping = true;
    stop(reason);
  };
  process.on('SIGTERM', () => request('SIGTERM'));
  process.on('SIGINT', () => request('SIGINT'));
  const early = takeEarlySignal();
  if (early !== undefined) request(early);
  return request;
}
