import { describe, expect, it } from 'vitest';
import { PeriodicTask } from '../../src/lifecycle/periodic-task';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PeriodicTask', () => {
  it('never runs twice at once: a call during a run gets that run’s result', async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    const task = new PeriodicTask(async (now) => {
      calls++;
      await new Promise<void>((r) => (release = r));
      return now;
    }, 3_600_000);
    const first = task.runOnce(7);
    const second = task.runOnce(8);
    release();
    expect(await Promise.all([first, second])).toEqual([7, 7]);
    expect(calls).toBe(1);
    // Once it is over, the next call is a new run.
    const third = task.runOnce(9);
    release();
    expect(await third).toBe(9);
    expect(calls).toBe(2);
  });

  it('runs every interval once started, at once with runNow, and not after stop', async () => {
    let runs = 0;
    const task = new PeriodicTask(async () => ++runs, 20);
    task.start({ runNow: true });
    expect(runs).toBe(1);
    await tick(110);
    expect(runs).toBeGreaterThanOrEqual(3);
    await task.stop();
    const stoppedAt = runs;
    await tick(60);
    expect(runs).toBe(stoppedAt);
  });

  it('stop marks it stopped at once and waits for the run in progress', async () => {
    let finished = false;
    let sawStopped = false;
    const task = new PeriodicTask(async () => {
      await tick(30);
      sawStopped = task.stopped;
      finished = true;
      return 1;
    }, 3_600_000);
    void task.runOnce();
    await task.stop();
    expect(finished).toBe(true);
    expect(sawStopped).toBe(true);
  });
});
