import type { ScopeMetrics } from '@opentelemetry/sdk-metrics';
import type { HttpMetricsSnapshot } from '../telemetry/http-metrics';
import type { PlainFamily } from '../telemetry/plain-family';

/** Environment variable that tells a forked worker its slot (1…WEB_CONCURRENCY); internal, set by the primary. */
export const WORKER_SLOT_ENV = 'ASSET_CATALOGUE_WORKER_SLOT';

/** One worker's metrics at one moment. */
export interface WorkerSnapshot {
  http: HttpMetricsSnapshot | undefined;
  /** The SDK's metrics (process, runtime, access log) of this worker, as its pull reader collected them. */
  sdk: ScopeMetrics[];
}

/** What the primary answers a worker that took a scrape. */
export interface GroupMetrics {
  /**
   * Every live worker that answered in time, by its cluster worker id: unique per process (a restarted worker gets
   * a new one), so a per-worker counter is never seen to go down — a new process is a new series.
   */
  live: Array<{ worker: number; snapshot: WorkerSnapshot }>;
  /** HTTP totals the group must keep: workers that are gone, and live ones that did not answer in time. */
  kept: HttpMetricsSnapshot[];
  /** The group's own series (workers alive, restarts, workers missed), which only the primary knows. */
  series: PlainFamily[];
}

/**
 * Messages between the primary and its workers; `id` pairs a request with its answer. `ac:totals` is a worker's HTTP
 * totals sent unasked (on an interval, when they changed, and as it exits): what the group keeps should it die.
 */
export type WorkerMessage =
  | { type: 'ac:collect'; id: number }
  | { type: 'ac:snapshot'; id: number; snapshot: WorkerSnapshot }
  | { type: 'ac:totals'; http: HttpMetricsSnapshot };
export type PrimaryMessage = { type: 'ac:snapshot-request'; id: number } | { type: 'ac:group-metrics'; id: number; metrics: GroupMetrics };

export function isWorkerMessage(message: unknown): message is WorkerMessage {
  const type = (message as { type?: unknown } | null)?.type;
  return type === 'ac:collect' || type === 'ac:snapshot' || type === 'ac:totals';
}

export function isPrimaryMessage(message: unknown): message is PrimaryMessage {
  const type = (message as { type?: unknown } | null)?.type;
  return type === 'ac:snapshot-request' || type === 'ac:group-metrics';
}
