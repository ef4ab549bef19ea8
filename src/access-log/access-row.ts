/** One asset access, as queued and as stored. */
export interface AccessRow {
  assetId: string;
  resourceType: string;
  method: string;
  status: number;
  /** Epoch milliseconds (UTC). */
  accessedAt: number;
}

/** A successful read: what popularity counts. */
export function isSuccessfulRead(row: AccessRow): boolean {
  return row.method === 'GET' && row.status === 200;
}

const HOUR_MS = 3_600_000;

export function hourStart(epochMs: number): number {
  return Math.floor(epochMs / HOUR_MS) * HOUR_MS;
}
