import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config';
import type { Logger } from '../lifecycle/logger';
import { HttpMetrics, addHttpMetricsSnapshot, snapshotHttpMetrics, type HttpMetricsSnapshot } from '../telemetry/http-metrics';
import { isWorkerMessage, WORKER_SLOT_ENV, type GroupMetrics, type PrimaryMessage, type WorkerSnapshot } from './messages';

interface LiveWorker {
  worker: Worker;
  slot: number;
  startedAt: number;
  /** The newest snapshot it sent: what the group keeps if it dies or is late. */
  latest: WorkerSnapshot | undefined;
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

/**
 * The primary of a group of worker processes (WEB_CONCURRENCY > 1). It serves no request itself: it forks the
 * workers (they share the listening port), restarts one that dies (logged and counted, with a growing delay while
 * it keeps dying), answers a worker's metrics request with the whole group's metrics, and on SIGTERM drains every
 * worker before it exits.
 *
 * Counters never go down: a dead worker's newest snapshot is added to `retired`, whose totals stay in every later
 * scrape, so Prometheus never reads a false counter reset. A worker that does not answer a scrape within
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
  private shuttingDown = false;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly entry: string,
  ) {
    this.retired = new HttpMetrics({
      durationBuckets: config.metrics.durationBuckets,
      groupStatusCodes: config.metrics.groupStatusCodes,
      excludedHandlers: [],
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

  /** Sends SIGTERM to every worker and resolves once all have exited (each drains and flushes on its own). */
  async shutdown(reason: string): Promise<boolean> {
    if (this.shuttingDown) return true;
    this.shuttingDown = true;
    this.logger.info({ reason, workers: this.live.size }, 'shutting down: draining every worker');
    const workers = [...this.live.values()].map((l) => l.worker);
    const exits = workers.map((w) => new Promise<boolean>((resolve) => {
      if (w.isDead()) return resolve(true);
      w.once('exit', (code) => resolve(code === 0));
    }));
    for (const w of workers) w.process.kill('SIGTERM');
    const c = this.config;
    // Each worker's own sequence is bounded by these; beyond them plus a margin, it is stuck.
    const boundMs = c.http.shutdownTimeoutMs + c.accessLog.shutdownTimeoutMs + c.telemetry.shutdownTimeoutMs + 5000;
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      Promise.all(exits).then((clean) => clean.every(Boolean)),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), boundMs);
      }),
    ]);
    clearTimeout(timer);
    if (!inTime) {
      for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
      this.logger.error({ boundMs }, 'a worker did not shut down cleanly in time');
    }
    this.logger.info({ clean: inTime }, 'all workers stopped');
    return inTime;
  }

  private fork(slot: number): void {
    const worker = cluster.fork({ [WORKER_SLOT_ENV]: String(slot) });
    this.live.set(worker.id, { worker, slot, startedAt: Date.now(), latest: undefined });
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    const gone = this.live.get(worker.id);
    if (!gone) return;
    this.live.delete(worker.id);
    // Its newest totals stay in the group's sums for good: the counters Prometheus sees never go down.
    if (gone.latest?.http) {
      addHttpMetricsSnapshot(this.retired, gone.latest.http, false);
      this.retiredSnapshot = snapshotHttpMetrics(this.retired);
    }
    for (const [id, scrape] of this.pending) if (this.answeredByAll(scrape)) this.answer(id);
    if (this.shuttingDown) return;
    this.restarts++;
    const lived = Date.now() - gone.startedAt;
    const previous = this.restartDelay.get(gone.slot) ?? 0;
    const delay = lived > HEALTHY_AFTER_MS ? MIN_RESTART_DELAY_MS : Math.min(MAX_RESTART_DELAY_MS, Math.max(MIN_RESTART_DELAY_MS, previous * 2));
    this.restartDelay.set(gone.slot, delay);
    this.logger.error({ slot: gone.slot, pid: worker.process.pid, code, signal, restartInMs: delay, restarts: this.restarts }, 'worker died; restarting it');
    setTimeout(() => {
      if (!this.shuttingDown) this.fork(gone.slot);
    }, delay).unref();
  }

  private onMessage(worker: Worker, message: unknown): void {
    if (!isWorkerMessage(message)) return;
    if (message.type === 'ac:collect') {
      this.startScrape(worker, message.id);
      return;
    }
    const live = this.live.get(worker.id);
    if (live) live.latest = message.snapshot;
    const scrape = this.pending.get(message.id);
    if (scrape && live) {
      scrape.answers.set(worker.id, message.snapshot);
      if (this.answeredByAll(scrape)) this.answer(message.id);
    }
  }

  private startScrape(requester: Worker, requestId: number): void {
    const id = this.nextScrapeId++;
    const timer = setTimeout(() => this.answer(id), this.config.cluster.scrapeTimeoutMs);
    // Our own id pairs the workers' snapshots with this scrape; the requester's goes back with the answer.
    this.pending.set(id, { requester, requestId, answers: new Map(), timer });
    for (const { worker } of this.live.values()) this.send(worker, { type: 'ac:snapshot-request', id });
  }

  private answeredByAll(scrape: PendingScrape): boolean {
    for (const id of this.live.keys()) if (!scrape.answers.has(id)) return false;
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
      const fresh = scrape.answers.get(workerId);
      if (fresh) live.push({ worker: workerId, snapshot: fresh });
      else {
        missed++;
        if (worker.latest?.http) kept.push(worker.latest.http);
      }
    }
    if (missed > 0) this.logger.warn({ missed, timeoutMs: this.config.cluster.scrapeTimeoutMs }, 'workers did not answer a scrape in time; their last totals were used');
    this.send(scrape.requester, { type: 'ac:group-metrics', id: scrape.requestId, metrics: { live, kept, text: this.groupText(missed) } });
  }

  private groupText(missed: number): string {
    return [
      '# HELP cluster_workers Worker processes alive in this group.',
      '# TYPE cluster_workers gauge',
      `cluster_workers ${this.live.size}`,
      '# HELP cluster_worker_restarts_total Workers that died and were restarted.',
      '# TYPE cluster_worker_restarts_total counter',
      `cluster_worker_restarts_total ${this.restarts}`,
      '# HELP cluster_scrape_workers_missed Workers that did not answer this scrape in time (their last totals were used).',
      '# TYPE cluster_scrape_workers_missed gauge',
      `cluster_scrape_workers_missed ${missed}`,
      '',
    ].join('\n');
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
