import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How much of a request body still arriving after its answer is read and thrown away before the connection closes. */
export interface DrainBounds {
  /** Bytes discarded at most; beyond them the connection is closed at once. */
  maxBytes: number;
  /** Milliseconds at most from the answer; then the connection is closed whatever is still arriving. */
  maxMs: number;
}

/**
 * Answers a request whose body is still arriving (an early 413, a 404 or 415 that never read it) the way a proxy's
 * lingering close does: the answer says `Connection: close`; what the client still sends is read and discarded (never
 * kept) until its body ends, then the connection closes cleanly; past `bounds` it is closed at once.
 *
 * Why: clients that write the whole body before reading (Python `urllib`/`requests`, many SDKs) otherwise never see
 * the answer. Node ends a `Connection: close` response with `socket.destroySoon()` — destroy as soon as the answer is
 * written — and closing a socket with unread bytes resets the connection (RST): the client gets `EPIPE`/`ECONNRESET`
 * instead of its 413. So the connection stays open (no FIN either) until the body is in, then closes. Keeping the
 * connection open without `Connection: close` would make Node read the rest unbounded.
 */
export function lingerThenClose(req: IncomingMessage, res: ServerResponse, bounds: DrainBounds): void {
  const socket = req.socket as Socket;
  // An answer already on its way (headers sent) cannot say `Connection: close` any more: Node's own handling stays.
  if (req.complete || socket.destroyed || res.headersSent) return;
  res.setHeader('Connection', 'close');
  let answered = false;
  let discarded = 0;
  const cutOff = () => socket.destroy();
  const timer = setTimeout(cutOff, bounds.maxMs);
  socket.once('close', () => clearTimeout(timer));
  // Until the body is in, the end of the answer closes nothing, not even our side (a FIN): many clients (Node's
  // sockets by default) stop writing when they see one, and would see their own write fail instead of the answer.
  const closeWhenWritten = socket.destroySoon;
  socket.destroySoon = function keepOpenUntilBodyIsIn() {
    answered = true;
  };
  // The body parser's decompressor, if any, no longer gets the bytes; nothing else listens any more.
  req.unpipe();
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > bounds.maxBytes) cutOff();
  });
  req.once('end', () => {
    clearTimeout(timer);
    socket.destroySoon = closeWhenWritten;
    if (answered) socket.destroySoon();
  });
  req.resume();
}
