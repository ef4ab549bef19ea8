import http from 'node:http';
import net from 'node:net';

/**
 * How a request ended, as a client sees it: the HTTP status (`200`, `413`; a 429 or 5xx with the `reason` of its JSON
 * error body, `503 (timeout)`), a socket error's code (`ECONNRESET`,
 * `EPIPE`, `ECONNREFUSED`), `timeout` (the client gave up), `aborted` (the client walked away on purpose) or
 * `incomplete` (the answer was cut short).
 */
export interface Outcome {
  outcome: string;
  /** When the request ended (performance.now()). */
  endedAt: number;
}

export interface RequestSpec {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface SendOptions {
  /** The client gives up after this long (every request has a bound, so a failing service cannot hang the bench). */
  timeoutMs: number;
  /** The client aborts (closes the connection) after this long, whatever the server is doing. */
  abortAfterMs?: number;
  agent?: http.Agent | false;
}

const errorCode = (error: NodeJS.ErrnoException): string => error.code ?? error.message;

/** One HTTP request to `host:port`, settled with its outcome; never rejects. */
export function send(host: string, port: number, spec: RequestSpec, options: SendOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let abortTimer: NodeJS.Timeout | undefined;
    const finish = (outcome: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(abortTimer);
      resolve({ outcome, endedAt: performance.now() });
    };
    const req = http.request({ host, port, method: spec.method, path: spec.path, headers: spec.headers, agent: options.agent }, (res) => {
      // A refusal or a failure names its reason (`503 (timeout)`, `429 (busy)`): which one it is tells what the service did.
      const explain = res.statusCode === 429 || (res.statusCode ?? 0) >= 500;
      let body = '';
      const answer = () => {
        if (!explain) return String(res.statusCode);
        let reason: unknown;
        try {
          reason = (JSON.parse(body) as { error?: { reason?: unknown } }).error?.reason;
        } catch {
          /* not our JSON error shape */
        }
        return typeof reason === 'string' ? `${res.statusCode} (${reason})` : String(res.statusCode);
      };
      res.on('data', (chunk: Buffer) => {
        if (explain && body.length < 4096) body += chunk.toString('utf8');
      });
      res.on('error', (error: NodeJS.ErrnoException) => finish(errorCode(error)));
      res.on('end', () => finish(answer()));
      res.on('close', () => finish(res.complete ? answer() : 'incomplete'));
    });
    req.on('error', (error: NodeJS.ErrnoException) => finish(errorCode(error)));
    timer = setTimeout(() => {
      finish('timeout');
      req.destroy();
    }, options.timeoutMs);
    if (options.abortAfterMs !== undefined) {
      abortTimer = setTimeout(() => {
        finish('aborted');
        req.destroy();
      }, options.abortAfterMs);
    }
    req.end(spec.body);
  });
}

/**
 * A POST whose whole body is written before a byte of the answer is looked at, on a raw socket, as Python's
 * urllib/requests and many SDKs do: a server that answers early and closes makes such a client see EPIPE or
 * ECONNRESET instead of its answer. The outcome is the status only when the body went out whole and the answer came
 * after. `connection`: urllib asks `close`, requests (urllib3) `keep-alive`; a server may treat the two differently.
 */
export function sendWholeBodyFirst(host: string, port: number, path: string, body: Buffer, timeoutMs: number, connection: 'close' | 'keep-alive'): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    let received = '';
    let written = false;
    const socket = net.connect(port, host);
    const finish = (outcome: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ outcome, endedAt: performance.now() });
    };
    const statusOfAnswer = () => /^HTTP\/1\.[01] (\d{3})/.exec(received)?.[1];
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('error', (error: NodeJS.ErrnoException) => finish(errorCode(error)));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const status = statusOfAnswer();
      if (allWritten() && status !== undefined) finish(status);
    });
    // The loop below learns that its last chunk went out only on 'drain', which can come after the server's close
    // (it closes once it has drained the body): what counts is whether every byte went out.
    const head = `POST ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: ${connection}\r\n\r\n`;
    let issuedAll = false;
    const allWritten = () => written || (issuedAll && socket.writableLength === 0);
    socket.on('close', () => finish(allWritten() ? (statusOfAnswer() ?? 'closed without an answer') : 'closed while writing'));
    socket.on('connect', () => {
      void (async () => {
        socket.write(head);
        const chunk = 64 * 1024;
        for (let offset = 0; offset < body.length && !settled; offset += chunk) {
          const flushed = socket.write(body.subarray(offset, offset + chunk));
          if (offset + chunk >= body.length) issuedAll = true;
          if (!flushed) {
            await new Promise<void>((r) => {
              const done = () => {
                socket.off('drain', done);
                socket.off('close', done);
                r();
              };
              socket.on('drain', done);
              socket.on('close', done);
            });
          }
        }
        if (settled) return;
        written = true;
        const status = statusOfAnswer();
        if (status !== undefined) finish(status);
      })();
    });
  });
}

/** A JSON body of exactly `bytes` bytes: `{"name":"aaa…"}`. */
export function jsonBodyOf(bytes: number): Buffer {
  const body = Buffer.alloc(bytes, 'a');
  body.write('{"name":"', 0);
  body.write('"}', bytes - 2);
  return body;
}
