import { afterAll, describe, expect, it } from 'vitest';
import { spawnService } from './support/spawn-service';
import { TestDatabase } from './support/test-database';

const database = new TestDatabase();
afterAll(() => database.drop());

describe('main (the built service as a process)', () => {
  it('refuses to start on bad configuration, naming the variable', async () => {
    const service = spawnService({ PORT: 'eighty', METRICS_DURATION_BUCKETS: '3,2' });
    expect(await service.exited).toBe(1);
    expect(service.output()).toMatch(/PORT: .*\(got "eighty"\)/);
    expect(service.output()).toMatch(/METRICS_DURATION_BUCKETS: /);
  });

  it('stops at once on a database name that can never work, without printing the password', async () => {
    const service = spawnService({ DATABASE_URL: 'mysql://root:TopSecret-42@127.0.0.1:3306/no-dashes-allowed' });
    expect(await service.exited).toBe(1);
    expect(service.output()).toMatch(/DATABASE_URL: the database name/);
    expect(service.output()).toContain('mysql://root:***@127.0.0.1:3306/no-dashes-allowed');
    expect(service.output()).not.toContain('TopSecret-42');
  });

  it('logs the address it bound, and "shutting down" before every shutdown step', async () => {
    const service = spawnService({ DATABASE_URL: database.url(), HOST: '0.0.0.0' });
    await service.listening;
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    const lines = service.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === 'listening')).toMatchObject({ address: '0.0.0.0' });
    const order = lines.map((l) => l.msg).filter((m) => m === 'shutting down' || m === 'shutdown step done');
    expect(order[0]).toBe('shutting down');
    expect(order.filter((m) => m === 'shutting down')).toHaveLength(1);
    expect(order.length).toBeGreaterThan(3);
    expect(lines.find((l) => l.msg === 'shutting down')).toMatchObject({ reason: 'SIGTERM' });
  });

  it('never writes the database password or the metrics token, whatever it logs', async () => {
    // A password the server rejects: the driver's errors are logged over and over while it retries.
    const service = spawnService({
      DATABASE_URL: 'mysql://root:Wr0ng-Pass%21@127.0.0.1:3306/asset_catalogue_pw',
      METRICS_TOKEN: 'metrics-T0ken',
      LOG_LEVEL: 'debug',
      DB_RETRY_INTERVAL_MS: '100',
    });
    const url = await service.listening;
    await fetch(`${url}/ready`);
    await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer wrong' } });
    await new Promise((r) => setTimeout(r, 500));
    service.child.kill('SIGTERM');
    await service.exited;
    expect(service.output()).toMatch(/not ready|ER_ACCESS_DENIED|Access denied/);
    expect(service.output()).not.toMatch(/Wr0ng-Pass|metrics-T0ken/);
  });

  it('drains an in-flight request on SIGTERM, then exits 0', async () => {
    const service = spawnService({ DATABASE_URL: database.url(), SHUTDOWN_TIMEOUT_MS: '5000' });
    const url = await service.listening;
    // A body sent slowly keeps the request in flight while the signal arrives.
    const { request } = await import('node:http');
    const inFlight = new Promise<number>((resolve, reject) => {
      const req = request(`${url}/datasets`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('{"name": ');
      setTimeout(() => req.end('"drained"}'), 300);
    });
    await new Promise((r) => setTimeout(r, 100));
    service.child.kill('SIGTERM');
    // 201 once the DB is ready, 503 if it was not yet: either way the request was answered, not cut.
    expect([201, 503]).toContain(await inFlight);
    expect(await service.exited).toBe(0);
    expect(service.output()).toMatch(/"step":"http server"/);
    expect(service.output()).toMatch(/"step":"database pool"/);
  });
});
