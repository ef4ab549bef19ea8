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
 * Entries read from each list in the first round, whatever the `limit`: every limit reads the lists on the same
 * schedule, and a larger one only values more assets and stops no sooner, so it never costs less than a smaller one
 * (a first depth growing with the limit let a large limit read short lists to their end in one round, cheaper than a
 * small limit's rounds of valuing).
 */
const FIRST_DEPTH = 10;
/** Entries processed between two yields to the event loop while a round's pages are summed. */
const YIELD_EVERY_ENTRIES = 20_000;

interface Seen {
  entry: Pick<RankedEntry, 'resource_type' | 'asset_id'>;
  /** Hits summed over the lists this asset was read in so far: a lower bound of its value. */
  partial: number;
  /** The lists it was read in. */
  lists: number[];
}

/**
 * The exact top `limit` assets by their sum over all lists (Fagin's threshold algorithm, valuing only the assets
 * that can still matter). Every list is read in rank order, `depth` entries at a time (the depth doubles each round).
 * - An asset not read yet has at most the last hits read in each open list: the threshold `τ`.
 * - An asset read in some lists has at most its hits there plus the last hits of the other open lists: its bound.
 * Assets are valued exactly (`totals`), best bound first, until the `limit`-th best exact value is above every
 * other read asset's bound; the answer is final once it is also above `τ` (strictly: a tie could win on asset id).
 * With popularity as skewed as real traffic, a round or two decide, whatever the lists' lengths, and a few dozen
 * assets are valued. Without a head (popularity churning from period to period) the lists are read to their end,
 * which makes every partial sum exact: nothing is valued then, and each round's valuing looks up no more entries than
 * the round read, so the cost is at most about twice that of reading every list, whatever the `limit`.
 */
export async function thresholdTop(lists: RankedLists, limit: number, firstDepth = FIRST_DEPTH): Promise<RankedEntry[]> {
  const seen = new Map<string, Seen>();
  const exact = new Map<string, RankedEntry>();
  const last = new Array<number>(lists.count).fill(0);
  let open = Array.from({ length: lists.count }, (_, i) => i);
  let offset = 0;
  let depth = firstDepth;
  const best = () => [...exact.values()].filter((e) => e.hits > 0).sort(byRank).slice(0, limit);

  while (open.length > 0) {
    const pages = await lists.ranked(open, offset, depth);
    // Point lookups of this round's valuing (one per asset and list) stay within the entries this round read: the
    // valuing never costs more than the reading, which reading to the end would make unnecessary.
    const readThisRound = depth * open.length;
    const stillOpen: number[] = [];
    let sinceYield = 0;
    for (const [position, page] of pages.entries()) {
      const list = open[position] as number;
      // A deep round reads hundreds of thousands of entries: give the event loop back now and then, so that other
      // requests are not held behind one long synchronous pass.
      sinceYield += page.length;
      if (sinceYield >= YIELD_EVERY_ENTRIES) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      for (const entry of page) {
        const key = keyOf(entry);
        const s = seen.get(key);
        if (s) {
          s.partial += entry.hits;
          s.lists.push(list);
        } else seen.set(key, { entry, partial: entry.hits, lists: [list] });
      }
      // An exhausted list holds nothing more for anyone.
      last[list] = page.length === depth ? (page[page.length - 1] as RankedEntry).hits : 0;
      if (page.length === depth) stillOpen.push(list);
    }
    open = stillOpen;
    offset += depth;
    depth *= 2;
    const threshold = open.reduce((sum, list) => sum + (last[list] as number), 0);
    if (open.length === 0) {
      // Every list was read to its end: each read asset's partial sum is its exact value, and an asset never read
      // has none. Valuing them again (point lookups for every contender) would cost more than all the reading did.
      for (const [key, s] of seen) if (!exact.has(key)) exact.set(key, { ...s.entry, hits: s.partial });
      return best();
    }

    // Value the read assets that could still be in the answer, best bound first. While lists are open, a deeper
    // read is cheaper than valuing many: it lowers every bound.
    let batch = Math.min(Math.max(2 * limit, 16), Math.max(16, Math.floor(readThisRound / lists.count)));
    for (;;) {
      const top = best();
      const floor = top.length === limit ? (top[limit - 1] as RankedEntry).hits : -1;
      const pending: Array<{ key: string; bound: number }> = [];
      for (const [key, s] of seen) {
        if (exact.has(key)) continue;
        const bound = s.partial + threshold - s.lists.reduce((sum, list) => sum + (last[list] as number), 0);
        if (bound >= floor) pending.push({ key, bound });
      }
      if (pending.length === 0) {
        if (top.length === limit && floor > threshold) return top;
        break;
      }
      if (batch === 0) break;
      pending.sort((a, b) => b.bound - a.bound);
      const chosen = pending.slice(0, batch).map((p) => (seen.get(p.key) as Seen).entry);
      const valued = new Map((await lists.totals(chosen)).map((e) => [keyOf(e), e]));
      for (const entry of chosen) exact.set(keyOf(entry), valued.get(keyOf(entry)) ?? { ...entry, hits: 0 });
      batch = 0; // one valuing per round while lists are open
    }
  }
  return best();
}
