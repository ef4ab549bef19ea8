import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * `Expect: 100-continue` lets a client hold its body back until the server says it wants it. Node says so at once,
 * before any middleware has looked at the request, unless the server handles `checkContinue` itself; the service
 * does (service.ts), and the body reader sends the 100 only when it is about to read: a write refused for its token,
 * a 404 or a 415 is answered without having invited the body. A body declared larger than the limit is not invited
 * either (its 413 follows at once).
 */
export function inviteBody(req: IncomingMessage, res: ServerResponse, limitBytes: number, compressed: boolean): void {
  if (req.headers.expect?.toLowerCase() !== '100-continue' || res.headersSent) return;
  const declared = Number(req.headers['content-length']);
  if (!compressed && Number.isFinite(declared) && declared > limitBytes) return;
  res.writeContinue();
}
