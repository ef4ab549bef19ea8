import { minuteStart } from '../db/time-grains';
import type { AccessRow } from './access-row';

/** Requests for assets that do not exist, of one minute, type, method and status: what replaces their raw rows. */
export interface FoldedRequests {
  /** Epoch milliseconds of the minute's start (UTC). */
  minute: number;
  resourceType: string;
  method: string;
  status: number;
  requests: number;
}

/** A batch split into the rows stored as they are and the counts that replace the rest. */
export interface FoldedBatch {
  raw: AccessRow[];
  /** Sorted by (minute, type, method, status): every writer locks these keys in the same order. */
  folded: FoldedRequests[];
  /** Rows counted in `folded`. */
  foldedRows: number;
}

/** Methods whose success (< 400) was answered from the catalogue's asset, so proves it existed. */
const ANSWERED_FROM_ASSET = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/**
 * Whether a row may stand for an asset that does not exist. A GET, HEAD, PUT or DELETE that succeeded was answered
 * from an asset that existed, so it is stored as it is without a look-up: the hot path (200s) pays nothing. Any other
 * row may name an id a client made up, so its asset is looked up: an error answer (404 for `/datasets/<random>`, and
 * as cheaply 405, 400 or 499), and an OPTIONS, which the router answers 200 from the path alone.
 */
export function mayNameMissingAsset(row: Pick<AccessRow, 'method' | 'status'>): boolean {
  return row.status >= 400 || !ANSWERED_FROM_ASSET.has(row.method);
}

/** One key for an asset as addressed: the same id under another type is another (missing) asset. */
export function assetKey(resourceType: string, assetId: string): string {
  return `${resourceType}\u0000${assetId}`;
}

/**
 * Folds the rows for assets that do not exist (`existing` holds the `assetKey` of those that do) into per-minute
 * counts; every other row stays raw, in its order. Pure: the look-up is the caller's.
 */
export function foldMissingAssets(rows: readonly AccessRow[], existing: ReadonlySet<string>): FoldedBatch {
  const raw: AccessRow[] = [];
  const counts = new Map<string, FoldedRequests>();
  let foldedRows = 0;
  for (const row of rows) {
    if (!mayNameMissingAsset(row) || existing.has(assetKey(row.resourceType, row.assetId))) {
      raw.push(row);
      continue;
    }
    foldedRows++;
    const minute = minuteStart(row.accessedAt);
    // The minute is a fixed-width epoch (13 digits until 2286), the status three digits: string order is that order.
    const key = `${minute}\u0000${row.resourceType}\u0000${row.method}\u0000${row.status}`;
    const entry = counts.get(key);
    if (entry) entry.requests++;
    else counts.set(key, { minute, resourceType: row.resourceType, method: row.method, status: row.status, requests: 1 });
  }
  const folded = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  return { raw, folded, foldedRows };
}
