import type http from 'node:http';

/**
 * Stops accepting connections and waits for in-flight requests to finish; idle keep-alive connections are closed
 * at once, and whatever is still open after `timeoutMs` is cut so shutdown stays bounded.
 */
export function closeServer(server: http.Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
    // Keep-alive connections that finish a response during the drain would otherwise linger until timeout.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    sweep.unref();
    server.once('close', () => clearInterval(sweep));
  });
}
