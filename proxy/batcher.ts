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
import { CONTRACT_VERSION, LAMBDA_PAYLOAD_LIMIT, PAYLOAD_ENVELOPE_RESERVE, failureReply, type BatchFailure, type BatchRequest, type ChangeMarks, type LeaseClaim, type LeaseState, type LocalBatchRequest, type LocalBatchResponse, type LocalSessionCommands, type Reply } from '../lambda/contract';
import { decodeArg, fromWireResponse, toWireRequest } from '../lambda/contract-wire';
import type { Executor } from './executors/types';
import { FoldKeeper } from './fold-keeper';
import type { Metrics } from './metrics';
import { encodedSize } from './batch-size';
import { forwardResult, type ForwardResult, type Outcome } from './batch-outcome';

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

/** One session's part of a submission: a connection's commands, or one session of a forwarded batch. */
interface Part {
  /** The connection's database (SELECT). */
  db: number;
  /** As the connection sent them: the in-process executor takes them so; the wire encodes them at dispatch. */
  commands: Buffer[][];
  /** The batch id a follower proxy sent this under (SessionCommands.origin). */
  origin?: string;
}

interface Pending {
  write: boolean;
  /** Atomic: the parts of one submission always go in the same batch (a forwarded batch commits whole). */
  parts: Part[];
  bytes: number;
  commandCount: number;
  /** Forwarded batches: past this (Unix ms) the submission is dropped unsent, and the follower may send it itself. */
  deadline?: number;
  /** Local connections: the handler's cut-off sessions go again. Forwarded: the follower does that. */
  local: boolean;
  settle: (outcomes: Outcome[]) => void;
}

export { encodedSize } from './batch-size';

/** The writer's lease renewal, riding on its next write batch (see LeaseKeeper). */
export interface LeaseRider {
  take(): LeaseClaim | undefined;
  answer(state: LeaseState | null): void;
}

export class Batcher {
  leaseRider?: LeaseRider;
  /** Told the change marks of every commit a batch of this proxy landed in: its blocked clients, a writer's followers. */
  private readonly committedListeners = new Set<(changed: ChangeMarks) => void>();
  private readonly proxyId = randomBytes(6).toString('base64url');
  private seq = 0;
  private writes: Pending[] = [];
  private reads: Pending[] = [];
  private writeInFlight = false;
  private writeScheduled = false;
  private readScheduled = false;
  /** Fold requests this proxy sends as the writer; their deltas ride on its next write batch. */
  readonly folds = new FoldKeeper((req) => this.run(req), () => `${this.proxyId}-${++this.seq}`);

  constructor(
    private readonly executor: Executor,
    private readonly limits: BatchLimits,
    private readonly metrics: Metrics,
  ) {}

  /** Adds a listener for the change marks of every commit a batch of this proxy lands in; returns its removal. */
  onCommitted(listener: (changed: ChangeMarks) => void): () => void {
    this.committedListeners.add(listener);
    return () => this.committedListeners.delete(listener);
  }

  /**
   * Runs a run of engine commands of one connection. Resolves with one reply
   * per executed command, in order; fewer than sent when the handler stopped
   * at its response budget (the session re-submits the rest).
   */
  submit(argvs: Buffer[][], write: boolean, db = 0): Promise<Reply[]> {
    return new Promise((resolve) => {
      const settle = ([o]: Outcome[]) => {
        if ('replies' in o) return resolve(o.replies);
        const err = failureReply(o.failure);
        resolve(argvs.map(() => err));
      };
      let bytes = 0;
      for (const a of argvs) bytes += encodedSize(a);
      this.enqueue({ write, parts: [{ db, commands: argvs }], bytes, commandCount: argvs.length, local: true, settle });
    });
  }

  /**
   * Folds a batch another proxy forwarded into this proxy's group commit, whole, its
   * sessions keeping the follower's batch id as their origin; dropped unsent past `deadline` (Unix ms).
   */
  submitForwarded(req: BatchRequest, deadline: number): Promise<ForwardResult> {
    return new Promise((resolve) => {
      const bytes = req.sessions.reduce((n, s) => n + s.commands.reduce((m, c) => m + c.reduce((k, a) => k + a.length + 3, 4), 0), 0);
      const parts = req.sessions.map((s): Part => ({ db: s.db ?? 0, commands: s.commands.map((argv) => argv.map(decodeArg)), origin: req.batchId }));
      const settle = (outs: Outcome[]) => resolve(forwardResult(req, outs));
      this.enqueue({ write: true, parts, bytes, commandCount: parts.reduce((n, x) => n + x.commands.length, 0), deadline, local: false, settle });
    });
  }

  private enqueue(p: Pending): void {
    if (!this.limits.groupCommit) {
      void this.dispatch([p]);
    } else if (p.write) {
      this.writes.push(p);
      this.scheduleWrites();
    } else {
      this.reads.push(p);
      this.scheduleReads();
    }
  }

