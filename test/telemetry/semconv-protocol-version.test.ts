import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, waitFor, waitUntilReady, type TestService } from '../support/test-service';
import { TestDatabase } from '../support/test-database';
import { scrape } from '../support/metrics-text';

/**
 * Hostile review of `network.protocol.version` in `http_server_request_duration_seconds`: the server is an HTTP/1.x
 * server (node:http, no HTTP/2, no ALPN), yet Node's parser accepts the request lines `HTTP/0.9` and `HTTP/2.0` and
 * answers them in HTTP/1.1. The version recorded is then one the connection never spoke, and any anonymous client
 * multiplies the family's series by 4 (0.9, 1.0, 1.1, 2) for every (route, method, status): 11 280 requests made
 * 2 785 series (9.4 MB of 0.0.4 text) against 699 without that label.
 */
const database = new TestDatabase();
let service: TestService;

afterAll(async () => {
  await service?.stop();
  await database.drop();
});

function raw(port: number, head: string): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(head));
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => undefined);
  });
}

beforeAll(async () => {
  service = await startTestService({ DATABASE_URL: database.url(), LOG_LEVEL: 'fatal', OTEL_SEMCONV_STABILITY_OPT_IN: 'http' });
  await waitUntilReady(service);
});

describe('http_server_request_duration_seconds network_protocol_version', () => {
  it('records only versions this HTTP/1.x server speaks, whatever the request line claims', async () => {
    const port = Number(new URL(service.url).port);
    for (const version of ['HTTP/0.9', 'HTTP/1.0', 'HTTP/1.1', 'HTTP/2.0']) {
      const answer = await raw(port, `GET /health ${version}\r\nHost: x\r\nConnection: close\r\n\r\n`);
      // Every one of them is answered, in HTTP/1.1.
      expect(answer, version).toMatch(/^HTTP\/1\.1 200 /);
    }
    let text = '';
    await waitFor(async () => (text = await scrape(service.url)).includes('network_protocol_version="1.0"'), 5000, 'the requests to be recorded');
    const versions = new Set(
      [...text.matchAll(/^http_server_request_duration_seconds_count\{[^}]*http_route="\/health"[^}]*network_protocol_version="([^"]+)"/gm)].map((m) => m[1]),
    );
    expect(versions.has('2'), 'an HTTP/1.1 exchange recorded as HTTP/2').toBe(false);
    expect(versions.has('0.9'), 'an HTTP/1.1 exchange (with headers) recorded as HTTP/0.9').toBe(false);
    for (const v of versions) expect(['1.0', '1.1', '_OTHER']).toContain(v);
  });
});
