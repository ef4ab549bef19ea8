import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config';
import type { Logger } from '../lifecycle/logger';
import { HttpMetrics, addHttpMetricsSnapshot, snapshotHttpMetrics, type HttpMetricsSnapshot } from '../telemetry/http-metrics';
import type { PlainFamily } from '../telemetry/plain-family';
import { isWorkerMessage, WORKER_SLOT_ENV, type GroupMetrics, type PrimaryMessage, type WorkerSnapshot } from './messages';
import { uncleanExit } from './worker-exit';

interface LiveWorker {
  worker: Worker;
  slot: number;
  startedAt: number;
  /** The newest HTTP totals it sent (pushed, or in a scrape's answer): what the group keeps if it dies or is late. */
  latestHttp: HttpMetricsSnapshot | undefined;
  /**
   * Its process has exited, but its channel may still hold its last messages (Node can report the exit first):
   * its totals are kept as a late worker's until the channel closes, then retired.
   */
  exited: boolean;
}

interface PendingScrape {
  requester: Worker;
  /** The requester's own id, sent back with the answer. */
  requestId: number;
  answers: Map<number, WorkerSnapshot>; // by worker id
  timer: NodeJS.Timeout;
}

const MIN_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;
/** A worker that lived this long is healthy again: its slot's restart delay starts over. */
const HEALTHY_AFTER_MS = 30_000;
/** How long an exited worker's channel may stay open before its totals are retired without waiting further. */
const CHANNEL_CLOSE_WAIT_MS = 1000;

/**
 * The primary of a group of worker processes (WEB_CONCURRENCY > 1). It serves no request itself: it forks the
 * workers (they share the listening port), restarts one that dies (logged and counted, with a growing delay while
 * it keeps dying), answers a worker's metrics request with the whole group's metrics, and on SIGTERM drains every
 * worker before it exits.
 *
 * Counters never go down: a dead worker's newest totals are added to `retired`, whose totals stay in every later
 * scrape, so Prometheus never reads a false counter reset. Workers send their totals on an interval
 * (CLUSTER_METRICS_PUSH_INTERVAL_MS) and as they exit, so a killed worker loses at most about one interval of
 * counts. A worker that does not answer a scrape within
 * CLUSTER_SCRAPE_TIMEOUT_MS (busy, stopped, dying) is counted in `cluster_scrape_workers_missed` and its newest
 * snapshot's totals stand in for it: the scrape never hangs and never fails.
 */
