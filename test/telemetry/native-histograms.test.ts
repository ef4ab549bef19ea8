import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeDelimited } from '../../src/telemetry/protobuf/client-model';
import { PROTOBUF_CONTENT_TYPE } from '../../src/telemetry/exposition-format';
import { fireRequests, rawGet } from '../support/metrics-text';
import { PrometheusServer, singleJobConfig } from '../support/prometheus';
import { ROOT, spawnService, type SpawnedService } from '../support/spawn-service';
import { TestDatabase } from '../support/test-database';
import { waitFor } from '../support/test-service';

/**
 * Native histograms end to end: the built service (one process, and a group of two workers) scraped by the real
 * Prometheus 2.42 with `--enable-feature=native-histograms` (protobuf), and by one without it (classic buckets).
 */
const SCHEMA = 3;
/** The service's classic buckets on the schema's own boundaries (2^(k/8), 0.2 ms … 4 s): the two estimates meet. */
const BOUNDARIES = Array.from({ length: 97 }, (_, i) => 2 ** ((i - 96 + 16) / 2 ** SCHEMA));
const PROTOBUF_ACCEPT = 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

const database = new TestDatabase();
const servers: PrometheusServer[] = [];
const services: SpawnedService[] = [];

async function prometheusFor(url: string, native: boolean): Promise<PrometheusServer> {
  const prometheus = new PrometheusServer();
  servers.push(prometheus);
  await prometheus.start(
    singleJobConfig(new URL(url).host),
    undefined,
    native ? ['--enable-feature=native-histograms'] : [],
  );
  return prometheus;
}

async function scalar(prometheus: PrometheusServer, expr: string): Promise<number> {
  const result = await prometheus.query(expr);
  if (result.status !== 'success') throw new Error(`${expr}: ${result.error}`);
  return Number(result.data?.result[0]?.value?.[1] ?? Number.NaN);
}

async function start(env: Record<string, string>): Promise<string> {
  const service = spawnService({ DATABASE_URL: database.url(), ...env });
  services.push(service);
  const url = await service.listening;
  await waitFor(async () => (await fetch(`${url}/ready`)).status === 200, 15_000, 'ready');
  return url;
}

/** Requests of varied cost: cheap health checks, and catalogue reads. */
const traffic = (url: string, total: number) => fireRequests((i) => (i % 3 === 0 ? `${url}/datasets?limit=5` : `${url}/health`), total, 8);

afterAll(async () => {
  for (const p of servers) await p.stop();
  for (const s of services) {
    s.child.kill('SIGTERM');
    await s.exited;
  }
  await database.drop();
});

