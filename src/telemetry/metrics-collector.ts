import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Logger } from '../lifecycle/logger';
import type { HttpMetrics } from './http-metrics/http-metrics';
import type { PlainFamily } from './plain-family';

/** What one scrape of `/metrics` renders. */
export interface CollectedMetrics {
  /** The HTTP metrics: this process's own, or the sum over its process group. */
  http: HttpMetrics;
  /** The SDK's metrics (process, runtime, access log); per worker (`worker` label) over a process group. */
  sdk: ResourceMetrics | undefined;
  /** The process group's own series (workers, restarts); none for a single process. */
  extra: PlainFamily[];
}

/** Where `/metrics` gets what it renders. */
export interface MetricsCollector {
  collect(): Promise<CollectedMetrics>;
}

/** This process's metrics: the HTTP registry and the SDK's pull reader (absent when metrics are off). */
export class LocalMetricsCollector implements MetricsCollector {
  constructor(
    readonly httpMetrics: HttpMetrics,
    private readonly sdkReader: PrometheusExporter | undefined,
    private readonly logger: Logger,
  ) {}

  /** The SDK's metrics now; a failing collection costs the scrape only these, never the HTTP metrics. */
  async collectSdk(): Promise<ResourceMetrics | undefined> {
    if (!this.sdkReader) return undefined;
    try {
      const { resourceMetrics, errors } = await this.sdkReader.collect();
      if (errors.length > 0) this.logger.warn({ errors: errors.map(String) }, 'metric collection reported errors');
      return resourceMetrics;
    } catch (err) {
      this.logger.warn({ err }, 'collecting SDK metrics failed');
      return undefined;
    }
  }

  async collect(): Promise<CollectedMetrics> {
    return { http: this.httpMetrics, sdk: await this.collectSdk(), extra: [] };
  }
}
