import { describe, expect, it } from 'vitest';
import { apiVersionOf } from '../../src/http/api-version';

describe('apiVersionOf', () => {
  it('names the version prefix a path is under, after the deployment prefix', () => {
    expect(apiVersionOf('/v1/datasets/x', '')).toBe('/v1');
    expect(apiVersionOf('/v2/stats/top', '')).toBe('/v2');
    expect(apiVersionOf('/v2', '')).toBe('/v2');
    expect(apiVersionOf('/aiod/v1/datasets', '/aiod')).toBe('/v1');
    expect(apiVersionOf('/aiod/datasets', '/aiod')).toBe('');
  });

  it('sends everything else to the unversioned routes', () => {
    for (const path of ['/datasets/v1', '/v10/datasets', '/v1x/datasets', '/V1/datasets', '/health', '/', '', '/v3/datasets', '/aiodv1/datasets']) {
      expect(apiVersionOf(path, '/aiod'), path).toBe('');
    }
  });
});
