import type { BatchRequest, BatchResponse, LocalBatchRequest, LocalBatchResponse } from '../../lambda/contract';

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
   * The handler runs in this process: the same batch, typed, its bytes as
   * Buffers, with nothing encoded or parsed on the way (the batcher uses it
   * when present). Never throws either.
   */
  executeLocal?(req: LocalBatchRequest): Promise<LocalBatchResponse>;
  /**
   * True while write batches go to the cluster's writer, which serializes
   * them itself: the batcher then needs no one-at-a-time write queue.
   */
  forwardsWrites?(): boolean;
  close(): Promise<void>;
}

export function failed(req: { v: BatchRequest['v']; batchId: string }, kind: 'not-applied' | 'unknown', message: string): BatchResponse & LocalBatchResponse {
  return { v: req.v, batchId: req.batchId, ok: false, failure: { kind, message } };
}
