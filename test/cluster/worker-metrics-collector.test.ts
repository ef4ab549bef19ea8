import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkerMetricsCollector, type PrimaryChannel } from '../../src/cluster/worker-metrics-collector';
import type { WorkerMessage } from '../../src/cluster/messages';
import { createLogger } from '../../src/lifecycle/logger';
import { LocalMetricsCollector } from '../../src/telemetry/metrics-collector';
import { HttpMetrics } from '../../src/telemetry/http-metrics/http-metrics';
import { httpMetricsSubscriber } from '../../src/telemetry/http-metrics/http-metrics-subscriber';
import { outcome } from '../telemetry/http-metrics/fixtures/fixed-metrics';

/**
 * The push side of a worker's metrics, with an in-memory channel (the IPC round trip itself is tested with real
 * processes in worker-group.test.ts). The interval is an hour so that only the explicit calls push.
 */
const logger = createLogger('silent');
const collectors: WorkerMetricsCollector[] = [];
afterEach(async () => {
  for (const c of collectors.splice(0)) await c.stopPushing().catch(() => undefined);
});

function setUp() {
  const state = { fail: false };
  const http = new HttpMetrics({ durationBuckets: [0.1, 1], groupStatusCodes: false, excludedHandlers: [] });
  const sent: WorkerMessage[] = [];
  const channel: PrimaryChannel = {
    send: (message, callback) => {
      const fail = state.fail;
      if (!fail) sent.push(structuredClone(message));
      queueMicrotask(() => callback?.(fail ? new Error('channel closed') : null));
    },
    on: () => undefined,
  };
  const collector = new WorkerMetricsCollector(new LocalMetricsCollector(http, undefined, logger), channel, { scrapeTimeoutMs: 1000, pushIntervalMs: 3_600_000 }, logger);
  collectors.push(collector);
  const request = () => {
    const handler = http.handlerSeries('/health');
    if (handler === null) throw new Error('excluded');
    http.recordRequest(handler, http.methodSeries(handler, 'GET'), 200, 0.01, 0, 10);
  };
  return { sent, collector, request, state };
}

const requests = (message: WorkerMessage | undefined) =>
  message?.type === 'ac:totals' ? message.http.handlers[0]?.methods[0]?.requests : undefined;

describe('WorkerMetricsCollector.pushTotals', () => {
  it('sends the totals when requests were recorded since the last push, and nothing otherwise', async () => {
    const { sent, collector, request } = setUp();
    await collector.pushTotals();
    expect(sent).toHaveLength(0); // nothing served yet
    request();
    request();
    await collector.pushTotals();
    expect(sent).toHaveLength(1);
    expect(requests(sent[0])).toEqual([[200, 2]]);
    await collector.pushTotals();
    expect(sent).toHaveLength(1); // unchanged: not sent again
    request();
    await collector.stopPushing();
    expect(requests(sent[1])).toEqual([[200, 3]]);
  });

  it('sends again at the next push when one could not be delivered, even with no request since', async () => {
    const { sent, collector, request, state } = setUp();
    request();
    state.fail = true;
    await collector.pushTotals(); // resolves, does not throw
    expect(sent).toHaveLength(0);
    state.fail = false;
    await collector.pushTotals();
    expect(requests(sent[0])).toEqual([[200, 1]]);
  });
});

describe('WorkerMetricsCollector.collect', () => {
  it('answers with this worker\'s own metrics at once when the channel to the primary is closed', async () => {
    // Timers frozen: should collect() wait for its timeout (an answer that cannot come), this test never ends.
    vi.useFakeTimers();
    try {
      const { collector, request, state } = setUp();
      request();
      state.fail = true;
      const collected = await collector.collect();
      expect(collected.extra).toEqual([]);
      expect(collected.http.highrDuration.count).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('WorkerMetricsCollector.pushTotals with OTEL_SEMCONV_STABILITY_OPT_IN=http', () => {
  it('sends the totals after requests recorded only in the semantic-convention histogram', async () => {
    const http = new HttpMetrics({ durationBuckets: [1], groupStatusCodes: false, excludedHandlers: [], semconv: 'stable' });
    const sent: WorkerMessage[] = [];
    const channel: PrimaryChannel = { send: (message, callback) => (sent.push(structuredClone(message)), queueMicrotask(() => callback?.(null))), on: () => undefined };
    const collector = new WorkerMetricsCollector(new LocalMetricsCollector(http, undefined, logger), channel, { scrapeTimeoutMs: 1000, pushIntervalMs: 3_600_000 }, logger);
    collectors.push(collector);
    httpMetricsSubscriber(http).completed(outcome({ route: '/health' }));
    await collector.pushTotals();
    expect(sent).toHaveLength(1);
    const totals = sent[0]?.type === 'ac:totals' ? sent[0].http : undefined;
    expect(totals?.highr.count).toBe(0); // today's families are not recorded at all
    expect(totals?.serverDuration[0]?.cells[0]?.duration.count).toBe(1);
    await collector.pushTotals();
    expect(sent).toHaveLength(1);
  });
});
