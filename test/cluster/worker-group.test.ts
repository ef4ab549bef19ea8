import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnService, type SpawnedService } from '../support/spawn-service';
import { TestDatabase } from '../support/test-database';
import { fireRequests } from '../support/metrics-text';
import { waitFor } from '../support/test-service';

/**
 * WEB_CONCURRENCY=2 as a user runs it: the built service as a process group (a primary and two workers sharing the
 * port), against MariaDB. Scrapes go to whichever worker the kernel hands the connection to.
 */
const database = new TestDatabase();
const groups: SpawnedService[] = [];
afterAll(async () => {
  for (const g of groups) {
    if (g.child.exitCode !== null || g.child.pid === undefined) continue;
    try {
      process.kill(-g.child.pid, 'SIGKILL'); // the whole group, where it has one of its own
    } catch {
      g.child.kill('SIGKILL');
    }
  }
  await database.drop();
});

type Sample = { name: string; labels: string; value: number };
function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m) out.push({ name: m[1] as string, labels: m[2] ?? '', value: Number(m[3]) });
  }
  return out;
}
const value = (text: string, name: string, labels = '') => samples(text).find((s) => s.name === name && s.labels === labels)?.value;
/** A scrape that gives up after `ms` (a stopped worker may hold the connection the kernel gave it). */
async function scrape(url: string, ms = 4000): Promise<string> {
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(ms) });
  expect(response.status).toBe(200);
  return response.text();
}

/** A port free a moment ago, for a group whose every worker will die at once. */
async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startGroup(env: Record<string, string> = {}, options: { detached?: boolean } = {}): Promise<{ group: SpawnedService; url: string; workerPids: () => number[] }> {
  const group = spawnService({ DATABASE_URL: database.url(), WEB_CONCURRENCY: '2', LOG_LEVEL: 'info', ACCESS_LOG_FLUSH_INTERVAL_MS: '100', ...env }, options);
  groups.push(group);
  const url = await group.listening;
  const listening = () =>
    group.output().split('\n').filter((l) => l.includes('"msg":"listening"')).map((l) => JSON.parse(l) as { pid: number });
  await waitFor(() => listening().length >= 2, 15_000, 'both workers to listen');
  // Each worker, not only the one a /ready probe reaches: one still waiting for the other's migration answers 503.
  await waitFor(() => group.output().split('\n').filter((l) => l.includes('"msg":"database ready"')).length >= 2, 15_000, 'both workers to be ready');
  const workerPids = () => {
    const pids = listening().map((l) => l.pid);
    return pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
  };
  return { group, url, workerPids };
}

