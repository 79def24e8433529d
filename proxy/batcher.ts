/**
 * Group commit: the proxy's path from sessions to the executor.
 *
 * The physical limit of one object is one conditional PUT per commit, not per
 * command. So while a write batch is in flight, commands from every connection
 * gather into the next one; each batch is one invocation and at most one PUT.
 * Only one write batch per proxy is in flight, so batches from one proxy never
 * race each other for the ETag.
 *
 * Read-only batches need no commit and do not wait behind writes: they go out
 * at once (still gathered per event-loop turn), and the handler revalidates
 * its snapshot with S3 after they arrived.
 *
 * Per-connection order is the session's job: a session submits its next
 * commands only after the previous submission was answered.
 */
import { randomBytes } from 'node:crypto';
import { CONTRACT_VERSION, LAMBDA_PAYLOAD_LIMIT, PAYLOAD_ENVELOPE_RESERVE, failureReply, type BatchRequest, type BatchResponse } from '../lambda/contract';
import type { Executor } from './executors/types';
import { fromWire, type Reply } from './resp/reply';
import type { Metrics } from './metrics';

export interface BatchLimits {
  /** Most commands in one batch. */
  maxCommands: number;
  /** Most request bytes (base64-encoded arguments) in one batch. */
  maxBytes: number;
  /** false: every submission is its own batch, sent at once (the naive design). */
  groupCommit: boolean;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = {
  maxCommands: 4096,
  maxBytes: LAMBDA_PAYLOAD_LIMIT - PAYLOAD_ENVELOPE_RESERVE,
  groupCommit: true,
};

interface Pending {
  write: boolean;
  /** The connection's database (SELECT). */
  db: number;
  commands: string[][];
  bytes: number;
  resolve: (replies: Reply[]) => void;
}

/** The reply of a command whose batch may or may not have taken effect. */
const unknown = (message: string): Reply => fromWire(failureReply({ kind: 'unknown', message }));

/** Request bytes of one command: base64 plus JSON quoting. */
export function encodedSize(argv: Buffer[]): number {
  let n = 4;
  for (const a of argv) n += Math.ceil(a.length / 3) * 4 + 3;
  return n;
}

export class Batcher {
  private readonly proxyId = randomBytes(6).toString('base64url');
  private seq = 0;
  private writes: Pending[] = [];
  private reads: Pending[] = [];
  private writeInFlight = false;
  private writeScheduled = false;
  private readScheduled = false;

