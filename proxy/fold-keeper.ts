/**
 * The writer's side of the fold (lambda/pages/layout.ts §5). When a response
 * says `foldWanted` (the root's log passed its soft bound), this sends one
 * `fold` request at a time through the batcher's executor; the deltas it
 * answers ride on the next write batch, whose commit applies them in its
 * one root PUT (or drops them when stale: their pages are orphans the GC
 * removes). Only the proxy that commits folds: a follower forwarding its
 * writes leaves it to the writer, whose commits see the same log.
 *
 * Deltas are handed out once, whatever becomes of the batch carrying them:
 * a batch that failed may still have applied them (outcome unknown), and a
 * lost delta costs only its pages, since the next response asks again.
 */
import { CONTRACT_VERSION, type LocalBatchRequest, type LocalBatchResponse, type LocalFoldDelta } from '../lambda/contract';

export class FoldKeeper {
  private inFlight = false;
  private pending: LocalFoldDelta[] = [];
  /** Fold requests that failed (a page not created, the root unreadable): the next foldWanted tries again. */
  failures = 0;

  constructor(
    private readonly send: (req: LocalBatchRequest) => Promise<LocalBatchResponse>,
    private readonly batchId: () => string,
  ) {}

  /** The deltas for the next write batch (undefined: none), handed out once. */
  take(): LocalFoldDelta[] | undefined {
    if (this.pending.length === 0) return undefined;
    const out = this.pending;
    this.pending = [];
    return out;
  }

  /** Reads a response: a fold wanted, none in flight and none waiting to ride, starts one. */
  observe(res: LocalBatchResponse, commits: boolean): void {
    if (!res.ok || !res.stats.foldWanted || !commits || this.inFlight || this.pending.length > 0) return;
    this.inFlight = true;
    void this.fold().finally(() => (this.inFlight = false));
  }

  private async fold(): Promise<void> {
    let res: LocalBatchResponse;
    try {
      res = await this.send({ v: CONTRACT_VERSION, batchId: this.batchId(), sessions: [], fold: {} });
    } catch {
      res = { v: CONTRACT_VERSION, batchId: '', ok: false, failure: { kind: 'unknown', message: 'fold request failed' } };
    }
    if (res.ok && res.folds) this.pending.push(...res.folds);
    else if (!res.ok) this.failures++;
  }
}
