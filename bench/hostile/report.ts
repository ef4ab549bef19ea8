import type { AbandonResult } from './abandon-probe';
import type { HostileTally } from './hostile-mix';
import type { LegitResult } from './legit-mix';
import type { DatabaseResult, ReadyResult } from './samplers';

/** One run of the legitimate mix: alone, or with the hostile mix at `level` beside it. */
export interface PhaseResult {
  level?: number;
  legit: LegitResult;
  hostile?: HostileTally;
  rssMiB: number;
  ready: ReadyResult;
  db: DatabaseResult;
  /** How the service ended during the run (`SIGABRT`), or a shutdown that did not exit cleanly (`SIGABRT after SIGTERM`). */
  ended?: string;
  /** Raw access-log rows the run added (warm-up excluded): storage any client can make the service write. */
  rawRows: number;
}

export interface Targets {
  containerMiB: number;
  p99Factor: number;
}

const ms = (x: number) => (Number.isNaN(x) ? '—' : x < 10 ? x.toFixed(1) : x.toFixed(0));
const kinds = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');
const isStatus = (outcome: string) => /^\d{3}\b/.test(outcome);
const is5xx = (outcome: string) => /^5\d\d\b/.test(outcome);

/** Hostile answers summed over kinds: 5xx, and errors a client sees instead of an answer (not counting its own aborts). */
export function hostileSums(tally: HostileTally | undefined): { total: number; fiveXx: number; network: Record<string, number> } {
  let total = 0;
  let fiveXx = 0;
  const network: Record<string, number> = {};
  for (const counts of Object.values(tally ?? {})) {
    for (const [outcome, n] of Object.entries(counts)) {
      total += n;
      if (is5xx(outcome)) fiveXx += n;
      else if (!isStatus(outcome) && outcome !== 'aborted' && outcome !== 'cut at the end') network[outcome] = (network[outcome] ?? 0) + n;
    }
  }
  return { total, fiveXx, network };
}

const legit5xx = (p: PhaseResult) => Object.entries(p.legit.errorKinds).reduce((sum, [k, n]) => sum + (/^HTTP 5/.test(k) ? n : 0), 0);

export interface Verdicts {
  no5xxNoReadyFailure: boolean;
  p99: boolean;
  rss: boolean;
  abandoned: boolean;
}

export function verdicts(phases: readonly PhaseResult[], probe: AbandonResult, targets: Targets): Verdicts {
  const alone = phases[0] as PhaseResult;
  const hostile = phases.slice(1);
  return {
    no5xxNoReadyFailure: phases.every((p) => hostileSums(p.hostile).fiveXx === 0 && legit5xx(p) === 0 && p.ready.failures === 0 && p.ended === undefined),
    p99: hostile.every((p) => p.legit.p99Ms <= targets.p99Factor * alone.legit.p99Ms),
    rss: phases.every((p) => p.rssMiB < targets.containerMiB),
    abandoned: probe.aborted > 0 && probe.outlived === 0,
  };
}

const verdict = (ok: boolean) => (ok ? '**met**' : '**missed**');

