import type { Resource } from '@opentelemetry/resources';
import type { Logger } from '../lifecycle/logger';
import { snapshotHttpMetrics } from '../telemetry/http-metrics';
import type { CollectedMetrics, LocalMetricsCollector, MetricsCollector } from '../telemetry';
import { groupHttpMetrics, sdkMetricsByWorker } from './group-metrics';
import { isPrimaryMessage, type GroupMetrics, type WorkerMessage, type WorkerSnapshot } from './messages';

/** The IPC end a worker talks through (`process` in a cluster worker). */
export interface PrimaryChannel {
  /** `callback` runs once the message is handed to the OS, or with the error that stopped it. */
  send(message: WorkerMessage, callback?: (error: Error | null) => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): void;
}

export interface WorkerMetricsOptions {
  /** CLUSTER_SCRAPE_TIMEOUT_MS: the primary's wait for each worker during a scrape. */
  scrapeTimeoutMs: number;
  /** CLUSTER_METRICS_PUSH_INTERVAL_MS: how often this worker's HTTP totals go to the primary when they changed. */
  pushIntervalMs: number;
}

/**
 * A worker's `/metrics` source: the scrape asks the primary, which gathers every worker's snapshot (this one's
 * included) and answers with the group's metrics. The worker also answers the primary's snapshot requests from its
 * own registries. Should the primary not answer in time (it never waits longer than CLUSTER_SCRAPE_TIMEOUT_MS for
 * a worker), the scrape still answers, with this worker's metrics only, and the fallback is logged.
 *
 * It also sends its HTTP totals to the primary unasked, every CLUSTER_METRICS_PUSH_INTERVAL_MS when they changed and
 * once more as the worker exits (`pushTotals`): the primary keeps a dead worker's newest totals in the group's sums,
 * so a worker that is killed loses at most one interval of counts, not everything since the last scrape.
 */
export class WorkerMetricsCollector implements MetricsCollector {
  private nextId = 1;
  private readonly pending = new Map<number, (metrics: GroupMetrics) => void>();
  private warnedFallback = false;
  /** The SDK resource, kept from the last own snapshot: the group's exposition needs it, not a second collection. */
  private resource: Resource | undefined;
  /**
   * The recording count (`HttpMetrics.recordings`) of the totals the primary last got from this worker. Every
   * recorded request adds to it, in whichever families OTEL_SEMCONV_STABILITY_OPT_IN selects (errors too come with a
   * request), so an unchanged count means unchanged totals: an idle worker sends nothing.
   */
  private sentCount = 0;
  private warnedPush = false;
  private readonly pushTimer: NodeJS.Timeout;

  constructor(
    private readonly local: LocalMetricsCollector,
    private readonly channel: PrimaryChannel,
    private readonly options: WorkerMetricsOptions,
    private readonly logger: Logger,
  ) {
    channel.on('message', (message) => {
      if (!isPrimaryMessage(message)) return;
      if (message.type === 'ac:snapshot-request') void this.answerSnapshot(message.id);
      else this.pending.get(message.id)?.(message.metrics);
    });
    this.pushTimer = setInterval(() => void this.pushTotals(), options.pushIntervalMs);
    this.pushTimer.unref();
  }

  /**
   * Sends this worker's HTTP totals to the primary if they changed since it last had them. Resolves once the
   * message is handed to the OS (or could not be): awaited before the worker exits, so its last requests count.
   */
  pushTotals(): Promise<void> {
    const count = this.local.httpMetrics.recordings;
    if (count === this.sentCount) return Promise.resolve();
    const http = snapshotHttpMetrics(this.local.httpMetrics);
    this.sentCount = count;
    return new Promise((resolve) => {
      const failed = (err: unknown) => {
        this.sentCount = -1; // not delivered: the next push sends whatever the totals are then
        // A closed channel is the primary gone (this worker is draining): expected, so no warning with a stack.
        const gone = (err as { code?: unknown } | null)?.code === 'ERR_IPC_CHANNEL_CLOSED';
        if (!this.warnedPush) {
          if (gone) this.logger.info('the primary is gone: the HTTP totals are no longer pushed');
          else this.logger.warn({ err }, 'could not send the HTTP totals to the primary');
        }
        this.warnedPush = true;
        resolve();
      };
      try {
        this.channel.send({ type: 'ac:totals', http }, (err) => (err ? failed(err) : resolve()));
      } catch (err) {
        failed(err);
      }
    });
  }

  /** Sends the last totals and stops the interval: for the worker's shutdown, once its server has drained. */
  async stopPushing(): Promise<void> {
    clearInterval(this.pushTimer);
    await this.pushTotals();
  }

  /** This worker's own metrics, as plain data for the primary. */
  async snapshot(): Promise<WorkerSnapshot> {
    const sdk = await this.local.collectSdk();
    this.resource = sdk?.resource ?? this.resource;
    return { http: snapshotHttpMetrics(this.local.httpMetrics), sdk: sdk?.scopeMetrics ?? [] };
  }

  async collect(): Promise<CollectedMetrics> {
    const id = this.nextId++;
    let timer: NodeJS.Timeout | undefined;
    const group = await new Promise<GroupMetrics | undefined>((resolve) => {
      this.pending.set(id, resolve);
      // The primary waits at most timeoutMs for workers; beyond that plus a margin it is not answering.
      timer = setTimeout(() => resolve(undefined), this.options.scrapeTimeoutMs + 2000);
      try {
        // With a callback, a closed channel (the primary gone, this worker draining) is an answer, not an 'error' event.
        this.channel.send({ type: 'ac:collect', id }, (err) => err && resolve(undefined));
      } catch {
        resolve(undefined);
      }
    });
    clearTimeout(timer);
    this.pending.delete(id);
    if (group === undefined) {
      if (!this.warnedFallback) this.logger.warn('the primary did not answer a metrics request; this scrape shows this worker only');
      this.warnedFallback = true;
      return this.local.collect();
    }
    const resource = this.resource ?? (await this.local.collectSdk())?.resource;
    return {
      http: groupHttpMetrics(this.local.httpMetrics.options, group),
      sdk: resource && { resource, scopeMetrics: sdkMetricsByWorker(group.live) },
      extra: group.series,
    };
  }

  private async answerSnapshot(id: number): Promise<void> {
    try {
      const snapshot = await this.snapshot();
      this.channel.send({ type: 'ac:snapshot', id, snapshot }, (err) => {
        if (!err) return;
        this.sentCount = -1;
        this.logger.warn({ err }, 'could not send a metrics snapshot to the primary');
      });
      // The primary keeps these totals as this worker's newest: no push is needed until they change again.
      this.sentCount = snapshot.http?.recordings ?? this.sentCount;
    } catch (err) {
      this.logger.warn({ err }, 'could not send a metrics snapshot to the primary');
    }
  }
}
