import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { jsonBodyOf, send, sendWholeBodyFirst, type Outcome } from './requests';

export interface HostileOptions {
  host: string;
  port: number;
  /** Requests for all-type long windows in flight at once: the level the run is named by. */
  level: number;
  /** A client that waits gives up after this long. */
  timeoutMs: number;
  /** Abandoned requests are aborted after this long. */
  abandonAfterMs: number;
  /** Size of the oversized bodies, written whole before the answer is read. */
  oversizedBytes: number;
}

/**
 * One kind of hostile request: `workers` clients, each sending one request at a time and pausing `pauseMs` between
 * them. Expensive kinds run without a pause (as many in flight as workers); cheap ones are paced, as a flood of cheap
 * requests measures only how many requests a core can parse, not whether each has a bounded cost.
 */
export interface HostileKind {
  name: string;
  workers: number;
  pauseMs: number;
  run(): Promise<Outcome>;
}

const JUNK = ['/wp-login.php', '/.env', '/%zz', '/datasets/..%2f..%2fetc%2fpasswd', '/stats/top/nope', '/index.php?x=', '/datasets/%00', '/assets/'];

function randomAlnum(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
}

export function hostileKinds(o: HostileOptions): HostileKind[] {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const get = (path: string, extra: { abortAfterMs?: number } = {}) => send(o.host, o.port, { method: 'GET', path }, { timeoutMs: o.timeoutMs, agent, ...extra });
  const post = (encoding: string) =>
    send(
      o.host,
      o.port,
      { method: 'POST', path: '/datasets', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body: JSON.stringify({ name: 'plain, not compressed' }) },
      { timeoutMs: o.timeoutMs, agent },
    );
  const oversized = jsonBodyOf(o.oversizedBytes);
  return [
    { name: '`/stats/top?window=3650d` (all types)', workers: o.level, pauseMs: 0, run: () => get('/stats/top?window=3650d') },
    { name: '`/stats/top?since=0001-01-01T00:00:00Z`', workers: 1, pauseMs: 0, run: () => get('/stats/top?since=0001-01-01T00:00:00Z') },
    { name: '`/stats/top?window=3650d&limit=1000`', workers: 1, pauseMs: 0, run: () => get('/stats/top?window=3650d&limit=1000') },
    {
      name: `abandoned \`/stats/top?window=3650d\` (client leaves after ${o.abandonAfterMs} ms)`,
      workers: 2,
      pauseMs: 0,
      run: () => get('/stats/top?window=3650d', { abortAfterMs: o.abandonAfterMs }),
    },
    { name: '`POST` `Content-Encoding: gzip`, body not compressed', workers: 1, pauseMs: 100, run: () => post('gzip') },
    { name: '`POST` `Content-Encoding: foo`', workers: 1, pauseMs: 100, run: () => post('foo') },
    ...(['close', 'keep-alive'] as const).map((connection) => ({
      name: `\`POST\` ${(o.oversizedBytes / 2 ** 20).toFixed(0)} MB body written whole before reading, \`Connection: ${connection}\``,
      workers: 1,
      pauseMs: 400,
      run: () => sendWholeBodyFirst(o.host, o.port, '/datasets', oversized, o.timeoutMs, connection),
    })),
    { name: '`GET /datasets/<random id>`', workers: 2, pauseMs: 20, run: () => get(`/datasets/data_${randomAlnum(24)}`) },
    { name: 'random junk paths', workers: 1, pauseMs: 20, run: () => get(`${JUNK[Math.floor(Math.random() * JUNK.length)]}${randomAlnum(8)}`) },
  ];
}

/** Outcome counts per kind: `{ kind: { '400': 12, EPIPE: 3 } }`. */
export type HostileTally = Record<string, Record<string, number>>;

/**
 * Runs every kind's workers until `seconds` have passed, then lets requests in flight finish for up to `graceMs`;
 * the ones still open then are counted as `cut at the end`.
 */
export async function runHostile(kinds: readonly HostileKind[], seconds: number, graceMs: number): Promise<HostileTally> {
  const tally: HostileTally = Object.fromEntries(kinds.map((k) => [k.name, {}]));
  const count = (kind: string, outcome: string) => {
    const own = tally[kind] as Record<string, number>;
    own[outcome] = (own[outcome] ?? 0) + 1;
  };
  const stopAt = performance.now() + seconds * 1000;
  const pending = new Set<string>();
  let nextId = 0;
  const worker = async (kind: HostileKind) => {
    while (performance.now() < stopAt) {
      const id = `${kind.name}#${nextId++}`;
      pending.add(id);
      const { outcome } = await kind.run();
      pending.delete(id);
      count(kind.name, outcome);
      if (kind.pauseMs > 0) await new Promise((r) => setTimeout(r, kind.pauseMs));
    }
  };
  const all = Promise.all(kinds.flatMap((k) => Array.from({ length: k.workers }, () => worker(k))));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cut = await Promise.race([all.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs))]);
  if (cut) for (const id of pending) count(id.slice(0, id.lastIndexOf('#')), 'cut at the end');
  return tally;
}
