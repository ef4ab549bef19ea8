import { describe, expect, it } from 'vitest';
import { uncleanExit } from '../../src/cluster/worker-exit';

describe('uncleanExit', () => {
  it('is undefined for code 0 without a signal, and names the code or the signal otherwise', () => {
    expect(uncleanExit(0, null)).toBeUndefined();
    expect(uncleanExit(1, null)).toBe('exited with code 1');
    expect(uncleanExit(null, 'SIGTERM')).toBe('was ended by signal SIGTERM');
    expect(uncleanExit(null, 'SIGKILL')).toBe('was ended by signal SIGKILL');
    expect(uncleanExit(null, null)).toBe('exited with code unknown');
  });
});
