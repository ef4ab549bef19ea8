import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDatabase } from '../support/test-database';
import { startTestService, waitUntilReady, type TestService } from '../support/test-service';

/** What one client's connections may hold, over TCP against the real service. */
const database = new TestDatabase();
let service: TestService;
let port: number;

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000', HTTP_MAX_CONNECTIONS: '3' });
  port = Number(new URL(service.url).port);
  await waitUntilReady(service);
});

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

/** A connection that sends `data` (perhaps nothing) and reports what came back and when it was closed. */
function hold(data: string): { socket: net.Socket; closed: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  socket.on('connect', () => socket.write(data));
  return { socket, closed: new Promise((resolve) => socket.on('close', () => resolve(received))) };
}

describe('connection bounds', () => {
  it('closes a connection whose headers never end (slowloris) once HTTP_HEADERS_TIMEOUT_MS has passed', async () => {
    const slow = hold('GET /health HTTP/1.1\r\nHost: x\r\n');
    const outcome = await Promise.race([slow.closed, new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 8000))]);
    slow.socket.destroy();
    expect(outcome).not.toBe('still open');
  });

  it('closes a connection whose body never ends once HTTP_REQUEST_TIMEOUT_MS has passed', async () => {
    const slow = hold('POST /datasets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na');
    const outcome = await Promise.race([slow.closed, new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 8000))]);
    slow.socket.destroy();
    expect(outcome).not.toBe('still open');
  });

  it('closes new connections at once beyond HTTP_MAX_CONNECTIONS, and serves again when one is freed', async () => {
    const idle = [hold(''), hold(''), hold('')];
    await new Promise((resolve) => setTimeout(resolve, 200));
    const extra = hold('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await extra.closed).toBe(''); // closed without an answer
    for (const c of idle) c.socket.destroy();
    await Promise.all(idle.map((c) => c.closed));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
  });
});