describe('native histograms over the protobuf exposition', () => {
  it('answers protobuf (gzip) to Prometheus\' native-histogram Accept, with native buckets only where they are on', async () => {
    const url = await start({});
    const off = await start({ METRICS_NATIVE_HISTOGRAMS: 'false' });
    for (const base of [url, off]) await traffic(base, 30);
    const read = async (base: string) => {
      const response = await rawGet(`${base}/metrics`, { accept: PROTOBUF_ACCEPT, 'accept-encoding': 'gzip' });
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe(PROTOBUF_CONTENT_TYPE);
      expect(response.headers['content-encoding']).toBe('gzip');
      return decodeDelimited(zlib.gunzipSync(response.body));
    };
    const duration = (families: Awaited<ReturnType<typeof read>>) => families.find((f) => f.name === 'http_request_duration_seconds')!.metric.map((m) => m.histogram!);
    const on = duration(await read(url));
    expect(on.length).toBeGreaterThan(0);
    for (const h of on) {
      expect(h.schema).toBe(SCHEMA);
      expect(h.positive_span!.length).toBeGreaterThan(0);
      const native = (h.positive_delta ?? []).reduce((acc, d) => ({ c: acc.c + d, total: acc.total + acc.c + d }), { c: 0, total: 0 }).total + (h.zero_count ?? 0);
      expect(native).toBe(h.sample_count);
    }
    for (const h of duration(await read(off))) expect(h.schema).toBeUndefined();
    // Everything else is in the protobuf answer too: the SDK's series.
    expect((await read(url)).map((f) => f.name)).toEqual(expect.arrayContaining(['process_cpu_seconds_total', 'access_log_rows_written_total', 'http_requests_total']));
  });

  it('Prometheus 2.42: histogram_count(rate()) agrees with rate(http_requests_total), and p99 is within the schema\'s error of the classic estimate', async () => {
    const url = await start({ METRICS_DURATION_BUCKETS: BOUNDARIES.join(',') });
    const native = await prometheusFor(url, true);
    const classic = await prometheusFor(url, false);
    const load = setInterval(() => void traffic(url, 12), 50);
    try {
      await waitFor(async () => (await scalar(native, 'sum(rate(http_requests_total[1m]))')) > 0, 20_000, 'a rate in the native Prometheus');
      await new Promise((r) => setTimeout(r, 2500));
      const counted = await scalar(native, 'sum(histogram_count(rate(http_request_duration_seconds[1m])))');
      const requests = await scalar(native, 'sum(rate(http_requests_total[1m]))');
      // Both are updated in the same call for each request and read in the same scrape, so the stored totals are equal;
      // the rates differ a little because Prometheus 2.42 never extrapolates a histogram's rate towards the window's
      // start (it compares the float value, 0 for a histogram sample, with zero): up to half a scrape interval in 60 s.
      expect(counted).toBeGreaterThan(0);
      expect(Math.abs(counted / requests - 1)).toBeLessThan(0.02);
      expect(await scalar(native, 'sum(histogram_count(http_request_duration_seconds))')).toBe(await scalar(native, 'sum(http_requests_total)'));
    } finally {
      clearInterval(load);
    }
    // Traffic stopped: once both servers have scraped the final totals, they hold the same observations.
    await new Promise((r) => setTimeout(r, 500));
    const text = await (await fetch(`${url}/metrics`)).text();
    const final = [...text.matchAll(/^http_request_duration_seconds_count\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    await waitFor(
      async () =>
        (await scalar(native, 'sum(histogram_count(http_request_duration_seconds))')) === final &&
        (await scalar(classic, 'sum(http_request_duration_seconds_count)')) === final,
      10_000,
      'both servers to hold the final totals',
    );
    // The guide's native-histogram examples (its ```promql-native block) run against the native Prometheus.
    const doc = fs.readFileSync(path.join(ROOT, 'docs/observability.md'), 'utf8');
    const examples = (/```promql-native\n([\s\S]*?)```/.exec(doc)?.[1] ?? '').split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const expr of examples) {
      const result = await native.query(expr.replace(/\[\d+m\]/g, '[10m]'));
      expect(result.status, expr).toBe('success');
      expect(result.data?.result.length, expr).toBeGreaterThan(0);
    }
    const nativeP99 = await scalar(native, 'histogram_quantile(0.99, sum(http_request_duration_seconds))');
    const classicP99 = await scalar(classic, 'histogram_quantile(0.99, sum by (le) (http_request_duration_seconds_bucket))');
    expect(nativeP99).toBeGreaterThan(0);
    // One bucket's width at schema 3 is a factor 2^(1/8) (9 %): the estimates may differ by at most that.
    expect(Math.abs(Math.log2(nativeP99 / classicP99))).toBeLessThanOrEqual(1 / 2 ** SCHEMA);
  }, 60_000);

  it('a group of workers sums the native histograms exactly: Prometheus counts what the counters count', async () => {
    const url = await start({ WEB_CONCURRENCY: '2' });
    const native = await prometheusFor(url, true);
    await traffic(url, 300);
    await waitFor(
      async () => (await scalar(native, 'sum(histogram_count(http_request_duration_seconds))')) >= 300,
      20_000,
      'the group\'s native counts',
    );
    await new Promise((r) => setTimeout(r, 1500));
    const counted = await scalar(native, 'sum(histogram_count(http_request_duration_seconds))');
    const requests = await scalar(native, 'sum(http_requests_total)');
    expect(counted).toBe(requests);
    const workers = await scalar(native, 'cluster_workers');
    expect(workers).toBe(2);
  }, 60_000);
});
