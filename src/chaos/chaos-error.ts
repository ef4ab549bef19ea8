/**
 * An error injected on purpose (CHAOS_ENABLED). To every observer it is a real server error: answered with its
 * status, counted in `http_errors_total{error_type="ChaosError"}`, logged — that is the point of injecting it.
 */
export class ChaosError extends Error {
  constructor(readonly status: number) {
    super(`injected failure (chaos, status ${status})`);
    this.name = 'ChaosError';
  }
}
