/** Runs `fn` `n` times in a row and returns each run's duration in milliseconds. */
export async function timeRuns(n: number, fn: () => unknown): Promise<number[]> {
  const durations: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await fn();
    durations.push(performance.now() - started);
  }
  return durations;
}

/** Nearest-rank percentiles (0 < q < 1) of a sample. */
export function percentile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] as number;
}
