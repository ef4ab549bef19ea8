/**
 * What was wrong with a worker's exit, in words for the log (`"a worker exited with code 1 while shutting down"`), or
 * undefined for a clean one (code 0, no signal). A worker ended by a signal reports no code; one that exits by
 * itself reports no signal.
 */
export function uncleanExit(code: number | null, signal: string | null): string | undefined {
  if (signal !== null) return `was ended by signal ${signal}`;
  if (code !== 0) return `exited with code ${code ?? 'unknown'}`;
  return undefined;
}
