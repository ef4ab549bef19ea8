import { createNoopMeter } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { AccessLogWriter, type BatchSink } from '../../src/access-log/access-log-writer';
import type { AccessRow } from '../../src/access-log/access-row';
import { createLogger } from '../../src/lifecycle/logger';

/** A sink that can be made to fail; records every batch it accepted. Pure queue logic: the DB is tested elsewhere. */
class FakeSink implements BatchSink {
  batches: AccessRow[][] = [];
  failing = false;
  delayMs = 1;
  async insertBatch(rows: readonly AccessRow[]): Promise<void> {
    await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failing) throw Object.assign(new Error('down'), { code: 'ECONNREFUSED' });
    this.batches.push([...rows]);
  }
  get rows(): number {
    return this.batches.reduce((n, b) => n + b.length, 0);
  }
}

const row = (i: number): AccessRow => ({ assetId: `a${i}`, resourceType: 'datasets', method: 'GET', status: 200, accessedAt: 1_000 + i });
const logger = createLogger('silent');
const options = { flushIntervalMs: 20, batchSize: 10, maxQueue: 100, shutdownTimeoutMs: 1000, maxBackoffMs: 20 };
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe('AccessLogWriter', () => {
  it('writes full batches without waiting for the interval, and the remainder on stop, in order', async () => {
    const sink = new FakeSink();
    const writer = new AccessLogWriter(sink, { ...options, flushIntervalMs: 60_000 }, createNoopMeter(), logger);
    writer.start();
    for (let i = 0; i < 25; i++) writer.enqueue(row(i));
    // Full batches go at once (the interval is a minute away); the partial one waits for a tick or the stop.
    await until(() => sink.rows === 20);
    await new Promise((r) => setTimeout(r, 30));
    expect(sink.batches.map((b) => b.length)).toEqual([10, 10]);
    await writer.stop();
    expect(sink.batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(sink.batches.flat().map((r) => r.assetId)).toEqual(Array.from({ length: 25 }, (_, i) => `a${i}`));
  });

  it('keeps its shutdown deadline while a slow write is under way, and counts everything left as dropped', async () => {
    // The regression: once a write was under way, stop() kept taking batches past its deadline (3 s for 500 ms).
    const sink = new FakeSink();
    sink.delayMs = 400;
    const starts: number[] = [];
    const insert = sink.insertBatch.bind(sink);
    sink.insertBatch = (rows) => {
      starts.push(Date.now());
      return insert(rows);
    };
    const writer = new AccessLogWriter(sink, { ...options, maxQueue: 1000, shutdownTimeoutMs: 500, writeConcurrency: 1 }, createNoopMeter(), logger);
    for (let i = 0; i < 100; i++) writer.enqueue(row(i));
    const stopAt = Date.now();
    await writer.stop();
    const tookMs = Date.now() - stopAt;
    expect(tookMs).toBeLessThan(700);
    expect(starts.every((t) => t < stopAt + 500)).toBe(true);
    // One batch (10 rows) finished before the deadline; the one in flight at the deadline and the rest are dropped.
    expect(writer.stats.written + writer.stats.dropped.shutdown).toBe(100);
    expect(writer.stats.dropped.shutdown).toBeGreaterThanOrEqual(80);
    expect(writer.queueDepth - (writer as unknown as { inFlightRows: number }).inFlightRows).toBe(0);
    // The write cut off at the deadline ends later without counting its rows a second time.
    await new Promise((r) => setTimeout(r, 500));
    expect(writer.stats.written + writer.stats.dropped.shutdown).toBeGreaterThanOrEqual(100);
    expect(writer.queueDepth).toBe(0);
  });

  it('retries a batch at once after a deadlock or lock-wait timeout, counting it once and by reason', async () => {
    const sink = new FakeSink();
    const conflicts = ['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'ER_LOCK_DEADLOCK'];
    const insert = sink.insertBatch.bind(sink);
    sink.insertBatch = async (rows) => {
      const code = conflicts.shift();
      // As Drizzle and mysql2 report it: the driver error as the cause. The transaction was rolled back whole.
      if (code) throw Object.assign(new Error('query failed'), { cause: Object.assign(new Error(code), { code }) });
      return insert(rows);
    };
    const writer = new AccessLogWriter(sink, { ...options, flushIntervalMs: 60_000 }, createNoopMeter(), logger);
    for (let i = 0; i < 10; i++) writer.enqueue(row(i));
    await until(() => sink.rows === 10);
    expect(sink.batches).toHaveLength(1);
    expect(writer.stats.lockRetries).toEqual({ deadlock: 2, lock_wait_timeout: 1 });
    expect(writer.stats.flushErrors).toBe(0);
    await writer.stop();
    expect(writer.stats.written).toBe(10);
  });

  it('counts the rows a committed batch folded once, not the attempts rolled back before it', async () => {
    const conflicts = ['ER_LOCK_DEADLOCK'];
    const sink: BatchSink = {
      async insertBatch(rows) {
        const code = conflicts.shift();
        if (code) throw Object.assign(new Error('query failed'), { cause: Object.assign(new Error(code), { code }) });
        return { folded: rows.filter((r) => r.status === 404).length };
      },
    };
    const writer = new AccessLogWriter(sink, { ...options, flushIntervalMs: 60_000 }, createNoopMeter(), logger);
    for (let i = 0; i < 10; i++) writer.enqueue({ ...row(i), status: i < 3 ? 404 : 200 });
    await writer.flush();
    expect(writer.stats).toMatchObject({ written: 10, folded: 3, lockRetries: { deadlock: 1 } });
    await writer.stop();
  });

  it('keeps batches full under a steady trickle of rows while writes are slow', async () => {
    // The regression: a writer that took whatever was queued after each write fell into tiny batches under load.
    const sink = new FakeSink();
    sink.delayMs = 5; // shorter than the time a batch takes to fill, so a greedy writer would write partial ones
    const writer = new AccessLogWriter(sink, { ...options, flushIntervalMs: 60_000, writeConcurrency: 2 }, createNoopMeter(), logger);
    writer.start();
    for (let i = 0; i < 200; i++) {
      writer.enqueue(row(i));
      await new Promise((r) => setTimeout(r, 1));
    }
    await until(() => sink.rows === 200);
    expect(sink.batches.every((b) => b.length === 10)).toBe(true);
    await writer.stop();
  });

  it('leaves no timer behind once stopped, however long the shutdown timeout', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const sink = new FakeSink();
    const writer = new AccessLogWriter(sink, { ...options, shutdownTimeoutMs: 600_000 }, createNoopMeter(), logger);
    writer.start();
    for (let i = 0; i < 25; i++) writer.enqueue(row(i));
    await writer.stop();
    expect(sink.rows).toBe(25);
    expect(timers()).toBe(before);
  });

  it('flushes a partial batch on the interval', async () => {
    const sink = new FakeSink();
    const writer = new AccessLogWriter(sink, options, createNoopMeter(), logger);
    writer.start();
    writer.enqueue(row(1));
    await until(() => sink.rows === 1);
    await writer.stop();
  });

  it('keeps rows through failures and writes them once the sink recovers', async () => {
    const sink = new FakeSink();
    sink.failing = true;
    const writer = new AccessLogWriter(sink, options, createNoopMeter(), logger);
    writer.start();
    for (let i = 0; i < 30; i++) writer.enqueue(row(i));
    await until(() => writer.stats.flushErrors >= 2);
    expect(writer.queueDepth).toBe(30);
    sink.failing = false;
    await until(() => sink.rows === 30);
    expect(writer.stats).toMatchObject({ written: 30, dropped: { queue_full: 0, shutdown: 0 } });
    await writer.stop();
  });

  it('drops new rows beyond the queue bound and counts them', async () => {
    const sink = new FakeSink();
    sink.failing = true;
    const writer = new AccessLogWriter(sink, options, createNoopMeter(), logger);
    for (let i = 0; i < 130; i++) writer.enqueue(row(i));
    expect(writer.queueDepth).toBe(100);
    expect(writer.stats.dropped.queue_full).toBe(30);
    sink.failing = false;
    await writer.stop();
    // The oldest 100 were kept, the newest 30 dropped.
    expect(sink.batches.flat().map((r) => r.assetId)).toEqual(Array.from({ length: 100 }, (_, i) => `a${i}`));
  });

  it('writes several batches at once with writeConcurrency, each row exactly once, failures re-queued', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let failNext = 1;
    const written: AccessRow[] = [];
    const sink: BatchSink = {
      async insertBatch(rows) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        if (failNext-- > 0) throw new Error('deadlock');
        written.push(...rows);
      },
    };
    const writer = new AccessLogWriter(sink, { ...options, writeConcurrency: 3, maxBackoffMs: 10 }, createNoopMeter(), logger);
    for (let i = 0; i < 95; i++) writer.enqueue(row(i));
    expect(writer.queueDepth).toBe(95);
    await writer.stop();
    expect(maxInFlight).toBe(3);
    expect(writer.stats.flushErrors).toBe(1);
    expect(written.map((r) => r.assetId).sort()).toEqual(Array.from({ length: 95 }, (_, i) => `a${i}`).sort());
    expect(writer.stats).toMatchObject({ written: 95, dropped: { queue_full: 0, shutdown: 0 } });
  });

  it('counts rows in flight against the queue bound', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const sink: BatchSink = { insertBatch: () => gate };
    const writer = new AccessLogWriter(sink, { ...options, maxQueue: 15 }, createNoopMeter(), logger);
    for (let i = 0; i < 10; i++) writer.enqueue(row(i)); // a full batch: written at once, held in flight
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 10; i < 20; i++) writer.enqueue(row(i));
    expect(writer.queueDepth).toBe(15);
    expect(writer.stats.dropped.queue_full).toBe(5);
    release();
    await writer.stop();
  });

  it('on stop, drops and counts what it could not write before the timeout', async () => {
    const sink = new FakeSink();
    sink.failing = true;
    const writer = new AccessLogWriter(sink, { ...options, shutdownTimeoutMs: 100 }, createNoopMeter(), logger);
    for (let i = 0; i < 5; i++) writer.enqueue(row(i));
    const started = Date.now();
    await writer.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(writer.stats.dropped.shutdown).toBe(5);
    writer.enqueue(row(99));
    expect(writer.stats.dropped.shutdown).toBe(6);
  });
});
