import { describe, expect, it } from 'vitest';
import { assetKey, foldMissingAssets, mayNameMissingAsset } from '../../src/access-log/missing-asset-fold';
import type { AccessRow } from '../../src/access-log/access-row';

const MINUTE = 60_000;
const t0 = Date.UTC(2026, 0, 1, 12, 0);
const row = (assetId: string, status: number, at = t0, method = 'GET', resourceType = 'datasets'): AccessRow => ({ assetId, resourceType, method, status, accessedAt: at });

describe('foldMissingAssets', () => {
  it('folds error answers for assets that do not exist per (minute, type, method, status) and keeps every other row raw, in order', () => {
    const existing = new Set([assetKey('datasets', 'real')]);
    const rows = [
      row('real', 200),
      row('gone1', 404, t0 + 5_000),
      row('gone2', 404, t0 + 59_999),
      row('real', 404), // a sub-resource of an existing asset
      row('gone3', 404, t0 + MINUTE), // the next minute
      row('gone1', 405, t0, 'PATCH'),
      row('gone4', 200), // a success is never looked up (answered from an asset that existed then)
      row('real', 404, t0, 'GET', 'models'), // the same id under another type is another, missing, asset
      row('gone5', 200, t0, 'OPTIONS'), // answered by the router from the path alone
      row('real', 200, t0, 'OPTIONS'),
    ];
    const { raw, folded, foldedRows } = foldMissingAssets(rows, existing);
    expect(raw).toEqual([rows[0], rows[3], rows[6], rows[9]]);
    expect(foldedRows).toBe(6);
    expect(folded).toEqual([
      { minute: t0, resourceType: 'datasets', method: 'GET', status: 404, requests: 2 },
      { minute: t0, resourceType: 'datasets', method: 'OPTIONS', status: 200, requests: 1 },
      { minute: t0, resourceType: 'datasets', method: 'PATCH', status: 405, requests: 1 },
      { minute: t0, resourceType: 'models', method: 'GET', status: 404, requests: 1 },
      { minute: t0 + MINUTE, resourceType: 'datasets', method: 'GET', status: 404, requests: 1 },
    ]);
  });

  it('makes as many counts as distinct keys, whatever the number of made-up ids', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => row(`random_${i}`, 404, t0 + (i % 3) * MINUTE));
    const { raw, folded, foldedRows } = foldMissingAssets(rows, new Set());
    expect(raw).toEqual([]);
    expect(foldedRows).toBe(10_000);
    expect(folded.map((f) => [f.minute - t0, f.requests])).toEqual([[0, 3334], [MINUTE, 3333], [2 * MINUTE, 3333]]);
  });

  it('looks up error answers and methods not answered from the asset, never a successful GET, HEAD, PUT or DELETE', () => {
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) {
      expect([200, 201, 204, 304, 399].some((status) => mayNameMissingAsset({ method, status })), method).toBe(false);
      expect([400, 404, 405, 413, 499, 500, 503].every((status) => mayNameMissingAsset({ method, status })), method).toBe(true);
    }
    expect(mayNameMissingAsset({ method: 'OPTIONS', status: 200 })).toBe(true);
  });
});
