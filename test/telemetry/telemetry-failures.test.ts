import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnService } from '../support/spawn-service';
import { TestDatabase } from '../support/test-database';
import { freePort } from '../support/free-port';

/** A collector that accepts connections and never answers: the slowest way for an export to fail. */
class BlackHole {
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((socket) => {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
  });
  port = 0;
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const database = new TestDatabase();
const blackHole = new BlackHole();
beforeAll(() => blackHole.start());
afterAll(async () => {
  await blackHole.stop();
  await database.drop();
});

const lines = (output: string) => output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('an unreachable collector', () => {
  it('does not hold SIGTERM: the telemetry step gives up after TELEMETRY_SHUTDOWN_TIMEOUT_MS and says so', async () => {
    const service = spawnService({
      DATABASE_URL: database.url(),
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'prometheus,otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${blackHole.port}`,
      TELEMETRY_SHUTDOWN_TIMEOUT_MS: '1000',
    });
    const url = await service.listening;
    for (let i = 0; i < 5; i++) await (await fetch(`${url}/health`)).arrayBuffer();
    const signalled = Date.now();
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    const tookMs = Date.now() - signalled;
    // Without the bound, the exporters' own 10 s timeout held the process.
    expect(tookMs).toBeLessThan(4000);
    const failed = lines(service.output()).find((l) => l.msg === 'shutdown step failed');
    expect(failed).toMatchObject({ step: 'telemetry' });
    expect(JSON.stringify(failed)).toMatch(/timed out after 1000 ms/);
  });

  it('is logged through the service log at OTEL_LOG_LEVEL, each kind of failure at most once a minute', async () => {
    const refused = await freePort(); // nothing listens: every export fails at once
    const service = spawnService({
      DATABASE_URL: database.url(),
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'prometheus,otlp',
      OTEL_METRIC_EXPORT_INTERVAL: '100',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${refused}`,
      TELEMETRY_SHUTDOWN_TIMEOUT_MS: '500',
    });
    const url = await service.listening;
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      await (await fetch(`${url}/health`)).arrayBuffer();
      await new Promise((r) => setTimeout(r, 50));
    }
    service.child.kill('SIGTERM');
    await service.exited;
    const otel = lines(service.output()).filter((l) => l.component === 'opentelemetry');
    // ~30 metric exports and several span batches failed in 3 s; a handful of lines say so.
    expect(otel.length).toBeGreaterThan(0);
    expect(otel.length).toBeLessThan(6);
    expect(otel.every((l) => l.level === 'error' || l.level === 'warn')).toBe(true);
    expect(JSON.stringify(otel)).toMatch(/ECONNREFUSED|export/i);
  });

  it('stays silent with OTEL_LOG_LEVEL=none', async () => {
    const refused = await freePort();
    const service = spawnService({
      DATABASE_URL: database.url(),
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_METRIC_EXPORT_INTERVAL: '100',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${refused}`,
      OTEL_LOG_LEVEL: 'none',
      TELEMETRY_SHUTDOWN_TIMEOUT_MS: '500',
    });
    await service.listening;
    await new Promise((r) => setTimeout(r, 1000));
    service.child.kill('SIGTERM');
    await service.exited;
    expect(lines(service.output()).filter((l) => l.component === 'opentelemetry')).toEqual([]);
  });
});
