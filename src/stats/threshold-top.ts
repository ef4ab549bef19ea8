/** One asset's hits: in one ranked list, or (from `totals`) over the whole window. */
export interface RankedEntry {
  resource_type: string;
  asset_id: string;
  hits: number;
}

/**
 * Lists of assets ranked by hits (one per period and type), whose sum per asset is the answer. The threshold
 * algorithm reads them in rank order and asks for exact window totals of the assets it meets.
 */
export interface RankedLists {
  readonly count: number;
  /** Entries [offset, offset + n) of each listed list in descending hits order (one array per requested list). */
  ranked(lists: readonly number[], offset: number, n: number): Promise<RankedEntry[][]>;
  /** Each asset's hits summed over every list (the window's exact value); assets with none may be left out. */
  totals(assets: ReadonlyArray<Pick<RankedEntry, 'resource_type' | 'asset_id'>>): Promise<RankedEntry[]>;
}

const keyOf = (e: Pick<RankedEntry, 'resource_type' | 'asset_id'>) => `${e.resource_type}\u0000${e.asset_id}`;
/** Byte order for ASCII strings, as the binary-collated id columns sort. */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The answer's order: hits descending, ties by asset id, then type. */
export function byRank(a: RankedEntry, b: RankedEntry): number {
  return b.hits - a.hits || compare(a.asset_id, b.asset_id) || compare(a.resource_type, b.resource_type);
}

/**
 * The exact top `limit` assets by their sum over all lists (Fagin's threshold algorithm): read every list in rank
 * order, `depth` entries at a time, and value each newly met asset exactly. An asset not met yet has at most the
 * last hits read in each list that is not exhausted (the threshold), so once the `limit`-th best exact value is
 * above it, nothing unseen can enter or tie (a tie could win on asset id). With popularity as skewed as real
 * traffic, the first round or two decide, whatever the lists' lengths; the depth doubles each round, so even
 * uniform traffic costs at most about twice a full read.
 */
export async function thresholdTop(lists: RankedLists, limit: number, firstDepth = Math.max(limit, 10)): Promise<RankedEntry[]> {
  const valued = new Map<string, RankedEntry>();
  let open = Array.from({ length: lists.count }, (_, i) => i);
  let offset = 0;
  let depth = firstDepth;
  while (open.length > 0) {
    const pages = await lists.ranked(open, offset, depth);
    const met = new Map<string, Pick<RankedEntry, 'resource_type' | 'asset_id'>>();
    let threshold = 0;
    const stillOpen: number[] = [];
    pages.forEach((page, i) => {
      for (const entry of page) if (!valued.has(keyOf(entry))) met.set(keyOf(entry), entry);
      if (page.length === depth) {
        threshold += (page[page.length - 1] as RankedEntry).hits;
        stillOpen.push(open[i] as number);
      }
    });
    if (met.size > 0) for (const entry of await lists.totals([...met.values()])) valued.set(keyOf(entry), entry);
    open = stillOpen;
    offset += depth;
    depth *= 2;
    const best = [...valued.values()].filter((e) => e.hits > 0).sort(byRank).slice(0, limit);
    if (open.length === 0 || (best.length === limit && (best[limit - 1] as RankedEntry).hits > threshold)) return best;
  }
  return [...valued.values()].filter((e) => e.hits > 0).sort(byRank).slice(0, limit);
}
