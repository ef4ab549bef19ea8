import { execFileSync } from 'node:child_process';
import http from 'node:http';

/** Saturation throughput with wrk pinned to `core` (one thread, `connections` keep-alive connections). */
export function wrkThroughput(url: string, seconds: number, core: number | string = 1, connections = 32): number {
  let out: string;
  try {
    out = execFileSync('taskset', ['-c', String(core), 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, url], { encoding: 'utf8' });
  } catch (error) {
    if ((error as { status?: number }).status === 127) throw new Error('wrk is not installed: apt-get install wrk');
    throw error;
  }
  const match = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!match) throw new Error(`unexpected wrk output:\n${out}`);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (non2xx) throw new Error(`wrk saw ${non2xx[1]} non-2xx responses from ${url}`);
  return Number(match[1]);
}

export interface FixedRateResult {
  sent: number;
  errors: number;
  /** Errors by kind: an HTTP status, or the socket error's code (ECONNRESET …). */
  errorKinds: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Open-loop load at a fixed rate: requests go out on schedule whether or not earlier ones have answered, and
 * latency counts from the scheduled time, so a stalled server shows up in the percentiles (no coordinated omission).
 */
export async function fixedRate(url: string, ratePerSecond: number, seconds: number): Promise<FixedRateResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(ratePerSecond * seconds);
  const latencies: number[] = [];
  let errors = 0;
  const errorKinds: Record<string, number> = {};
  const fail = (kind: string) => {
    errors++;
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  };
  const start = performance.now();
  const interval = 1000 / ratePerSecond;
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const scheduled = start + sent * interval;
        sent++;
        const p = new Promise<void>((done) => {
          const req = http.get(url, { agent }, (res) => {
            res.resume();
            res.on('end', () => {
              if (res.statusCode !== 200) fail(`HTTP ${res.statusCode}`);
              latencies.push(performance.now() - scheduled);
              done();
            });
          });
          req.on('error', (error: NodeJS.ErrnoException) => {
            fail(error.code ?? error.message);
            done();
          });
        });
        inFlight.add(p);
        void p.then(() => inFlight.delete(p));
      }
      if (sent < total) setImmediate(tick);
      else resolve();
    };
    tick();
  });
  await Promise.all(inFlight);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { sent, errors, errorKinds, p50Ms: pct(0.5), p99Ms: pct(0.99) };
}
