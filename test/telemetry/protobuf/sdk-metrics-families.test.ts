import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { decodeDelimited, encodeDelimited } from '../../../src/telemetry/protobuf/client-model';
import { sdkMetricFamilies } from '../../../src/telemetry/protobuf/sdk-metrics-families';
import { protobufSamples, textSamples } from '../../support/protobuf-samples';

/** A pull reader, as the Prometheus exporter is one. */
class PullReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

async function collected() {
  const reader = new PullReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'asset-catalogue', 'service.instance.id': 'i-1', 'host.cpus': 2 }),
    readers: [reader],
  });
  const meter = provider.getMeter('asset-catalogue.access-log', '1.2.3');
  meter.createCounter('access_log_rows_written', { description: 'Rows written.' }).add(5, { table: 'raw' });
  meter.createCounter('already_total').add(2);
  meter.createUpDownCounter('queue.depth', { description: 'Queued rows.' }).add(-3);
  meter.createGauge('9lives', { description: 'Starts with a digit.' }).record(1.5, { 'worker.id': 4, ok: true });
  const h = meter.createHistogram('flush_duration_seconds', { description: 'Flush time.', advice: { explicitBucketBoundaries: [0.01, 0.1, 1] } });
  for (const v of [0.005, 0.05, 0.5, 5]) h.record(v, { path: 'a "b"\nc' });
  // Two instruments whose Prometheus names meet with different types: the serializer leaves the name out.
  provider.getMeter('other').createCounter('clash').add(1);
  provider.getMeter('third').createGauge('clash_total').record(1);
  const other = provider.getMeter('runtime', '0.37.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' });
  other.createObservableGauge('nodejs.eventloop.utilization', { unit: '1' }).addCallback((r) => r.observe(0.25));
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics;
}

describe('sdkMetricFamilies', () => {
  it.each([false, true])('stands for the series OpenTelemetry\'s serializer writes (scope info %s)', async (scopeInfo) => {
    const metrics = await collected();
    const text = new PrometheusSerializer(undefined, false, undefined, !scopeInfo, !scopeInfo).serialize(metrics);
    const families = decodeDelimited(encodeDelimited(sdkMetricFamilies(metrics, scopeInfo)));
    expect(protobufSamples(families)).toEqual(textSamples(text));
    expect(families.map((f) => f.name)).not.toContain('clash_total');
    expect(text).not.toContain('clash');
  });

  it('declares each family\'s type and help as the text does', async () => {
    const families = sdkMetricFamilies(await collected(), false);
    const byName = new Map(families.map((f) => [f.name, f]));
    expect(byName.get('access_log_rows_written_total')).toMatchObject({ type: 0, help: 'Rows written.' });
    expect(byName.get('queue_depth')).toMatchObject({ type: 1 });
    expect(byName.get('_9lives')).toMatchObject({ type: 1 });
    expect(byName.get('flush_duration_seconds')).toMatchObject({ type: 4 });
    expect(byName.get('nodejs_eventloop_utilization')).toMatchObject({ help: 'description missing' });
  });
});
