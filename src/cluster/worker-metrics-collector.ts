import type { Resource } from '@opentelemetry/resources';
import type { Logger } from '../lifecycle/logger';
import { snapshotHttpMetrics } from '../telemetry/http-metrics';
import type { CollectedMetrics, LocalMetricsCollector, MetricsCollector } from '../telemetry';
import { groupHttpMetrics, sdkMetricsByWorker } from './group-metrics';
import { isPrimaryMessage, type GroupMetrics, type WorkerMessage, type WorkerSnapshot } from './messages';

/** The IPC end a worker talks through (`process` in a cluster worker). */
export interface PrimaryChannel {
  send(message: WorkerMessage): void;
  on(event: 'message', listener: (message: unknown) => void): void;
}

/**
 * A worker's `/metrics` source: the scrape asks the primary, which gathers every worker's snapshot (this one's
 * included) and answers with the group's metrics. The worker also answers the primary's snapshot requests from its
 * own registries. Should the primary not answer in time (it never waits longer than CLUSTER_SCRAPE_TIMEOUT_MS for
 * a worker), the scrape still answers, with this worker's metrics only, and the fallback is logged.
 */
export class WorkerMetricsCollector implements MetricsCollector {
  private nextId = 1;
  private readonly pending = new Map<number, (metrics: GroupMetrics) => void>();
  private warnedFallback = false;
  /** The SDK resource, kept from the last own snapshot: the group's exposition needs it, not a second collection. */
  private resource: Resource | undefined;

  constructor(
    private readonly local: LocalMetricsCollector,
    private readonly channel: PrimaryChannel,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {
    channel.on('message', (message) => {
      if (!isPrimaryMessage(message)) return;
      if (message.type === 'ac:snapshot-request') void this.answerSnapshot(message.id);
      else this.pending.get(message.id)?.(message.metrics);
    });
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
      timer = setTimeout(() => resolve(undefined), this.timeoutMs + 2000);
      try {
        this.channel.send({ type: 'ac:collect', id });
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
      extraText: group.text,
    };
  }

  private async answerSnapshot(id: number): Promise<void> {
    try {
      this.channel.send({ type: 'ac:snapshot', id, snapshot: await this.snapshot() });
    } catch (err) {
      this.logger.warn({ err }, 'could not send a metrics snapshot to the primary');
    }
  }
}
