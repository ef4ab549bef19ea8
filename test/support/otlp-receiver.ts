import http from 'node:http';
import type { AddressInfo } from 'node:net';

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type KeyValue = { key: string; value: AnyValue };

export interface ReceivedSpan {
  name: string;
  scope: string;
  serviceName: string | undefined;
  attributes: Record<string, unknown>;
  traceId: string;
}

export interface ReceivedMetric {
  name: string;
  unit: string | undefined;
  scope: string;
  serviceName: string | undefined;
  /** `service.instance.id` of the process that pushed it. */
  instanceId: string | undefined;
  dataPoints: Array<{ attributes: Record<string, unknown> }>;
}

const attrs = (list: KeyValue[] | undefined): Record<string, unknown> =>
  Object.fromEntries((list ?? []).map((kv) => [kv.key, kv.value.stringValue ?? kv.value.intValue ?? kv.value.doubleValue ?? kv.value.boolValue]));

/** A minimal OTLP/HTTP (JSON) receiver: keeps every span and metric posted to /v1/traces and /v1/metrics. */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly metrics: ReceivedMetric[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
        if (req.url === '/v1/traces') this.addSpans(body);
        if (req.url === '/v1/metrics') this.addMetrics(body);
      } catch {
        /* a protobuf body would land here; the tests ask for JSON */
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private addSpans(body: any): void {
    for (const rs of body.resourceSpans ?? []) {
      const serviceName = attrs(rs.resource?.attributes)['service.name'] as string | undefined;
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) {
          this.spans.push({ name: span.name, scope: ss.scope?.name, serviceName, attributes: attrs(span.attributes), traceId: span.traceId });
        }
      }
    }
  }

  private addMetrics(body: any): void {
    for (const rm of body.resourceMetrics ?? []) {
      const resource = attrs(rm.resource?.attributes);
      const serviceName = resource['service.name'] as string | undefined;
      const instanceId = resource['service.instance.id'] as string | undefined;
      for (const sm of rm.scopeMetrics ?? []) {
        for (const metric of sm.metrics ?? []) {
          const data = metric.sum ?? metric.gauge ?? metric.histogram ?? {};
          this.metrics.push({
            name: metric.name,
            unit: metric.unit,
            scope: sm.scope?.name,
            serviceName,
            instanceId,
            dataPoints: (data.dataPoints ?? []).map((dp: any) => ({ attributes: attrs(dp.attributes) })),
          });
        }
      }
    }
  }
}
