import { describe, expect, it } from 'vitest';
import { firstSegmentOfRoute, routeKeyOf } from '../../src/http/route-key';

describe('routeKeyOf', () => {
  it('names the version prefix a path is under, after the deployment prefix, and the first segment after it', () => {
    expect(routeKeyOf('/v1/datasets/x', '')).toEqual({ version: '/v1', segment: 'datasets' });
    expect(routeKeyOf('/v2/stats/top', '')).toEqual({ version: '/v2', segment: 'stats' });
    expect(routeKeyOf('/v2', '')).toEqual({ version: '/v2', segment: '' });
    expect(routeKeyOf('/v2/', '')).toEqual({ version: '/v2', segment: '' });
    expect(routeKeyOf('/aiod/v1/datasets', '/aiod')).toEqual({ version: '/v1', segment: 'datasets' });
    expect(routeKeyOf('/aiod/datasets/', '/aiod')).toEqual({ version: '', segment: 'datasets' });
    expect(routeKeyOf('/aiod/health', '/aiod')).toEqual({ version: '', segment: 'health' });
    expect(routeKeyOf('/datasets/v1', '')).toEqual({ version: '', segment: 'datasets' });
  });

  it('sends everything else to the unversioned routes', () => {
    for (const path of ['/v10/datasets', '/v1x/datasets', '/V1/datasets', '/v3/datasets']) {
      expect(routeKeyOf(path, ''), path).toEqual({ version: '', segment: path.split('/')[1] });
    }
  });

  it('gives paths outside the deployment prefix no segment (no route can match them)', () => {
    for (const path of ['/datasets', '/aiodv1/datasets', '/', '', '/AIOD/datasets']) {
      expect(routeKeyOf(path, '/aiod'), path).toEqual({ version: '', segment: '' });
    }
    expect(routeKeyOf('/aiod', '/aiod')).toEqual({ version: '', segment: '' });
  });
});

describe('firstSegmentOfRoute', () => {
  it('is the literal segment after the router prefix', () => {
    expect(firstSegmentOfRoute('/aiod/v1/datasets/:id', '/aiod/v1')).toBe('datasets');
    expect(firstSegmentOfRoute('/stats/top/:resourceType', '')).toBe('stats');
    expect(firstSegmentOfRoute('/health', '')).toBe('health');
  });

  it('refuses a route that starts with a parameter or a pattern: it could match any segment', () => {
    expect(() => firstSegmentOfRoute('/:type/x', '')).toThrow(/must be literal/);
    expect(() => firstSegmentOfRoute('/v1/*rest', '/v1')).toThrow(/must be literal/);
    expect(() => firstSegmentOfRoute('/{a}b', '')).toThrow(/must be literal/);
  });

  it('agrees with routeKeyOf: a path a route serves has the route’s segment as its key', () => {
    const routes = [['/aiod/v2/models/:id', '/aiod/v2'], ['/aiod/health', '/aiod'], ['/aiod/stats/top', '/aiod']] as const;
    const paths = ['/aiod/v2/models/mdl_1', '/aiod/health', '/aiod/stats/top/'];
    routes.forEach(([route, prefix], i) => expect(routeKeyOf(paths[i] as string, '/aiod').segment).toBe(firstSegmentOfRoute(route, prefix)));
  });
});
