import type { ServerResponse } from 'node:http';

/**
 * A signal that aborts when the client goes away before its response is complete (the response closes unfinished:
 * the connection was closed or reset). `dispose()` once the request is done.
 */
export function watchClientGone(res: ServerResponse): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) controller.abort(new Error('client went away'));
  };
  if (res.destroyed || res.socket?.destroyed) onClose();
  else res.once('close', onClose);
  return { signal: controller.signal, dispose: () => res.off('close', onClose) };
}
