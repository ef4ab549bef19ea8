import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { byRank, thresholdTop, type RankedEntry, type RankedLists } from '../../src/stats/threshold-top';

/** In-memory lists, with the reads counted: the pure algorithm against a brute-force sum. */
class MemoryLists implements RankedLists {
  readonly count: number;
  rankedCalls = 0;
  entriesRead = 0;
  assetsValued = 0;
  private readonly sorted: RankedEntry[][];

  constructor(lists: RankedEntry[][]) {
    this.sorted = lists.map((l) => [...l].sort(byRank));
    this.count = lists.length;
  }

  async ranked(lists: readonly number[], offset: number, n: number): Promise<RankedEntry[][]> {
    this.rankedCalls++;
    return lists.map((i) => {
      const page = (this.sorted[i] as RankedEntry[]).slice(offset, offset + n);
      this.entriesRead += page.length;
      return page;
    });
  }

  async totals(assets: ReadonlyArray<Pick<RankedEntry, 'resource_type' | 'asset_id'>>): Promise<RankedEntry[]> {
    this.assetsValued += assets.length;
    const all = bruteForce(this.sorted, Number.MAX_SAFE_INTEGER);
    return assets.map((a) => all.find((e) => e.asset_id === a.asset_id && e.resource_type === a.resource_type) as RankedEntry);
  }
}

function bruteForce(lists: RankedEntry[][], limit: number): RankedEntry[] {
  const sums = new Map<string, RankedEntry>();
  for (const e of lists.flat()) {
    const key = `${e.resource_type}/${e.asset_id}`;
    const s = sums.get(key);
    if (s) s.hits += e.hits;
    else sums.set(key, { ...e });
  }
  return [...sums.values()].sort(byRank).slice(0, limit);
}

/** One list: distinct assets (an asset appears once per period and type), positive hits. */
const list = fc.uniqueArray(
  fc.record({ resource_type: fc.constantFrom('datasets', 'models'), asset_id: fc.constantFrom('a', 'B', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'), hits: fc.integer({ min: 1, max: 5 }) }),
  { selector: (e) => `${e.resource_type}/${e.asset_id}`, maxLength: 20 },
);

describe('thresholdTop', () => {
  it('equals the brute-force top for any lists, limits and depths, ties included (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(list, { maxLength: 8 }), fc.integer({ min: 1, max: 25 }), fc.integer({ min: 1, max: 4 }), async (lists, limit, depth) => {
        expect(await thresholdTop(new MemoryLists(lists), limit, depth)).toEqual(bruteForce(lists, limit));
      }),
      { numRuns: 500 },
    );
  });

  it('stops early on skewed popularity: a few entries of each list decide', async () => {
    // 50 periods × 10 000 assets, hits falling with rank as web traffic does.
    const lists = Array.from({ length: 50 }, (_, p) =>
      Array.from({ length: 10_000 }, (_, r) => ({ resource_type: 'datasets', asset_id: `a${r}`, hits: Math.max(1, Math.floor(100_000 / (r + 1 + (p % 3)))) })),
    );
    const memory = new MemoryLists(lists);
    expect(await thresholdTop(memory, 10)).toEqual(bruteForce(lists, 10));
    expect(memory.entriesRead).toBeLessThan(0.01 * 50 * 10_000);
    expect(memory.assetsValued).toBeLessThan(100); // of 10 000: only those whose bound could reach the answer
  });

  it('reads churning popularity to the end at most, values nothing after, and costs no less for a larger limit', async () => {
    // 40 periods × 2 000 assets, each period ranking them in another order with flat hits: no head decides.
    const lists = Array.from({ length: 40 }, (_, p) =>
      Array.from({ length: 2000 }, (_, a) => ({ resource_type: 'datasets', asset_id: `a${a}`, hits: 1 + ((a * 7919 + p * 104_729) % 50) })),
    );
    const costs: number[] = [];
    for (const limit of [1, 10, 100, 1000]) {
      const memory = new MemoryLists(lists);
      expect(await thresholdTop(memory, limit)).toEqual(bruteForce(lists, limit));
      // Reading with a doubling depth reads each list's entries at most twice; a lookup per valued asset and list.
      expect(memory.entriesRead).toBeLessThanOrEqual(2 * 40 * 2000);
      expect(memory.assetsValued).toBeLessThanOrEqual(16 * Math.max(2 * limit, 16));
      costs.push(memory.entriesRead + memory.assetsValued * lists.length);
    }
    // Entries read plus one lookup per valued asset and list. Adaptive, so not strictly monotone: a large limit may
    // value every asset early and stop before the lists' end; never by more than a few per cent.
    for (let i = 1; i < costs.length; i++) expect(costs[i - 1], costs.join(' ')).toBeLessThanOrEqual(1.1 * (costs[i] as number));
  });

  it('returns nothing for no lists or empty lists', async () => {
    expect(await thresholdTop(new MemoryLists([]), 10)).toEqual([]);
    expect(await thresholdTop(new MemoryLists([[], []]), 10)).toEqual([]);
  });
});
