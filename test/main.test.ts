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
