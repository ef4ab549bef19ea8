import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDatabase } from '../support/test-database';
import { startTestService, waitUntilReady, type TestService } from '../support/test-service';

/**
 * Hostile review: a client that asks before sending its body (`Expect: 100-continue`, what curl does past 1 MB and
 * many HTTP clients do for large uploads) is told "100 Continue" by Node before the write guard has looked at the
 * request, so a write without a token is invited to upload its whole body, which the refusal then drains (up to
 * 10 MB, 5 s). The token is checked before the body is read; it should be checked before the body is asked for too:
 * the 401 first, and no 100 at all.
 */
const database = new TestDatabase();
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), API_WRITE_TOKEN: 'write-T0ken-0123456789abcdef' });
  await waitUntilReady(service);
});

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

/** What the server writes back within `ms` to the head of a request whose 8 MB body is announced, not sent. */
function answerToHead(head: string, ms = 500): Promise<string> {
  const { hostname, port } = new URL(service.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(head));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', reject);
    setTimeout(() => {
      socket.destroy();
      resolve(received);
    }, ms);
  });
}

describe('Expect: 100-continue on a write without a token', () => {
  it('is answered 401 without inviting the body (no 100 Continue)', async () => {
    const head = 'POST /datasets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 8000000\r\nExpect: 100-continue\r\n\r\n';
    const received = await answerToHead(head);
    expect(received).toMatch(/401 Unauthorized/);
    expect(received).not.toMatch(/^HTTP\/1\.1 100 Continue/);
  });

  it('with a valid token, is invited (100 Continue) when the body is about to be read, and the write succeeds', async () => {
    const { hostname, port } = new URL(service.url);
    const body = JSON.stringify({ name: 'invited', keywords: ['x'] });
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () =>
        socket.write(
          `POST /datasets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer write-T0ken-0123456789abcdef\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
        ),
      );
      let received = '';
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        // The body goes only once the server asked for it, as a client that honours Expect does.
        if (received.startsWith('HTTP/1.1 100 Continue\r\n\r\n') && !received.includes('201')) socket.write(body);
      });
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 Created/);
  });
});
