import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QueryCancelledError, QueryScope } from '../../src/db/query-scope';

describe('QueryScope', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
  afterEach(() => vi.useRealTimers());

  it('is cancelled with reason timeout when its deadline passes', () => {
    const scope = new QueryScope(1000);
    expect(scope.remainingMs()).toBe(1000);
    vi.advanceTimersByTime(999);
    expect(scope.cancelled).toBeUndefined();
    expect(scope.remainingMs()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(scope.signal.aborted).toBe(true);
    expect(scope.cancelled).toBeInstanceOf(QueryCancelledError);
    expect(scope.cancelled?.reason).toBe('timeout');
    expect(() => scope.throwIfCancelled()).toThrow(QueryCancelledError);
    expect(scope.remainingMs()).toBe(0);
  });

  it('is cancelled with reason client_gone when the client leaves first, and the deadline does not change that', () => {
    const client = new AbortController();
    const scope = new QueryScope(1000, client.signal);
    client.abort(new Error('gone'));
    expect(scope.cancelled?.reason).toBe('client_gone');
    vi.advanceTimersByTime(2000);
    expect(scope.cancelled?.reason).toBe('client_gone');
  });

  it('starts cancelled when the client already left', () => {
    const client = new AbortController();
    client.abort(new Error('gone'));
    expect(new QueryScope(1000, client.signal).cancelled?.reason).toBe('client_gone');
  });

  it('is not cancelled after dispose', () => {
    const client = new AbortController();
    const scope = new QueryScope(1000, client.signal);
    scope.dispose();
    vi.advanceTimersByTime(2000);
    client.abort(new Error('gone'));
    expect(scope.cancelled).toBeUndefined();
  });
});
