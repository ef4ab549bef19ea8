import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAssetPath } from '../../src/access-log/asset-path';

const ID = 'mdl_p7v02a70CbBGKk29T8przBjf';

describe('parseAssetPath', () => {
  it.each([
    // The seed document's own examples.
    ['/datasets/abc', '', { resourceType: 'datasets', assetId: 'abc' }],
    ['/datasets/v1/1', '', { resourceType: 'datasets', assetId: '1' }],
    ['/v2/models/bert', '', { resourceType: 'models', assetId: 'bert' }],
    [`/aiod-api/v10/models/${ID}`, '/aiod-api', { resourceType: 'models', assetId: ID }],
    // Prefix already removed by a proxy.
    [`/v10/models/${ID}`, '/aiod-api', { resourceType: 'models', assetId: ID }],
    // Generic route: type from the id's abbreviation.
    ['/assets/data_p7v02a70CbBGKk29T8przBjf', '', { resourceType: 'datasets', assetId: 'data_p7v02a70CbBGKk29T8przBjf' }],
    ['/v1/assets/pub_x', '', { resourceType: 'publications', assetId: 'pub_x' }],
    // Sub-resources count as an access of the asset.
    ['/datasets/abc/content', '', { resourceType: 'datasets', assetId: 'abc' }],
    ['/datasets/abc/content/extra/deep', '', { resourceType: 'datasets', assetId: 'abc' }],
    // Trailing slashes and queries are ignored.
    ['/datasets/abc/', '', { resourceType: 'datasets', assetId: 'abc' }],
    ['/datasets/abc?x=1&y=/z', '', { resourceType: 'datasets', assetId: 'abc' }],
    ['/educational_resources/e.1:2-3', '', { resourceType: 'educational_resources', assetId: 'e.1:2-3' }],
    ['/datasets/' + 'a'.repeat(64), '', { resourceType: 'datasets', assetId: 'a'.repeat(64) }],
  ])('%s (prefix %j) → %j', (path, prefix, expected) => {
    expect(parseAssetPath(path, prefix)).toEqual(expected);
  });

  it.each([
    ['/metrics', ''],
    ['/docs', ''],
    ['/health', ''],
    ['/ready', ''],
    ['/stats/top/datasets', ''],
    ['/datasets', ''],
    ['/datasets/', ''],
    ['/datasets?limit=5', ''],
    ['/v2/datasets', ''],
    ['/', ''],
    ['', ''],
    ['/Datasets/abc', ''], // case-sensitive
    ['/widgets/abc', ''],
    ['/assets/zzz_abc', ''], // unknown abbreviation
    ['/assets/noprefix', ''],
    ['/datasets/-abc', ''], // must start with a letter or digit
    ['/datasets/a%20b', ''],
    ['/datasets/' + 'a'.repeat(65), ''],
    ['/aiod-api/metrics', '/aiod-api'],
    ['/constructor/abc', ''],
    ['/__proto__/abc', ''],
  ])('%s (prefix %j) → null', (path, prefix) => {
    expect(parseAssetPath(path, prefix)).toBeNull();
  });

  it('never throws on any input', () => {
    fc.assert(
      fc.property(fc.anything(), fc.string(), (path, prefix) => {
        const result = parseAssetPath(path, prefix);
        return result === null || (typeof result.assetId === 'string' && typeof result.resourceType === 'string');
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom('datasets', 'v1', 'assets', 'models', 'x', '', 'data_a', '..', '%', '?'), { maxLength: 8 }), (parts) => {
        const result = parseAssetPath(`/${parts.join('/')}`, '/v1');
        return result === null || /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/.test(result.assetId);
      }),
      { numRuns: 5000 },
    );
  });
});