  private scheduleReads(): void {
    if (this.readScheduled) return;
    this.readScheduled = true;
    setImmediate(() => this.flushReads());
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
    if (this.writeInFlight) return;
    // A forward past its deadline never goes out: its proxy may already be sending it itself.
    const now = Date.now();
    const late = this.writes.filter((p) => p.deadline !== undefined && p.deadline < now);
    if (late.length > 0) {
      this.writes = this.writes.filter((p) => !late.includes(p));
      for (const p of late) p.settle([]);
    }
    if (this.writes.length === 0) return;
    const batch = this.take(this.writes);
    this.writes = this.writes.slice(batch.length);
    if (this.executor.forwardsWrites?.()) {
      // The cluster's writer serializes what it is sent: no need to wait for the last one.
      void this.dispatch(batch);
      if (this.writes.length > 0) void this.flushWrites();
      return;
    }
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
      if (n > 0 && (commands + p.commandCount > this.limits.maxCommands || bytes + p.bytes > this.limits.maxBytes)) break;
      commands += p.commandCount;
      bytes += p.bytes;
      n++;
    }
    return queue.slice(0, n);
  }

  private async dispatch(batch: Pending[]): Promise<void> {
    const sessions: LocalSessionCommands[] = [];
    for (const p of batch) {
      for (const part of p.parts) {
        const s: LocalSessionCommands = { id: String(sessions.length), commands: part.commands };
        if (part.db !== 0) s.db = part.db;
        if (part.origin !== undefined) s.origin = part.origin;
        sessions.push(s);
      }
    }
    const req: LocalBatchRequest = { v: CONTRACT_VERSION, batchId: `${this.proxyId}-${++this.seq}`, write: batch.some((p) => p.write), sessions };
    const claim = req.write ? this.leaseRider?.take() : undefined;
    if (claim) req.lease = claim;
    if (req.write) req.deltas = this.folds.take();
    const started = process.hrtime.bigint();
    let res: LocalBatchResponse;
    try {
      res = await this.run(req);
    } catch (e) {
      res = { v: CONTRACT_VERSION, batchId: req.batchId, ok: false, failure: { kind: 'unknown', message: (e as Error).message } };
    }
    if (claim) this.leaseRider?.answer(res.ok ? (res.lease ?? null) : null);
    this.folds.observe(res, !this.executor.forwardsWrites?.());
    try {
      this.metrics.recordBatch(req, res, Number(process.hrtime.bigint() - started) / 1e6);
      this.deliver(batch, res);
      if (res.ok && res.changed) for (const l of this.committedListeners) l(res.changed);
    } catch (e) {
      // A bug here must not leave connections waiting forever for a batch
      // that has run: whoever is not answered yet gets "outcome unknown"
      // (settling an answered submission again does nothing).
      const failure: BatchFailure = { kind: 'unknown', message: `internal error while reading the response: ${(e as Error).message}` };
      for (const p of batch) p.settle(p.parts.map(() => ({ failure })));
    }
  }

  /** In-process: typed, as is. Otherwise the wire's base64 there and back (Lambda, a cluster's writer). */
  private async run(req: LocalBatchRequest): Promise<LocalBatchResponse> {
    if (this.executor.executeLocal) return this.executor.executeLocal(req);
    const res = await this.executor.execute(toWireRequest(req));
    // An executor that let a malformed reply through: what it ran is unknown.
    const unreadable = (e: Error): LocalBatchResponse => ({ v: CONTRACT_VERSION, batchId: req.batchId, ok: false, failure: { kind: 'unknown', message: `internal error while reading the response: ${e.message}` } });
    return Promise.resolve(res).then(fromWireResponse).catch(unreadable);
  }

  /** Answers each submission of the batch from the response, or sends it again. */
  private deliver(batch: Pending[], res: LocalBatchResponse): void {
    if (!res.ok && res.failure.kind === 'write-required') {
      // Nothing ran for good: the same commands go again, through the write queue.
      for (const p of batch) p.write = true;
      this.requeue(batch);
      return;
    }
    if (!res.ok) {
      const failure = res.failure;
      for (const p of batch) p.settle(p.parts.map(() => ({ failure })));
      return;
    }
    const byId = new Map(res.sessions.map((s) => [s.id, s.replies]));
    const again: Pending[] = [];
    let index = 0;
    batch.forEach((p) => {
      const first = index;
      const outs = p.parts.map((): Outcome => {
        const replies = byId.get(String(index++));
        // The handler did not say what became of these commands: they may have been committed with the rest.
        return replies === undefined ? { failure: { kind: 'unknown', message: 'the response carried no replies for this connection' } } : { replies, changed: res.changed };
      });
      const o = outs[0];
      // The handler stops at the first reply that does not fit in its
      // response; every later submission got nothing and ran nothing. Only
      // the first one can be too big on its own: the others go again. (A
      // forwarded batch goes back as it is: its own proxy does that.)
      if (p.local && first > 0 && 'replies' in o && o.replies.length === 0) again.push(p);
      else p.settle(outs);
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
      this.scheduleReads();
    }
  }
}