describe('WEB_CONCURRENCY=2', () => {
  it('answers one exposition for the whole group, whichever worker takes the scrape', async () => {
    const { group, url, workerPids } = await startGroup();
    expect(workerPids()).toHaveLength(2);
    expect(new Set(workerPids()).size).toBe(2);
    await fireRequests(() => `${url}/health`, 400, 8);
    for (let i = 0; i < 6; i++) {
      const text = await scrape(url);
      // HTTP series summed: today's names and labels, no worker label, the exact total.
      expect(value(text, 'http_requests_total', '{handler="/health",method="GET",status="200"}')).toBe(400);
      expect(value(text, 'http_request_duration_seconds_count', '{handler="/health",method="GET"}')).toBe(400);
      expect(text).not.toMatch(/^http_[a-z_]+\{[^}]*worker=/m);
      // Process metrics per worker, nothing summed away.
      const cpu = samples(text).filter((s) => s.name === 'process_cpu_seconds_total');
      expect(cpu.map((s) => s.labels.match(/worker="(\d+)"/)?.[1]).sort()).toEqual(['1', '2']);
      expect(value(text, 'cluster_workers')).toBe(2);
      expect(value(text, 'cluster_scrape_workers_missed')).toBe(0);
      // One HELP/TYPE per family: Prometheus would reject duplicates.
      const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
      expect(new Set(types).size).toBe(types.length);
    }
    const text = await scrape(url);
    execFileSync('promtool', ['check', 'metrics'], { input: text });
    group.child.kill('SIGTERM');
    expect(await group.exited).toBe(0);
  });

  it('never lets a summed counter go down when a worker is killed under load, and restarts it', async () => {
    const { group, url, workerPids } = await startGroup();
    const load = fireRequests((i) => `${url}/${i % 3 === 0 ? 'datasets' : 'health'}`, 3000, 8).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    const before = await scrape(url);
    const [victim] = workerPids();
    process.kill(victim as number, 'SIGKILL');
    await load;
    // A keep-alive connection the killed worker held is cut under the client: such a scrape is retried.
    const settled = async () => (await scrape(url).catch(() => undefined)) ?? '';
    await waitFor(async () => value(await settled(), 'cluster_workers') === 2, 15_000, 'the worker to be restarted');
    let after = '';
    await waitFor(async () => (after = await settled()) !== '', 5000, 'a scrape after the restart');
    const afterByKey = new Map(samples(after).map((s) => [`${s.name}${s.labels}`, s.value]));
    let compared = 0;
    for (const s of samples(before)) {
      if (!/(_total|_count|_sum|_bucket)$/.test(s.name)) continue;
      const later = afterByKey.get(`${s.name}${s.labels}`);
      if (later === undefined) continue; // a per-worker series of the dead process: gone, not reset
      expect(later, `${s.name}${s.labels}`).toBeGreaterThanOrEqual(s.value);
      compared++;
    }
    expect(compared).toBeGreaterThan(50);
    expect(value(after, 'cluster_worker_restarts_total')).toBe(1);
    expect(group.output()).toMatch(/"msg":"worker died; restarting it"/);
    group.child.kill('SIGTERM');
    expect(await group.exited).toBe(0);
  });

  it('keeps what a SIGKILLed worker served up to one push interval before it died, also after a scrape', async () => {
    // A fixed port: with every worker gone the listening socket closes, and port 0 would pick another one.
    const { group, url, workerPids } = await startGroup({ CLUSTER_METRICS_PUSH_INTERVAL_MS: '200', PORT: String(await freePort()) });
    const health = '{handler="/health",method="GET",status="200"}';
    await fireRequests(() => `${url}/health`, 300, 8);
    expect(value(await scrape(url), 'http_requests_total', health)).toBe(300);
    await fireRequests(() => `${url}/health`, 300, 8);
    // Many push intervals: every worker has sent its totals since its last request, whatever the machine's load.
    await new Promise((r) => setTimeout(r, 1500));
    const victims = workerPids();
    expect(victims).toHaveLength(2);
    for (const pid of victims) process.kill(pid, 'SIGKILL');
    const settled = async () => (await scrape(url).catch(() => undefined)) ?? '';
    let after = '';
    await waitFor(async () => value((after = await settled()), 'cluster_workers') === 2 && value(after, 'cluster_worker_restarts_total') === 2, 15_000, 'both workers to be restarted');
    expect(value(after, 'http_requests_total', health)).toBe(600);
    expect(value(after, 'http_request_duration_seconds_count', '{handler="/health",method="GET"}')).toBe(600);
    group.child.kill('SIGTERM');
    expect(await group.exited).toBe(0);
  });

  it('OTEL_SEMCONV_STABILITY_OPT_IN=http: sums http_server_request_duration_seconds over the workers and keeps a SIGKILLed worker\'s', async () => {
    const { group, url, workerPids } = await startGroup({ OTEL_SEMCONV_STABILITY_OPT_IN: 'http', CLUSTER_METRICS_PUSH_INTERVAL_MS: '200', PORT: String(await freePort()) });
    const health = '{http_request_method="GET",http_route="/health",http_response_status_code="200",url_scheme="http",network_protocol_version="1.1"}';
    await fireRequests(() => `${url}/health`, 300, 8);
    const text = await scrape(url);
    expect(value(text, 'http_server_request_duration_seconds_count', health)).toBe(300);
    expect(text).not.toMatch(/^http_requests_total/m);
    expect(text).not.toMatch(/^http_server_request_duration_seconds_\w+\{[^}]*worker=/m);
    await fireRequests(() => `${url}/health`, 300, 8);
    // Only the semantic-convention histogram moved: the workers must still see new totals to push.
    await new Promise((r) => setTimeout(r, 1500));
    for (const pid of workerPids()) process.kill(pid, 'SIGKILL');
    const settled = async () => (await scrape(url).catch(() => undefined)) ?? '';
    let after = '';
    await waitFor(async () => value((after = await settled()), 'cluster_workers') === 2 && value(after, 'cluster_worker_restarts_total') === 2, 15_000, 'both workers to be restarted');
    expect(value(after, 'http_server_request_duration_seconds_count', health)).toBe(600);
    execFileSync('promtool', ['check', 'metrics'], { input: after });
    group.child.kill('SIGTERM');
    expect(await group.exited).toBe(0);
  });

  it('keeps what a worker served until it exits cleanly, with no scrape and no push interval in between', async () => {
    const { group, url, workerPids } = await startGroup({ CLUSTER_METRICS_PUSH_INTERVAL_MS: '60000', PORT: String(await freePort()) });
    await fireRequests(() => `${url}/health`, 200, 8);
    for (const pid of workerPids()) process.kill(pid, 'SIGTERM'); // each drains, sends its totals and exits 0
    const settled = async () => (await scrape(url).catch(() => undefined)) ?? '';
    let after = '';
    await waitFor(async () => value((after = await settled()), 'cluster_workers') === 2 && value(after, 'cluster_worker_restarts_total') === 2, 15_000, 'both workers to be restarted');
    expect(value(after, 'http_requests_total', '{handler="/health",method="GET",status="200"}')).toBe(200);
    group.child.kill('SIGTERM');
    expect(await group.exited).toBe(0);
  });

  it('leaves a worker that does not answer out of the scrape, counts it, and never hangs', async () => {
    const { group, url, workerPids } = await startGroup({ CLUSTER_SCRAPE_TIMEOUT_MS: '300' });
    await fireRequests(() => `${url}/health`, 200, 4);
    const before = await scrape(url);
    const [stopped] = workerPids();
    process.kill(stopped as number, 'SIGSTOP');
    try {
      let text: string | undefined;
      // The kernel may hand a connection to the stopped worker: those scrapes time out at the client; retry.
      for (let i = 0; i < 10 && text === undefined; i++) {
        const started = Date.now();
        text = await scrape(url, 1500).catch(() => undefined);
        if (text !== undefined) expect(Date.now() - started).toBeLessThan(1500);
      }
      expect(text).toBeDefined();
      expect(value(text as string, 'cluster_scrape_workers_missed')).toBe(1);
      // Its last totals stand in for it: the sum did not drop.
      const key = '{handler="/health",method="GET",status="200"}';
      expect(value(text as string, 'http_requests_total', key)).toBeGreaterThanOrEqual(value(before, 'http_requests_total', key) as number);
    } finally {
      process.kill(stopped as number, 'SIGCONT');
    }
    group.child.kill('SIGTERM');
    expect(await group.exited).toBe(0);
  });

  it('drains every worker on SIGTERM to the primary: each flushes its access log, nothing is lost, exit 0', async () => {
    const { group, url } = await startGroup({ ACCESS_LOG_FLUSH_INTERVAL_MS: '60000' });
    const created = (await (await fetch(`${url}/datasets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"drained"}' })).json()) as { identifier: string };
    await fireRequests(() => `${url}/datasets/${created.identifier}`, 600, 8);
    group.child.kill('SIGTERM');
    expect(await group.exited).toBe(0);
    const rows = await database.query<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM asset_access_log WHERE asset_id = ?', [created.identifier]);
    expect(Number(rows[0]?.n)).toBe(600);
    const steps = group.output().split('\n').filter((l) => l.includes('"step":"access log flush"'));
    expect(steps).toHaveLength(2);
    expect(group.output()).toMatch(/"msg":"all workers stopped"/);
  });

  it('stops cleanly when every process of the group gets SIGINT and then SIGTERM (Ctrl-C, kill -- -<pgid>)', async () => {
    const { group, url, workerPids } = await startGroup({}, { detached: true });
    const created = (await (await fetch(`${url}/datasets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"signalled"}' })).json()) as { identifier: string };
    await fireRequests(() => `${url}/datasets/${created.identifier}`, 200, 8);
    const pids = workerPids();
    expect(pids).toHaveLength(2);
    const pgid = group.child.pid as number;
    process.kill(-pgid, 'SIGINT');
    await new Promise((r) => setTimeout(r, 20));
    process.kill(-pgid, 'SIGTERM');
    expect(await group.exited).toBe(0);
    type Line = { level: string; msg: string; pid?: number; role?: string; step?: string; steps?: string[] };
    const lines = group
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Line);
    expect(lines.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    for (const pid of pids) {
      const own = lines.filter((l) => l.pid === pid);
      const started = own.filter((l) => l.msg === 'shutting down');
      expect(started, `worker ${pid} starts its shutdown once`).toHaveLength(1);
      const steps = started[0]?.steps ?? [];
      expect(steps.length).toBeGreaterThan(3);
      expect(own.filter((l) => l.msg === 'shutdown step done').map((l) => l.step), `worker ${pid}'s shutdown steps`).toEqual(steps);
    }
    // The leader gave its lease back (the next leader takes over at once, not after the lock's timeout).
    expect(lines.filter((l) => l.msg === 'gave up the background-work lease' && pids.includes(l.pid as number))).toHaveLength(1);
    expect(lines.filter((l) => l.role === 'primary' && l.msg === 'all workers stopped')).toHaveLength(1);
    const rows = await database.query<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM asset_access_log WHERE asset_id = ?', [created.identifier]);
    expect(Number(rows[0]?.n)).toBe(200);
  });

  it('names the code or signal of a worker that exits uncleanly while the group stops, and exits 1', async () => {
    const { group, workerPids } = await startGroup();
    const [victim] = workerPids();
    // Stopped, it cannot act on the primary's SIGTERM; killed once the drain has begun, it never exits cleanly.
    process.kill(victim as number, 'SIGSTOP');
    group.child.kill('SIGTERM');
    await waitFor(() => group.output().includes('"msg":"shutting down: draining every worker"'), 5000, 'the drain');
    process.kill(victim as number, 'SIGKILL');
    expect(await group.exited).toBe(1);
    const errors = group.output().split('\n').filter((l) => l.includes('"level":"error"'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('"msg":"a worker was ended by signal SIGKILL while shutting down"');
    expect(errors[0]).toContain(`"pid":${victim}`);
  });

  it('kills a worker that does not stop within the shutdown bound, and says so', async () => {
    const { group, workerPids } = await startGroup({ SHUTDOWN_TIMEOUT_MS: '0', ACCESS_LOG_SHUTDOWN_TIMEOUT_MS: '0', TELEMETRY_SHUTDOWN_TIMEOUT_MS: '0' });
    const [stuck] = workerPids();
    process.kill(stuck as number, 'SIGSTOP');
    group.child.kill('SIGTERM');
    expect(await group.exited).toBe(1);
    const errors = group.output().split('\n').filter((l) => l.includes('"level":"error"'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('"msg":"a worker did not stop within the shutdown bound; killing it"');
    expect(errors[0]).toContain(`"pid":${stuck}`);
    expect(errors[0]).toContain('"boundMs":5000');
  }, 20_000);

  it('drains every worker whose primary was SIGKILLed: the access log is complete', async () => {
    const { group, url, workerPids } = await startGroup({ ACCESS_LOG_FLUSH_INTERVAL_MS: '60000' });
    const created = (await (await fetch(`${url}/datasets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"orphaned"}' })).json()) as { identifier: string };
    await fireRequests(() => `${url}/datasets/${created.identifier}`, 200, 8);
    const pids = workerPids();
    group.child.kill('SIGKILL');
    await waitFor(() => workerPids().length === 0, 15_000, 'the workers to exit');
    const rows = await database.query<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM asset_access_log WHERE asset_id = ?', [created.identifier]);
    expect(Number(rows[0]?.n)).toBe(200);
    for (const pid of pids) expect(group.output()).toMatch(new RegExp(`"pid":${pid},"reason":"primary gone".*"msg":"shutting down"`));
  });
});
