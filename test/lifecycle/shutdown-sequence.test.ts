import { describe, expect, it } from 'vitest';
import { ShutdownSequence } from '../../src/lifecycle/shutdown-sequence';
import { createLogger } from '../../src/lifecycle/logger';

describe('ShutdownSequence', () => {
  it('runs steps in order, bounds each, and carries on after a failure', async () => {
    const ran: string[] = [];
    const sequence = new ShutdownSequence(createLogger('silent'))
      .add('first', () => void ran.push('first'))
      .add('stuck', () => new Promise<void>(() => ran.push('stuck')), 50)
      .add('failing', () => {
        ran.push('failing');
        throw new Error('boom');
      })
      .add('last', async () => void ran.push('last'));
    await sequence.run();
    expect(ran).toEqual(['first', 'stuck', 'failing', 'last']);
  });

  it('runs only once however often it is asked', async () => {
    let runs = 0;
    const sequence = new ShutdownSequence(createLogger('silent')).add('count', () => void runs++);
    await Promise.all([sequence.run(), sequence.run()]);
    await sequence.run();
    expect(runs).toBe(1);
  });
});
