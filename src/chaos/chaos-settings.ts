/** What fault injection does when CHAOS_ENABLED=true. */
export interface ChaosSettings {
  enabled: boolean;
  /** Share (0–1) of the catalogue's own requests that fail with a 500. */
  errorRate: number;
  /** Delay added to a share (`latencyRate`) of the catalogue's own requests. */
  latencyMs: number;
  latencyRate: number;
}

/** Bounds of `GET /chaos/slow?ms=` and `GET /chaos/error?status=`. */
export const SLOW_MS = { min: 0, max: 10_000, default: 2_500 } as const;
export const ERROR_STATUS = { min: 500, max: 599, default: 500 } as const;
