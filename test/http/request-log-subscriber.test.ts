import { describe, expect, it } from 'vitest';
import { requestLogSubscriber } from '../../src/http/request-log-subscriber';
import type { RequestOutcome } from '../../src/http/request-outcome';
import { createLogger } from '../../src/lifecycle/logger';

function capture(level = 'info') {
  const lines: string[] = [];
  return { lines, logger: createLogger(level, { write: (line: string) => void lines.push(line) }) };
}

const outcome = (route: string, method: string, status: number, durationSeconds: number) =>
  ({ route, method, status, durationSeconds, spanContext: undefined }) as unknown as RequestOutcome;

describe('requestLogSubscriber', () => {
  it('writes one line per request, fields in the documented order, whichever (route, method) came before', () => {
    const { lines, logger } = capture();
    const subscriber = requestLogSubscriber(logger);
    subscriber.completed(outcome('/datasets/:id', 'GET', 200, 0.0012345));
    subscriber.completed(outcome('/datasets/:id', 'PUT', 404, 0.002));
    subscriber.completed(outcome('/datasets/:id', 'GET', 503, 0.5));
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((l) => Object.keys(l))).toEqual(Array(3).fill(['level', 'time', 'service', 'method', 'route', 'status', 'duration_ms', 'msg']));
    expect(parsed.map(({ method, route, status, duration_ms }) => ({ method, route, status, duration_ms }))).toEqual([
      { method: 'GET', route: '/datasets/:id', status: 200, duration_ms: 1.235 },
      { method: 'PUT', route: '/datasets/:id', status: 404, duration_ms: 2 },
      { method: 'GET', route: '/datasets/:id', status: 503, duration_ms: 500 },
    ]);
  });

  it('adds the trace ids of a traced request', () => {
    const { lines, logger } = capture();
    requestLogSubscriber(logger).completed({
      ...outcome('/health', 'GET', 200, 0.001),
      spanContext: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 },
    } as unknown as RequestOutcome);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ route: '/health', trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', trace_flags: '01' });
  });

  it('keeps logging correctly past its cache of (route, method) pairs', () => {
    const { lines, logger } = capture();
    const subscriber = requestLogSubscriber(logger);
    for (let i = 0; i < 1500; i++) subscriber.completed(outcome(`/r${i}`, 'GET', 200, 0));
    subscriber.completed(outcome('/r1499', 'POST', 201, 0));
    expect(lines).toHaveLength(1501);
    expect(JSON.parse(lines[1499] as string)).toMatchObject({ route: '/r1499', method: 'GET' });
    expect(JSON.parse(lines[1500] as string)).toMatchObject({ route: '/r1499', method: 'POST', status: 201 });
  });

  it('writes nothing above info', () => {
    const { lines, logger } = capture('warn');
    requestLogSubscriber(logger).completed(outcome('/health', 'GET', 200, 0));
    expect(lines).toEqual([]);
  });
});