  constructor(
    private readonly executor: Executor,
    private readonly limits: BatchLimits,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Runs a run of engine commands of one connection. Resolves with one reply
   * per executed command, in order; fewer than sent when the handler stopped
   * at its response budget (the session re-submits the rest).
   */
  submit(argvs: Buffer[][], write: boolean, db = 0): Promise<Reply[]> {
    return new Promise((resolve) => {
      const commands = argvs.map((argv) => argv.map((a) => a.toString('base64')));
      const p: Pending = { write, db, commands, bytes: argvs.reduce((n, a) => n + encodedSize(a), 0), resolve };
      if (!this.limits.groupCommit) {
        void this.dispatch([p]);
      } else if (write) {
        this.writes.push(p);
        this.scheduleWrites();
      } else {
        this.reads.push(p);
        if (!this.readScheduled) {
          this.readScheduled = true;
          setImmediate(() => this.flushReads());
        }
      }
    });
  }

  private scheduleWrites(): void {
    if (this.writeInFlight || this.writeScheduled) return;
    this.writeScheduled = true;
    // One event-loop turn gathers every connection's commands read so far.
    setImmediate(() => {
      this.writeScheduled = false;
      void this.flushWrites();
    });
  }

  private async flushWrites(): Promise<void> {
    if (this.writeInFlight || this.writes.length === 0) return;
    const batch = this.take(this.writes);
    this.writes = this.writes.slice(batch.length);
    this.writeInFlight = true;
    try {
      await this.dispatch(batch);
    } finally {
      this.writeInFlight = false;
      // Whatever arrived meanwhile is the next batch: go now, don't wait a turn.
      if (this.writes.length > 0) void this.flushWrites();
    }
  }

  private flushReads(): void {
    this.readScheduled = false;
    while (this.reads.length > 0) {
      const batch = this.take(this.reads);
      this.reads = this.reads.slice(batch.length);
      void this.dispatch(batch);
    }
  }

  /** The longest prefix within the limits (always at least one submission). */
  private take(queue: Pending[]): Pending[] {
    let commands = 0;
    let bytes = 0;
    let n = 0;
    for (const p of queue) {
      if (n > 0 && (commands + p.commands.length > this.limits.maxCommands || bytes + p.bytes > this.limits.maxBytes)) break;
      commands += p.commands.length;
      bytes += p.bytes;
      n++;
    }
    return queue.slice(0, n);
  }

  private async dispatch(batch: Pending[]): Promise<void> {
    const req: BatchRequest = {
      v: CONTRACT_VERSION,
      batchId: `${this.proxyId}-${++this.seq}`,
      write: batch.some((p) => p.write),
      sessions: batch.map((p, i) => (p.db === 0 ? { id: String(i), commands: p.commands } : { id: String(i), db: p.db, commands: p.commands })),
    };
    const started = process.hrtime.bigint();
    let res: BatchResponse;
    try {
      res = await this.executor.execute(req);
    } catch (e) {
      res = { v: CONTRACT_VERSION, batchId: req.batchId, ok: false, failure: { kind: 'unknown', message: (e as Error).message } };
    }
    try {
      this.metrics.recordBatch(req, res, Number(process.hrtime.bigint() - started) / 1e6);
      this.deliver(batch, res);
    } catch (e) {
      // A bug here must not leave connections waiting forever for a batch
      // that has run: whoever is not answered yet gets "outcome unknown"
      // (resolving an answered submission again does nothing).
      const err = unknown(`internal error while reading the response: ${(e as Error).message}`);
      for (const p of batch) p.resolve(p.commands.map(() => err));
    }
  }

  /** Answers each submission of the batch from the response, or sends it again. */
  private deliver(batch: Pending[], res: BatchResponse): void {
    if (!res.ok && res.failure.kind === 'write-required') {
      // Nothing ran for good: the same commands go again, through the write queue.
      for (const p of batch) p.write = true;
      this.requeue(batch);
      return;
    }
    if (!res.ok) {
      const err = fromWire(failureReply(res.failure));
      for (const p of batch) p.resolve(p.commands.map(() => err));
      return;
    }
    const byId = new Map(res.sessions.map((s) => [s.id, s.replies]));
    const again: Pending[] = [];
    batch.forEach((p, i) => {
      const replies = byId.get(String(i));
      if (replies === undefined) {
        // The handler did not say what became of these commands: they may have been committed with the rest.
        const err = unknown('the response carried no replies for this connection');
        p.resolve(p.commands.map(() => err));
      } else if (replies.length === 0 && i > 0) {
        // The handler stops at the first reply that does not fit in its
        // response; every later submission got nothing and ran nothing. Only
        // the first one can be too big on its own: the others go again.
        again.push(p);
      } else {
        p.resolve(replies.map(fromWire));
      }
    });
    if (again.length > 0) this.requeue(again);
  }

  /** Puts submissions back at the front of their queue, in order. */
  private requeue(ps: Pending[]): void {
    const writes = ps.filter((p) => p.write && this.limits.groupCommit);
    const reads = ps.filter((p) => !p.write || !this.limits.groupCommit);
    if (writes.length > 0) {
      this.writes = [...writes, ...this.writes];
      this.scheduleWrites();
    }
    if (reads.length > 0) {
      this.reads = [...reads, ...this.reads];
      if (!this.readScheduled) {
        this.readScheduled = true;
        setImmediate(() => this.flushReads());
      }
    }
  }
}