export class ClusterPrimary {
  private readonly live = new Map<number, LiveWorker>(); // by worker id
  private readonly restartDelay = new Map<number, number>(); // by slot
  private readonly pending = new Map<number, PendingScrape>();
  private readonly retired: HttpMetrics;
  /** `retired` as sent with every scrape; it changes only when a worker exits, so it is taken then, not per scrape. */
  private retiredSnapshot: HttpMetricsSnapshot;
  private nextScrapeId = 1;
  private restarts = 0;
  /** The drain under way, once `shutdown` was called: no worker is restarted from then on. */
  private stopping: Promise<boolean> | undefined;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly entry: string,
  ) {
    this.retired = new HttpMetrics({
      durationBuckets: config.metrics.durationBuckets,
      nativeHistogram: config.metrics.nativeHistogram,
      groupStatusCodes: config.metrics.groupStatusCodes,
      excludedHandlers: [],
      semconv: config.metrics.httpSemconv,
    });
    this.retiredSnapshot = snapshotHttpMetrics(this.retired);
  }

  start(): void {
    cluster.setupPrimary({ exec: this.entry });
    cluster.on('message', (worker, message) => this.onMessage(worker, message));
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal));
    for (let slot = 1; slot <= this.config.cluster.workers; slot++) this.fork(slot);
    this.logger.info({ workers: this.config.cluster.workers, pid: process.pid }, 'primary started');
  }

  /**
   * Sends SIGTERM to every worker and resolves once all have exited (each drains and flushes on its own): true when
   * every one exited with code 0. Runs once: a later call (another signal) gets the same promise.
   */
  shutdown(reason: string): Promise<boolean> {
    this.stopping ??= this.drain(reason);
    return this.stopping;
  }

  private async drain(reason: string): Promise<boolean> {
    const workers = [...this.live.values()].filter((l) => !l.exited && !l.worker.isDead());
    this.logger.info({ reason, workers: workers.length }, 'shutting down: draining every worker');
    const exits = workers.map(
      (l) => new Promise<{ l: LiveWorker; code: number | null; signal: string | null }>((resolve) => l.worker.once('exit', (code, signal) => resolve({ l, code, signal }))),
    );
    // A worker may have had the signal already (a terminal's Ctrl-C, `kill -- -<pgid>`): it shuts down once anyway.
    for (const { worker } of workers) worker.process.kill('SIGTERM');
    const c = this.config;
    // Each worker's own sequence is bounded by these; beyond them plus a margin, it is stuck.
    const boundMs = c.http.shutdownTimeoutMs + c.accessLog.shutdownTimeoutMs + c.telemetry.shutdownTimeoutMs + 5000;
    const killed = new Set<LiveWorker>();
    const timer = setTimeout(() => {
      for (const l of workers) {
        if (l.worker.isDead()) continue;
        killed.add(l);
        this.logger.error({ slot: l.slot, pid: l.worker.process.pid, boundMs }, 'a worker did not stop within the shutdown bound; killing it');
        l.worker.process.kill('SIGKILL');
      }
    }, boundMs);
    const results = await Promise.all(exits);
    clearTimeout(timer);
    let clean = killed.size === 0;
    for (const { l, code, signal } of results) {
      const unclean = killed.has(l) ? undefined : uncleanExit(code, signal);
      if (unclean === undefined) continue;
      clean = false;
      this.logger.error({ slot: l.slot, pid: l.worker.process.pid, code, signal }, `a worker ${unclean} while shutting down`);
    }
    this.logger.info({ clean }, 'all workers stopped');
    return clean;
  }

  private fork(slot: number): void {
    const worker = cluster.fork({ [WORKER_SLOT_ENV]: String(slot) });
    this.live.set(worker.id, { worker, slot, startedAt: Date.now(), latestHttp: undefined, exited: false });
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    const gone = this.live.get(worker.id);
    if (!gone || gone.exited) return;
    gone.exited = true;
    if (worker.isConnected()) {
      const retire = () => this.retire(gone);
      worker.once('disconnect', retire);
      setTimeout(retire, CHANNEL_CLOSE_WAIT_MS).unref();
    } else this.retire(gone);
    for (const [id, scrape] of this.pending) if (this.answeredByAll(scrape)) this.answer(id);
    if (this.stopping) return;
    this.restarts++;
    const lived = Date.now() - gone.startedAt;
    const previous = this.restartDelay.get(gone.slot) ?? 0;
    const delay = lived > HEALTHY_AFTER_MS ? MIN_RESTART_DELAY_MS : Math.min(MAX_RESTART_DELAY_MS, Math.max(MIN_RESTART_DELAY_MS, previous * 2));
    this.restartDelay.set(gone.slot, delay);
    this.logger.error({ slot: gone.slot, pid: worker.process.pid, code, signal, restartInMs: delay, restarts: this.restarts }, 'worker died; restarting it');
    // Not unref'd: when every worker died at once, this timer is all that keeps the primary alive to restart them.
    setTimeout(() => {
      if (!this.stopping) this.fork(gone.slot);
    }, delay);
  }

  /** Its newest totals stay in the group's sums for good: the counters Prometheus sees never go down. */
  private retire(gone: LiveWorker): void {
    if (this.live.get(gone.worker.id) !== gone) return;
    this.live.delete(gone.worker.id);
    if (gone.latestHttp) {
      addHttpMetricsSnapshot(this.retired, gone.latestHttp, false);
      this.retiredSnapshot = snapshotHttpMetrics(this.retired);
    }
  }

  private onMessage(worker: Worker, message: unknown): void {
    if (!isWorkerMessage(message)) return;
    if (message.type === 'ac:collect') {
      this.startScrape(worker, message.id);
      return;
    }
    const live = this.live.get(worker.id);
    // Messages of one worker arrive in the order it sent them, each with its totals at that moment: the last is the newest.
    if (message.type === 'ac:totals') {
      if (live) live.latestHttp = message.http;
      return;
    }
    if (live) live.latestHttp = message.snapshot.http ?? live.latestHttp;
    const scrape = this.pending.get(message.id);
    if (scrape && live && !live.exited) {
      scrape.answers.set(worker.id, message.snapshot);
      if (this.answeredByAll(scrape)) this.answer(message.id);
    }
  }

  private startScrape(requester: Worker, requestId: number): void {
    const id = this.nextScrapeId++;
    const timer = setTimeout(() => this.answer(id), this.config.cluster.scrapeTimeoutMs);
    // Our own id pairs the workers' snapshots with this scrape; the requester's goes back with the answer.
    this.pending.set(id, { requester, requestId, answers: new Map(), timer });
    for (const { worker, exited } of this.live.values()) if (!exited) this.send(worker, { type: 'ac:snapshot-request', id });
  }

  private answeredByAll(scrape: PendingScrape): boolean {
    for (const [id, { exited }] of this.live) if (!exited && !scrape.answers.has(id)) return false;
    return true;
  }

  private answer(id: number): void {
    const scrape = this.pending.get(id);
    if (!scrape) return;
    this.pending.delete(id);
    clearTimeout(scrape.timer);
    const live: GroupMetrics['live'] = [];
    const kept: HttpMetricsSnapshot[] = [this.retiredSnapshot];
    let missed = 0;
    for (const [workerId, worker] of this.live) {
      const fresh = worker.exited ? undefined : scrape.answers.get(workerId);
      if (fresh) live.push({ worker: workerId, snapshot: fresh });
      else {
        if (!worker.exited) missed++;
        if (worker.latestHttp) kept.push(worker.latestHttp);
      }
    }
    if (missed > 0) this.logger.warn({ missed, timeoutMs: this.config.cluster.scrapeTimeoutMs }, 'workers did not answer a scrape in time; their last totals were used');
    this.send(scrape.requester, { type: 'ac:group-metrics', id: scrape.requestId, metrics: { live, kept, series: this.groupSeries(live.length + missed, missed) } });
  }

  private groupSeries(workers: number, missed: number): PlainFamily[] {
    return [
      { name: 'cluster_workers', help: 'Worker processes alive in this group.', type: 'gauge', value: workers },
      { name: 'cluster_worker_restarts_total', help: 'Workers that died and were restarted.', type: 'counter', value: this.restarts },
      { name: 'cluster_scrape_workers_missed', help: 'Workers that did not answer this scrape in time (their last totals were used).', type: 'gauge', value: missed },
    ];
  }

  private send(worker: Worker, message: PrimaryMessage): void {
    if (worker.isDead() || !worker.isConnected()) return;
    try {
      worker.send(message);
    } catch (err) {
      this.logger.warn({ err, pid: worker.process.pid }, 'could not message a worker');
    }
  }
}