/** The section's tables: legit alone vs with each hostile level, side by side; hostile answers; the abandoned-query probe. */
export function reportTables(phases: readonly PhaseResult[], probe: AbandonResult, targets: Targets): string {
  const alone = phases[0] as PhaseResult;
  const head = phases.map((p) => (p.level === undefined ? 'legit alone' : `with hostile, ${p.level} long windows in flight`));
  const row = (label: string, cell: (p: PhaseResult) => string, target = '') => `| ${label} | ${phases.map(cell).join(' | ')} | ${target} |`;
  const v = verdicts(phases, probe, targets);
  const summary = [
    `| | ${head.join(' | ')} | target |`,
    `|---|${phases.map(() => '---:').join('|')}|---|`,
    row('legit requests sent (open loop)', (p) => String(p.legit.sent)),
    row('legit p50 ms', (p) => ms(p.legit.p50Ms)),
    row(
      'legit p99 ms',
      (p) => (p === alone ? ms(p.legit.p99Ms) : `${ms(p.legit.p99Ms)} (${(p.legit.p99Ms / alone.legit.p99Ms).toFixed(1)}×)`),
      `≤ ${targets.p99Factor}× alone: ${verdict(v.p99)}`,
    ),
    row('legit errors', (p) => (p.legit.errors === 0 ? '0' : `${p.legit.errors} (${kinds(p.legit.errorKinds)})`)),
    row('hostile requests / 5xx', (p) => (p.hostile ? `${hostileSums(p.hostile).total} / ${hostileSums(p.hostile).fiveXx}` : '—'), 'no 5xx'),
    row('hostile clients that got no answer', (p) => (p.hostile ? kinds(hostileSums(p.hostile).network) || '0' : '—')),
    row(
      '`/ready` failed polls (longest run)',
      (p) => `${p.ready.failures} of ${p.ready.polls} (${p.ready.longestRun})${p.ready.failures ? `: ${kinds(p.ready.failureKinds)}` : ''}`,
      'none',
    ),
    row('service crashed (during the run, or on SIGTERM after it)', (p) => p.ended ?? 'no', 'no'),
    row('RSS peak MiB', (p) => p.rssMiB.toFixed(0), `< ${targets.containerMiB}: ${verdict(v.rss)}`),
    row('raw access-log rows written', (p) => p.rawRows.toLocaleString('en')),
    row('MariaDB Threads_running max / median (server-wide)', (p) => `${p.db.threadsMax} / ${p.db.threadsMedian}`),
    row('longest stats read s / reads over 1 s', (p) => `${(p.db.longestStatsMs / 1000).toFixed(1)} / ${p.db.statsStatements.filter((s) => s.lastSeenAt - s.startedAt > 1000).length}`),
  ];
  const legitKinds = Object.keys(alone.legit.byKind);
  const perKind = [
    `| legit request: p50 / p99 ms (errors) | ${head.join(' | ')} |`,
    `|---|${phases.map(() => '---:').join('|')}|`,
    ...legitKinds.map((k) => `| ${k} | ${phases.map((p) => { const s = p.legit.byKind[k]; return s ? `${ms(s.p50Ms)} / ${ms(s.p99Ms)}${s.errors ? ` (${s.errors})` : ''}` : '—'; }).join(' | ')} |`),
  ];
  const hostilePhases = phases.filter((p) => p.hostile);
  const hostileKinds = [...new Set(hostilePhases.flatMap((p) => Object.keys(p.hostile ?? {})))];
  const perHostile = [
    `| hostile request: answers | ${hostilePhases.map((p) => `${p.level} long windows in flight`).join(' | ')} |`,
    `|---|${hostilePhases.map(() => '---').join('|')}|`,
    ...hostileKinds.map((k) => `| ${k} | ${hostilePhases.map((p) => kinds(p.hostile?.[k] ?? {}) || '—').join(' | ')} |`),
  ];
  const ranOn = [...probe.ranOnMs].sort((a, b) => a - b);
  const probeLine =
    `Abandoned queries, probed alone: ${probe.requests} requests \`GET /stats/top?window=3650d\` one at a time, the client leaving after ` +
    `the abort delay; ${probe.aborted} left before an answer${Object.keys(probe.answered).length ? ` (answered first: ${kinds(probe.answered)})` : ''}. ` +
    `Their stats reads ran on after the client left for ${ranOn.length ? ranOn.map((x) => `${(x / 1000).toFixed(1)}`).join(', ') : '—'} s ` +
    `(to the last 100 ms processlist sample showing one); **${probe.outlived} of ${probe.aborted}** outlived their client by more than 1 s. ` +
    `Target: every one cancelled within 1 s: ${verdict(v.abandoned)}.`;
  return [
    summary.join('\n'),
    `No 5xx (legit or hostile), no failed \`/ready\` poll and no exit at any point: ${verdict(v.no5xxNoReadyFailure)}.`,
    perKind.join('\n'),
    perHostile.join('\n'),
    probeLine,
  ].join('\n\n');
}
