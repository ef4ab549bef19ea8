import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AdmissionGate, AdmissionRejectedError } from '../../src/http/admission-gate';

/** Settles pending promise callbacks (the gate resolves and rejects through promises). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('AdmissionGate', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
  afterEach(() => vi.useRealTimers());

  it('admits up to maxConcurrent at once, then queues first come first served', async () => {
    const gate = new AdmissionGate({ maxConcurrent: 2, maxQueued: 5, queueTimeoutMs: 1000 });
    const first = await gate.enter();
    const second = await gate.enter();
    const order: string[] = [];
    const third = gate.enter().then((leave) => (order.push('third'), leave));
    const fourth = gate.enter().then((leave) => (order.push('fourth'), leave));
    await settle();
    expect([gate.active, gate.waiting, order]).toEqual([2, 2, []]);
    first();
    first(); // a second call gives nothing back twice
    await settle();
    expect([gate.active, gate.waiting, order]).toEqual([2, 1, ['third']]);
    second();
    await settle();
    expect(order).toEqual(['third', 'fourth']);
    (await third)();
    (await fourth)();
    expect([gate.active, gate.waiting]).toEqual([0, 0]);
  });

  it('refuses at once when the queue is full (queue_full)', async () => {
    const gate = new AdmissionGate({ maxConcurrent: 1, maxQueued: 1, queueTimeoutMs: 1000 });
    await gate.enter();
    const queued = gate.enter();
    await expect(gate.enter()).rejects.toMatchObject({ reason: 'queue_full' });
    expect(gate.waiting).toBe(1);
    queued.catch(() => undefined);
  });

  it('gives up on a waiter after queueTimeoutMs (queue_timeout) and frees its place', async () => {
    const gate = new AdmissionGate({ maxConcurrent: 1, maxQueued: 1, queueTimeoutMs: 500 });
    const leave = await gate.enter();
    const waiting = gate.enter();
    vi.advanceTimersByTime(499);
    await settle();
    expect(gate.waiting).toBe(1);
    vi.advanceTimersByTime(1);
    await expect(waiting).rejects.toBeInstanceOf(AdmissionRejectedError);
    await expect(waiting).rejects.toMatchObject({ reason: 'queue_timeout' });
    expect(gate.waiting).toBe(0);
    leave();
    expect(gate.active).toBe(0);
  });

  it('lets a waiter whose client left go, with the signal reason, and its place is taken by the next', async () => {
    const gate = new AdmissionGate({ maxConcurrent: 1, maxQueued: 1, queueTimeoutMs: 1000 });
    const leave = await gate.enter();
    const client = new AbortController();
    const leaving = gate.enter(client.signal);
    const gone = new Error('client went away');
    client.abort(gone);
    await expect(leaving).rejects.toBe(gone);
    expect(gate.waiting).toBe(0);
    const next = gate.enter();
    expect(gate.waiting).toBe(1);
    leave();
    await next;
    expect(gate.active).toBe(1);
  });

  it('does not queue a request whose client already left', async () => {
    const gate = new AdmissionGate({ maxConcurrent: 1, maxQueued: 1, queueTimeoutMs: 1000 });
    const client = new AbortController();
    client.abort(new Error('gone'));
    await expect(gate.enter(client.signal)).rejects.toThrow('gone');
    expect([gate.active, gate.waiting]).toEqual([0, 0]);
  });
});
