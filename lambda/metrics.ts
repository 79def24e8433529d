/**
 * CloudWatch metrics from the Lambda: one Embedded Metric Format record per
 * batch, written to stdout by Powertools Metrics (CloudWatch Logs turns it
 * into metrics; no API call, no extra latency, nothing to fail the batch).
 *
 * Namespace `Valthree`, dimension `service=valthree` only: per-key or
 * per-batch dimensions would be unbounded (and cost per metric). Every metric
 * is emitted for every batch, zeros included, so that sums and averages per
 * batch are right (for example Conflicts / Batches).
 *
 * The handler itself (createHandler) stays free of this I/O: the Lambda entry
 * observes each batch from outside — the response's stats, the time it took,
 * and the document's size seen by a thin wrapper around the store.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BatchRequest, BatchResponse } from './contract';
import type { GetResult, ObjectStore, PutCondition, PutResult } from './store/types';

export const METRICS_NAMESPACE = 'Valthree';
export const METRICS_SERVICE = 'valthree';

export interface BatchObservation {
  req: BatchRequest;
  res: BatchResponse;
  durationMs: number;
  /** Size of db.json as last read or written; null until known. */
  documentBytes: number | null;
}

export function createMetrics(): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
}

/** Emits one EMF record for a batch. Never throws: metrics must not fail a batch that committed. */
export function publishBatchMetrics(metrics: Metrics, o: BatchObservation): void {
  try {
    const { req, res } = o;
    const stats = res.stats;
    const sessions = Array.isArray(req?.sessions) ? req.sessions : [];
    const commands = sessions.reduce((n, s) => n + (Array.isArray(s?.commands) ? s.commands.length : 0), 0);
    const count = (name: string, v: number) => metrics.addMetric(name, MetricUnit.Count, v);
    count('Batches', 1);
    count('Commands', commands);
    // A write landed for this batch: some PUT of this invocation did not lose
    // to another writer (it succeeded, or was ambiguous and then found in db.json).
    count('Commits', res.ok && stats && stats.s3Puts > stats.conflicts ? 1 : 0);
    count('Conflicts', stats?.conflicts ?? 0);
    count('UnknownOutcomes', !res.ok && res.failure.kind === 'unknown' ? 1 : 0);
    count('NotApplied', !res.ok && res.failure.kind === 'not-applied' ? 1 : 0);
    count('S3Gets', stats?.s3Gets ?? 0);
    count('S3Puts', stats?.s3Puts ?? 0);
    metrics.addMetric('BatchDurationMs', MetricUnit.Milliseconds, o.durationMs);
    if (o.documentBytes !== null) metrics.addMetric('DocumentBytes', MetricUnit.Bytes, o.documentBytes);
    // Not a metric (no dimension): lets a log search join a record to the proxy's batch.
    if (typeof res.batchId === 'string') metrics.addMetadata('batchId', res.batchId);
    metrics.publishStoredMetrics();
  } catch {
    // Swallowed on purpose; see above.
  }
}

/**
 * Wraps a store to remember the size of the document (`key`) each time it is
 * read in full or written. A 304 (not modified) keeps the last size.
 */
export function measureDocument(store: ObjectStore, key: string): { store: ObjectStore; bytes(): number | null } {
  let last: number | null = null;
  const wrapped: ObjectStore = {
    description: store.description,
    async get(k: string, opts?: { ifNoneMatch?: string }): Promise<GetResult> {
      const r = await store.get(k, opts);
      if (k === key && r.status === 'found') last = r.body.length;
      if (k === key && r.status === 'absent') last = 0;
      return r;
    },
    async put(k: string, body: Buffer, cond: PutCondition): Promise<PutResult> {
      const r = await store.put(k, body, cond);
      if (k === key && r.status === 'ok') last = body.length;
      return r;
    },
    delete: (k: string) => store.delete(k),
    close: () => store.close?.(),
    // Pages pass through: the document's size is the root's alone.
    ...(store.putPage && store.getPage ? { putPage: store.putPage.bind(store), getPage: store.getPage.bind(store) } : {}),
  };
  return { store: wrapped, bytes: () => last };
}
