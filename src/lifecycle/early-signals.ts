/**
 * SIGTERM or SIGINT received while the process is still loading its modules (the telemetry SDK and the service take
 * hundreds of milliseconds), before `main.ts` installs its own handlers: without this, Node's default action kills
 * the process mid-start — a worker group draining a worker it has just restarted would see it die uncleanly. Imported
 * first by `main.ts`; its handlers only record the signal, and `takeEarlySignal` hands it over and removes them.
 */
let received: string | undefined;
const onSigterm = () => {
  received ??= 'SIGTERM';
};
const onSigint = () => {
  received ??= 'SIGINT';
};
// `on`, not `once`: a second signal before the real handlers (a worker signalled by a terminal and by its primary)
// must not fall through to the default action either.
process.on('SIGTERM', onSigterm);
process.on('SIGINT', onSigint);

/** The signal that arrived before the real handlers, if any; from now on those handlers take signals. */
export function takeEarlySignal(): string | undefined {
  process.off('SIGTERM', onSigterm);
  process.off('SIGINT', onSigint);
  return received;
}
