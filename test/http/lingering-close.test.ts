import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app';
import { RequestObserver } from '../../src/http/request-observer';
import { createLogger } from '../../src/lifecycle/logger';
import { CapturedLogs } from '../support/test-service';

/**
 * The time bound of the drain: a client that keeps trickling a body after its answer is cut off, whatever it still
 * means to send. (The byte bound is tested against the real service in request-body.test.ts.)
 */
let server: http.Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(drainMs: number): Promise<number> {
  const logger = createLogger('info', new CapturedLogs());
  const app = createApp({
    logger,
    pathPrefix: '',
    observer: new RequestObserver({ logger, subscribers: [] }),
    routes: [],
    bodies: { drain: { maxBytes: 10 * 1024 * 1024, maxMs: drainMs } },
  });
  server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

describe('lingering close', () => {
  it('a client that trickles its body after the answer is cut off once the time bound has passed', async () => {
    const port = await serve(200);
    // Half-open allowed: like most clients, it keeps sending after reading the answer and the server's FIN.
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    socket.on('error', () => undefined);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    // 100 MB at 16 KB per 20 ms would take two minutes: only the server can end this exchange in time.
    socket.write('POST /nothing HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n');
    const chunk = Buffer.alloc(16 * 1024, 'x');
    const trickle = setInterval(() => socket.writable && socket.write(chunk), 20);
    const closedByServer = await new Promise<boolean>((resolve) => {
      const giveUp = setTimeout(() => resolve(false), 10_000);
      socket.once('close', () => {
        clearTimeout(giveUp);
        resolve(true);
      });
    });
    clearInterval(trickle);
    socket.destroy();
    expect(closedByServer).toBe(true);
    expect(received).toMatch(/^HTTP\/1\.1 404 /);
    expect(received).toMatch(/\r\nConnection: close\r\n/i);
  });
});
