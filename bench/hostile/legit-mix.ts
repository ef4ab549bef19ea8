import http from 'node:http';
import { percentile } from '../lib/timing';
import { send, type RequestSpec } from './requests';

/** One kind of legitimate request, its share of the mix and the status that counts as success. */
export interface LegitKind {
  name: string;
  weight: number;
  expect: number;
  next(): RequestSpec;
}

export interface LatencySummary {
  count: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

export interface LegitResult extends LatencySummary {
  sent: number;
  /** Errors by outcome: an unexpected status, a socket error's code or `timeout`. */
  errorKinds: Record<string, number>;
  byKind: Record<string, LatencySummary>;
}

/**
 * The legitimate mix against a catalogue of dataset ids: reads, pages, writes and per-type windowed tops. The tops are
 * a tenth of it: each costs tens of milliseconds on the seeded aggregates, and the mix alone must leave the service
 * headroom, or "with hostile traffic beside it" would compare two overloads.
 */
export function legitKinds(datasetIds: readonly string[]): LegitKind[] {
  let n = 0;
  const anyId = () => datasetIds[Math.floor(Math.random() * datasetIds.length)] as string;
  const json = { 'content-type': 'application/json' };
  const body = () => JSON.stringify({ name: `legit ${++n}`, description: 'written by bench:hostile', keywords: ['bench', 'legit'] });
  return [
    { name: '`GET /datasets/{id}`', weight: 52, expect: 200, next: () => ({ method: 'GET', path: `/datasets/${anyId()}` }) },
    { name: '`GET /datasets?limit=10`', weight: 20, expect: 200, next: () => ({ method: 'GET', path: '/datasets?limit=10' }) },
    { name: '`POST /datasets`', weight: 9, expect: 201, next: () => ({ method: 'POST', path: '/datasets', headers: json, body: body() }) },
    { name: '`PUT /datasets/{id}`', weight: 9, expect: 200, next: () => ({ method: 'PUT', path: `/datasets/${anyId()}`, headers: json, body: body() }) },
    { name: '`GET /stats/top/datasets?window=24h`', weight: 6, expect: 200, next: () => ({ method: 'GET', path: '/stats/top/datasets?window=24h' }) },
    { name: '`GET /stats/top/datasets?window=7d`', weight: 4, expect: 200, next: () => ({ method: 'GET', path: '/stats/top/datasets?window=7d' }) },
  ];
}

/** The kinds in a fixed interleaved order by weight (every run sends the same sequence). */
function schedule(kinds: readonly LegitKind[]): LegitKind[] {
  const total = kinds.reduce((sum, k) => sum + k.weight, 0);
  const credit = kinds.map(() => 0);
  const order: LegitKind[] = [];
  for (let i = 0; i < total; i++) {
    kinds.forEach((k, j) => (credit[j] = (credit[j] as number) + k.weight));
    const best = credit.indexOf(Math.max(...credit));
    credit[best] = (credit[best] as number) - total;
    order.push(kinds[best] as LegitKind);
  }
  return order;
}

function summarise(latencies: number[], errors: number): LatencySummary {
  return { count: latencies.length, errors, p50Ms: percentile(latencies, 0.5) ?? Number.NaN, p99Ms: percentile(latencies, 0.99) ?? Number.NaN };
}

/**
 * Open loop at a fixed rate: each request goes out at its scheduled time whether or not earlier ones have answered,
 * and its latency counts from that time, so a stalled server shows in the percentiles (no coordinated omission).
 * Failed requests count with the time they took to fail (a timeout as its full wait). Timers rather than a busy
 * loop: the load generator's core is also MariaDB's.
 */
export async function runLegit(host: string, port: number, kinds: readonly LegitKind[], ratePerSecond: number, seconds: number, timeoutMs: number): Promise<LegitResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const order = schedule(kinds);
  const total = Math.round(ratePerSecond * seconds);
  const interval = 1000 / ratePerSecond;
  const all: number[] = [];
  const perKind = new Map<string, { latencies: number[]; errors: number }>(kinds.map((k) => [k.name, { latencies: [], errors: 0 }]));
  const errorKinds: Record<string, number> = {};
  let errors = 0;
  const inFlight: Array<Promise<void>> = [];
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const scheduled = start + sent * interval;
        const kind = order[sent % order.length] as LegitKind;
        sent++;
        inFlight.push(
          send(host, port, kind.next(), { timeoutMs, agent }).then(({ outcome, endedAt }) => {
            const latency = endedAt - scheduled;
            const own = perKind.get(kind.name) as { latencies: number[]; errors: number };
            all.push(latency);
            own.latencies.push(latency);
            if (outcome !== String(kind.expect)) {
              errors++;
              own.errors++;
              const key = /^\d{3}\b/.test(outcome) ? `HTTP ${outcome}` : outcome;
              errorKinds[key] = (errorKinds[key] ?? 0) + 1;
            }
          }),
        );
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  await Promise.all(inFlight);
  agent.destroy();
  const byKind: Record<string, LatencySummary> = {};
  for (const [name, { latencies, errors: e }] of perKind) byKind[name] = summarise(latencies, e);
  return { sent, ...summarise(all, errors), errorKinds, byKind };
}
