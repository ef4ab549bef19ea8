import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { jsonBodyReader } from '../../src/http/request-body';
import { scrape } from '../support/metrics-text';
import { oversizedJson, writeBodyThenRead, type RawExchange } from '../support/raw-http';
import { TestDatabase } from '../support/test-database';
import { startTestService, waitFor, waitUntilReady, type TestService } from '../support/test-service';

/**
 * Request bodies as a hostile (or merely ordinary) client sends them, against the real service over HTTP: every one
 * gets a 4xx JSON answer it can read, none is a 5xx, none is logged as an error or counted in `http_errors_total`.
 */
const database = new TestDatabase();
let service: TestService;
let port: number;
/** The 5xx series before these tests (`/ready` answers 503 until the schema is migrated). */
let serverErrorsBefore: string[];

/** Sample lines of 5xx answers and of `http_errors_total`. */
function serverErrors(metrics: string): string[] {
  return metrics.split('\n').filter((l) => /^http_requests_total\{.*status="5\d\d"/.test(l) || l.startsWith('http_errors_total{'));
}

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url() });
  port = Number(new URL(service.url).port);
  await waitUntilReady(service);
  serverErrorsBefore = serverErrors(await scrape(service.url));
});

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

const MB = 1024 * 1024;
const json = JSON.stringify({ name: 'compressed', keywords: ['k'] });

function post(encoding: string, body: Buffer | string): Promise<Response> {
  return fetch(`${service.url}/datasets`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body });
}

async function errorOf(response: Response, status: number): Promise<{ status: number; message: string; [k: string]: unknown }> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/application\/json/);
  const body = (await response.json()) as { error: { status: number; message: string } };
  expect(body.error.status).toBe(status);
  return body.error;
}

function rawErrorOf(exchange: RawExchange, status: number): { message: string } {
  expect(exchange, `got ${exchange.error ?? 'no error'} after writing ${exchange.bodyBytesWritten} bytes`).toMatchObject({ status, error: undefined });
  expect(exchange.headers.connection).toBe('close');
  return (JSON.parse(exchange.body) as { error: { message: string } }).error;
}

describe('compressed bodies', () => {
  it.each(['gzip', 'deflate', 'br'])('Content-Encoding %s on a body that is not compressed → 400 naming the encoding', async (encoding) => {
    const error = await errorOf(await post(encoding, json), 400);
    expect(error.message).toBe(`request body is not valid ${encoding} data`);
  });

  it('a truncated gzip body → 400', async () => {
    const gzipped = zlib.gzipSync(json);
    const error = await errorOf(await post('gzip', gzipped.subarray(0, gzipped.length - 6)), 400);
    expect(error.message).toBe('request body is not valid gzip data');
  });

  it('an unknown Content-Encoding → 415 naming it and the supported ones', async () => {
    const error = await errorOf(await post('foo', json), 415);
    expect(error.message).toBe('Content-Encoding "foo" is not supported (supported: gzip, deflate, br, identity)');
  });

  it.each([
    ['gzip', zlib.gzipSync(json)],
    ['GZip', zlib.gzipSync(json)],
    ['deflate', zlib.deflateSync(json)],
    ['br', zlib.brotliCompressSync(json)],
    ['identity', Buffer.from(json)],
  ])('a valid %s body is still created (201)', async (encoding, body) => {
    const response = await post(encoding, body);
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ name: 'compressed', keywords: ['k'] });
  });

  it('a gzip body that inflates past the limit → 413', async () => {
    const bomb = zlib.gzipSync(JSON.stringify({ name: 'n', description: 'x'.repeat(4 * MB) }));
    await errorOf(await post('gzip', bomb), 413);
  });
});

