import { describe, expect, it } from 'vitest';
import { DataPointType, type ScopeMetrics } from '@opentelemetry/sdk-metrics';
import { sdkMetricsByWorker } from '../../src/cluster/group-metrics';

const cpu = (value: number): ScopeMetrics => ({
  scope: { name: 'asset-catalogue-process' },
  metrics: [
    {
      descriptor: { name: 'process_cpu_seconds_total', description: 'cpu', unit: '', valueType: 1, type: 'OBSERVABLE_COUNTER' as never },
      aggregationTemporality: 1,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints: [{ attributes: {}, startTime: [0, 0], endTime: [1, 0], value }],
    } as never,
  ],
});

describe('sdkMetricsByWorker', () => {
  it('keeps each worker\'s points under one family, labelled with the worker, none summed', () => {
    const merged = sdkMetricsByWorker([
      { worker: 1, snapshot: { http: undefined, sdk: [cpu(1.5)] } },
      { worker: 3, snapshot: { http: undefined, sdk: [cpu(2.5)] } },
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]?.metrics).toHaveLength(1);
    const points = merged[0]?.metrics[0]?.dataPoints as Array<{ attributes: Record<string, string>; value: number }>;
    expect(points.map((p) => [p.attributes.worker, p.value])).toEqual([['1', 1.5], ['3', 2.5]]);
  });
});
