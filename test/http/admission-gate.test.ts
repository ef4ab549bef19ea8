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

  it('lets heavy requests hold at most half the turns: light ones still run at once beside a flood of heavy ones', async () => {
    const gate = new AdmissionGate({ maxConcurrent: 4, maxQueued: 4, queueTimeoutMs: 1000 });
    const heavy1 = await gate.enter(undefined, true);
    const heavy2 = await gate.enter(undefined, true);
    const order: string[] = [];
    const heavy3 = gate.enter(undefined, true).then((leave) => (order.push('heavy3'), leave));
    const heavy4 = gate.enter(undefined, true).then((leave) => (order.push('heavy4'), leave));
    // Heavy ones take at most half the queue too: the rest is kept for light ones.
    await expect(gate.enter(undefined, true)).rejects.toMatchObject({ reason: 'queue_full' });
    await settle();
    expect([gate.active, gate.waiting]).toEqual([2, 2]);
    const light1 = await gate.enter(); // overtakes the heavy waiters: a light turn is free
    const light2 = await gate.enter();
    expect([gate.active, gate.waiting]).toEqual([4, 2]);
    const light3 = gate.enter().then((leave) => (order.push('light3'), leave));
    await settle();
    light1(); // a light turn back: the first waiter that may run is light3, not the heavy ones ahead of it
    await settle();
    expect(order).toEqual(['light3']);
    heavy1(); // a heavy turn back: the first heavy waiter
    await settle();
    expect(order).toEqual(['light3', 'heavy3']);
    for (const leave of [heavy2, light2, await light3, await heavy3]) leave();
    await settle();
    expect(order).toEqual(['light3', 'heavy3', 'heavy4']);
    (await heavy4)();
    expect([gate.active, gate.waiting]).toEqual([0, 0]);
  });

  it('with one turn, heavy requests may still run (maxHeavy is at least 1)', async () => {
    const gate = new AdmissionGate({ maxConcurrent: 1, maxQueued: 2, queueTimeoutMs: 1000 });
    const leave = await gate.enter(undefined, true);
    expect(gate.active).toBe(1);
    leave();
  });
});
