/** One asset access, as queued and as stored. */
export interface AccessRow {
  assetId: string;
  resourceType: string;
  method: string;
  status: number;
  /** Epoch milliseconds (UTC). */
  accessedAt: number;
}

/** A successful read: what popularity counts (the migration that back-fills the per-minute rows says it in SQL). */
const SUCCESSFUL_READ = { method: 'GET', status: 200 } as const;

export function isSuccessfulRead(row: { method: string; status: number }): boolean {
  return row.method === SUCCESSFUL_READ.method && row.status === SUCCESSFUL_READ.status;
}
