import type { BatchRequest, BatchResponse } from '../../lambda/contract';

/**
 * Runs a batch somewhere: in a Lambda, or in this process. An executor never
 * throws: every failure comes back as a BatchResponse with ok=false and the
 * failure kind that tells the client whether the batch may have taken effect.
 */
export interface Executor {
  readonly description: string;
  /** Checks before serving (the storage safety check, in-process); throws to refuse. */
  ready(): Promise<void>;
  execute(req: BatchRequest): Promise<BatchResponse>;
  /**
   * True while write batches go to the cluster's writer, which serializes
   * them itself: the batcher then needs no one-at-a-time write queue.
   */
  forwardsWrites?(): boolean;
  close(): Promise<void>;
}

export function failed(req: BatchRequest, kind: 'not-applied' | 'unknown', message: string): BatchResponse {
  return { v: req.v, batchId: req.batchId, ok: false, failure: { kind, message } };
}