describe('bodies over the limit, written whole before the answer is read', () => {
  // Python's urllib asks for `Connection: close`; that is when Node reset the connection right after the 413.
  it.each([
    [2, 'close'],
    [8, 'close'],
    [8, 'keep-alive'],
  ])('Content-Length of %i MB, Connection: %s: the 413 arrives, every time', async (size, connection) => {
    for (let i = 0; i < 6; i++) {
      const exchange = await writeBodyThenRead(port, {
        method: 'POST',
        path: '/datasets',
        headers: { 'Content-Type': 'application/json', 'Content-Length': String(size * MB), Connection: connection },
        body: oversizedJson(size * MB),
      });
      expect(rawErrorOf(exchange, 413).message).toBe('request body too large (limit 1 MB)');
    }
  });

  it('a client that reads while it writes and stops writing at a FIN (a default Node socket): 4 at once, 8 MB each, all get the 413', async () => {
    const body = Buffer.alloc(8 * MB, 'a');
    const one = () =>
      new Promise<{ status: string | undefined; wroteAll: boolean }>((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        let received = '';
        let wroteAll = false;
        socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve({ status: /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1], wroteAll }));
        socket.on('connect', async () => {
          socket.write(`POST /datasets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
          for (let offset = 0; offset < body.length && !socket.destroyed && socket.writable; offset += 64 * 1024) {
            if (!socket.write(body.subarray(offset, offset + 64 * 1024))) await new Promise((r) => socket.once('drain', r).once('close', r));
          }
          wroteAll = socket.writable && !socket.destroyed;
        });
      });
    const results = await Promise.all([one(), one(), one(), one()]);
    // The connection closes only once the whole body is in: no FIN that would stop the client half-way.
    expect(results).toEqual(Array.from({ length: 4 }, () => ({ status: '413', wroteAll: true })));
  });

  it('chunked, crossing the limit mid-way (8 MB): the 413 arrives', async () => {
    for (let i = 0; i < 3; i++) {
      const exchange = await writeBodyThenRead(port, {
        method: 'POST',
        path: '/datasets',
        headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
        body: oversizedJson(8 * MB),
      });
      expect(rawErrorOf(exchange, 413).message).toBe('request body too large (limit 1 MB)');
    }
  });

  it('2 MB gzip-compressed bodies that inflate past the limit: the 413 arrives', async () => {
    // Random bytes do not compress: 2 MB on the wire, hex-encoded into 4 MB of JSON.
    const compressed = zlib.gzipSync(JSON.stringify({ name: 'n', description: Buffer.from(Array.from({ length: MB }, () => Math.random() * 256)).toString('hex') }), { level: 0 });
    const exchange = await writeBodyThenRead(port, {
      method: 'POST',
      path: '/datasets',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': String(compressed.length) },
      body: [compressed],
    });
    rawErrorOf(exchange, 413);
  });

  it('an 8 MB body on a route that reads none (404) gets its answer too', async () => {
    const exchange = await writeBodyThenRead(port, {
      method: 'POST',
      path: '/widgets',
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(8 * MB) },
      body: oversizedJson(8 * MB),
    });
    rawErrorOf(exchange, 404);
  });

  it('a client that sends more than the drain bound (10× the limit) has its connection closed', async () => {
    const exchange = await writeBodyThenRead(port, {
      method: 'POST',
      path: '/datasets',
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(200 * MB) },
      body: oversizedJson(200 * MB),
    });
    expect(exchange.error).toMatch(/EPIPE|ECONNRESET/);
    // The server read up to its bound; what was written beyond it sat in the two kernels' socket buffers (a few MB
    // each on loopback), and then the connection was gone.
    expect(exchange.bodyBytesWritten).toBeGreaterThan(10 * MB);
    expect(exchange.bodyBytesWritten).toBeLessThan(60 * MB);
  });
});

describe('clients that stop sending', () => {
  it('a body shorter than its Content-Length, then the client half-closes → 400 or a closed connection, nothing logged as an error', async () => {
    const exchange = await writeBodyThenRead(port, {
      method: 'POST',
      path: '/datasets',
      headers: { 'Content-Type': 'application/json', 'Content-Length': '1000', 'Content-Encoding': 'gzip' },
      body: [zlib.gzipSync(json).subarray(0, 10)],
      halfClose: true,
    });
    expect([400, undefined]).toContain(exchange.status);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(service.logs.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});

describe('a client that hangs up mid-body', () => {
  it.each(['identity', 'gzip'])('(%s) does not leave its request pending', async (encoding) => {
    // The reader alone on a real server, with a middleware around it that sees whether the request ever settles.
    let settled = 0;
    const app = new Koa();
    app.silent = true;
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch {
        ctx.status = 400;
      } finally {
        settled++;
      }
    });
    app.use(jsonBodyReader());
    const server = http.createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      const start = encoding === 'gzip' ? zlib.gzipSync(JSON.stringify({ name: 'x'.repeat(10_000) })).subarray(0, 40) : Buffer.from('{"name":');
      socket.write(`POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Encoding: ${encoding}\r\nContent-Length: 5000\r\n\r\n`);
      socket.write(start);
      await new Promise((resolve) => setTimeout(resolve, 50));
      socket.destroy();
      await waitFor(() => settled === 1, 3_000, 'the request to settle');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('compression bombs', () => {
  it.each([
    ['br', 'createBrotliDecompress', () => zlib.brotliCompressSync(Buffer.alloc(16 * MB))],
    ['gzip', 'createUnzip', () => zlib.gzipSync(Buffer.alloc(16 * MB))],
  ] as const)('%s: 413, and the decompressor is destroyed at once (its native memory is never left to the GC)', async (encoding, factory, bomb) => {
    const created: Array<{ destroyed: boolean }> = [];
    const original = zlib[factory] as (...args: unknown[]) => { destroyed: boolean };
    const spy = vi.spyOn(zlib, factory).mockImplementation(((...args: unknown[]) => {
      const stream = original(...args);
      created.push(stream);
      return stream;
    }) as never);
    try {
      const response = await fetch(`${service.url}/datasets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        body: bomb(),
      });
      expect(response.status).toBe(413);
      expect(created).toHaveLength(1);
      expect(created[0]?.destroyed).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('none of these is a server error', () => {
  it('no 5xx, no http_errors_total, no error-level log line', async () => {
    const text = await scrape(service.url);
    expect(serverErrors(text)).toEqual(serverErrorsBefore);
    expect(text.split('\n').some((l) => /^http_requests_total\{handler="\/datasets",method="POST",status="413"\} [1-9]/.test(l))).toBe(true);
    expect(service.logs.lines.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
  });
});
