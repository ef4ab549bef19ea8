import { send } from './requests';
import type { DatabaseSampler } from './samplers';

export interface AbandonResult {
  requests: number;
  /** Requests the client walked away from (the others were answered first: their status counts). */
  aborted: number;
  answered: Record<string, number>;
  /** Aborted requests whose stats reads were still running more than 1 s after the client left. */
  outlived: number;
  /** Per aborted request, how long its stats reads went on after the client left (to the last processlist sample that showed one). */
  ranOnMs: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Abandoned requests one at a time, with no other traffic, so every stats read the processlist shows belongs to the
 * request just abandoned: which of them outlived their client by more than 1 s. Before each request, waits until no
 * stats read has been seen for 500 ms (at most `settleMs`), and after the abort watches until the same quiet.
 */
export async function probeAbandoned(
  host: string,
  port: number,
  sampler: DatabaseSampler,
  options: { requests: number; abortAfterMs: number; timeoutMs: number; settleMs: number; path: string },
): Promise<AbandonResult> {
  const result: AbandonResult = { requests: 0, aborted: 0, answered: {}, outlived: 0, ranOnMs: [] };
  const quiet = async () => {
    const deadline = performance.now() + options.settleMs;
    while (performance.now() < deadline && sampler.statements.some((s) => s.lastSeenAt > performance.now() - 500)) await sleep(100);
  };
  for (let i = 0; i < options.requests; i++) {
    await quiet();
    const sentAt = performance.now();
    const { outcome, endedAt } = await send(host, port, { method: 'GET', path: options.path }, { timeoutMs: options.timeoutMs, abortAfterMs: options.abortAfterMs, agent: false });
    result.requests++;
    if (outcome !== 'aborted') {
      result.answered[outcome] = (result.answered[outcome] ?? 0) + 1;
      continue;
    }
    result.aborted++;
    await sleep(1500);
    await quiet();
    const lastSeen = sampler.statements.filter((s) => s.startedAt >= sentAt - 100).reduce((max, s) => Math.max(max, s.lastSeenAt), endedAt);
    const ranOn = lastSeen - endedAt;
    result.ranOnMs.push(ranOn);
    if (ranOn > 1000) result.outlived++;
  }
  return result;
}
