import net from 'node:net';

/** What a raw HTTP/1.1 exchange produced: the parsed response when one arrived, and how the connection ended. */
export interface RawExchange {
  status: number | undefined;
  headers: Record<string, string>;
  body: string;
  /** The socket error seen while writing or reading (`EPIPE`, `ECONNRESET`), if any. */
  error: string | undefined;
  /** Body bytes the client managed to hand to the kernel before the connection ended. */
  bodyBytesWritten: number;
}

export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The body, written in this order; chunks are framed when `Transfer-Encoding: chunked` is among the headers. */
  body: Iterable<Buffer>;
  /** End the client's side once the body is written (a FIN), as a client that has nothing more to send may. */
  halfClose?: boolean;
}

/**
 * Sends one request on a raw socket the way Python's `urllib`/`requests` and many SDKs do: the whole body is written
 * first (each write waits for the kernel to take it), and only then is the response read. A server that answers
 * early and closes while the body is still arriving makes this client see `EPIPE`/`ECONNRESET` instead of its answer.
 */
export async function writeBodyThenRead(port: number, request: RawRequest): Promise<RawExchange> {
  const socket = net.connect(port, '127.0.0.1');
  socket.pause();
  const received: Buffer[] = [];
  let error: string | undefined;
  let bodyBytesWritten = 0;
  socket.on('error', (err: NodeJS.ErrnoException) => (error ??= err.code ?? err.message));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const write = (data: Buffer | string) =>
    new Promise<boolean>((resolve) => {
      if (socket.destroyed) return resolve(false);
      socket.write(data, (err) => resolve(err == null));
    });
  await new Promise<void>((resolve) => socket.once('connect', resolve).once('error', () => resolve()));
  const chunked = /chunked/i.test(request.headers['Transfer-Encoding'] ?? '');
  const head = [`${request.method} ${request.path} HTTP/1.1`, 'Host: localhost', ...Object.entries(request.headers).map(([k, v]) => `${k}: ${v}`)];
  let open = await write(`${head.join('\r\n')}\r\n\r\n`);
  for (const chunk of request.body) {
    if (!open) break;
    open = await write(chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk);
    if (open) bodyBytesWritten += chunk.length;
  }
  if (open && chunked) await write('0\r\n\r\n');
  if (open && request.halfClose) socket.end();
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  socket.resume();
  // The server closes after its answer (`Connection: close`); a client that never gets an end stops waiting here.
  const timer = setTimeout(() => socket.destroy(), 10_000);
  await closed;
  clearTimeout(timer);
  return { ...parseResponse(Buffer.concat(received).toString('latin1')), error, bodyBytesWritten };
}

function parseResponse(text: string): { status: number | undefined; headers: Record<string, string>; body: string } {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return { status: undefined, headers: {}, body: '' };
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine?.split(' ')[1]), headers, body: text.slice(end + 4) };
}

/** Exactly `total` bytes of an unfinished JSON body, `{"name":"n","description":"xxx…`, in chunks of `chunkSize`. */
export function* oversizedJson(total: number, chunkSize = 64 * 1024): Generator<Buffer> {
  const start = Buffer.from('{"name":"n","description":"');
  yield start;
  const chunk = Buffer.alloc(chunkSize, 'x');
  for (let sent = start.length; sent < total; sent += chunkSize) yield chunk.subarray(0, Math.min(chunkSize, total - sent));
}
