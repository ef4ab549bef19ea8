import type { RequestSubscriber } from '../http/request-outcome';
import type { AccessLogWriter } from './access-log-writer';

/**
 * Records every request that addressed an asset (every method, every status, 499 for a client that hung up) once
 * its response is done. It adds no DB round trip: rows are queued for the writer.
 */
export function accessLogSubscriber(writer: AccessLogWriter): RequestSubscriber {
  return {
    name: 'access log',
    completed(outcome) {
      const asset = outcome.asset;
      if (asset === undefined) return;
      writer.enqueue({
        assetId: asset.assetId,
        resourceType: asset.resourceType,
        method: outcome.method.slice(0, 16),
        status: outcome.status,
        accessedAt: outcome.startedAtMs,
      });
    },
  };
}
