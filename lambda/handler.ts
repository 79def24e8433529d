/**
 * The handler: runs one batch against db.json with optimistic concurrency.
 *
 *   snapshot (cached, or read with its ETag) → paged entries loaded (loading.ts) → engine → one conditional PUT
 *
 * Invariants this file protects:
 *  - A reply leaves only after the state it was computed on is confirmed
 *    current: by our own conditional write, or by a read issued after the
 *    batch arrived (a cached snapshot is revalidated with If-None-Match).
 *  - A PUT whose outcome is unknown is never retried blindly: the document is
 *    re-read first, and the batch id in its commit window tells whether it
 *    landed. So a batch takes effect at most once, however often it is sent.
 *  - A document with an unknown format is refused, never rewritten.
 */
import { BatchFailed } from './batch-failed';
import { CONTRACT_VERSION, type BatchRequest, type BatchResponse, type BatchStats, type LocalBatchRequest, type LocalBatchResponse, type Reply } from './contract';
import { fromWireRequest, toWireResponse } from './contract-wire';
import { CorruptDocumentError, DEFAULT_MAX_DOCUMENT_BYTES, DEFAULT_WINDOW, Document, UnknownFormatError, type WindowPolicy } from './document';
import { commit, withSkipped, type AttemptInput, type Snapshot } from './attempt';
import { compactMarks, EVERYTHING } from './changes';
import { checkClock } from './clock-skew';
import { answerFold, Folder, fromLocalDelta, type PagingOptions } from './folding';
import { answerLease } from './lease';
import { PageLoader } from './loading';
import { localWindow } from './local-windows';
import { LOCAL_WINDOW, type CommitWindow } from './document-commits';
import { replayLanded, skipLanded } from './origins';
import { runsScript, validateRequest, writes } from './request';
import { DEFAULT_SCRIPT_TIMEOUT_MS } from './scripting';
import { ATTEMPT_RESERVE_MS } from './time-budget';
import type { ObjectStore } from './store/types';

export interface HandlerOptions {
  store: ObjectStore;
  /** Object key of the document. */
  key?: string;
  /** Writes that would grow the document past this answer -OOM. */
  maxDocumentBytes?: number;
  /** Conditional-write attempts per batch before giving up. */
  maxAttempts?: number;
  window?: WindowPolicy;
  /** Keep the document between batches (warm cache). Off = re-read every time. */
  cache?: boolean;
  /**
   * Resolve ambiguous writes through the commit window (default). Off, an
   * ambiguous PUT is answered "outcome unknown" at once: the behaviour before
   * exactly-once commits, kept only to measure what they buy.
   */
  exactlyOnce?: boolean;
  /** Time the scripts of one batch attempt may run together (EVAL; default DEFAULT_SCRIPT_TIMEOUT_MS). */
  scriptTimeoutMs?: number;
  /** Bytes of pages the page cache keeps across batches (default DEFAULT_PAGE_CACHE_BYTES). */
  pageCacheBytes?: number;
  /** When databases are paged and folded (defaults: layout.ts's); tests force tiny ones. */
  paging?: PagingOptions;
  /**
   * Tests only: runs after a fold's pages are uploaded, before anything
   * refers to them (its deltas answered, or the commit's root PUT). The
   * workload's crash fault throws here: the environment dies with orphans.
   */
  afterPageUploads?: () => void;
  /** Called once before the first write (the storage safety check). */
  beforeFirstWrite?: () => Promise<void>;
  /** Milliseconds left before the caller gives up (Lambda's remaining time). */
  remainingMs?: () => number;
  /** The clock, read once per batch (Unix ms). */
  now?: () => number;
  /**
   * How far this environment's clock may lead the store's (S3's `Date`)
   * before its batches are refused as not applied: a clock an hour fast
   * would otherwise expire every key early for everyone. Default 5000.
   */
  maxClockSkewMs?: number;
  /**
   * Test only: answer "expired" on this batch's clock without committing it —
   * the broken rule the workload must catch (a key seen gone can come back).
   */
  unsafeLocalExpiry?: boolean;
  /** Test only: EXEC ignores WATCH — the broken mode broken-watch the bank workload must catch. */
  unsafeIgnoreWatch?: boolean;
  sleep?: (ms: number) => Promise<void>;
}

/** The handler as the Lambda (and its emulator) runs it: a request off the wire, checked, and a response for it. */
export type BatchHandler = (req: BatchRequest) => Promise<BatchResponse>;
/** The handler in the proxy's own process: the same batch, typed, bytes as Buffers; nothing serialized. */
export type LocalBatchHandler = (req: LocalBatchRequest) => Promise<LocalBatchResponse>;

export const DEFAULT_MAX_CLOCK_SKEW_MS = 5000;

/**
 * The wire handler: the request is checked like any input from the network
 * (the proxy is trusted, its bytes are not) and decoded once; the replies
 * are encoded for the response.
 */
export function createHandler(opts: HandlerOptions): BatchHandler {
  const handler = new DocumentHandler(opts);
  return (req) => {
    const invalid = validateRequest(req);
    if (invalid) return Promise.resolve({ v: CONTRACT_VERSION, batchId: String((req as { batchId?: unknown })?.batchId ?? ''), ok: false, failure: { kind: 'not-applied', message: invalid } });
    return handler.handle(fromWireRequest(req)).then(toWireResponse);
  };
}

/** The in-process handler: its caller's types are the check (proxy/executors/in-process.ts). */
export function createLocalHandler(opts: HandlerOptions): LocalBatchHandler {
  const handler = new DocumentHandler(opts);
  return (req) => handler.handle(req);
}

class DocumentHandler {
  private readonly key: string;
  private readonly useCache: boolean;
  private readonly now: () => number;
  /** The warm cache: the last snapshot known to equal what S3 holds. */
  private cached: Snapshot | null = null;
  private checked: boolean;
  /** One batch at a time per instance, as in a Lambda execution environment. */
  private queue: Promise<unknown> = Promise.resolve();
  /** A sole-writer store's in-memory commit window (undefined: it travels in db.json). */
  private readonly window: CommitWindow | undefined;
  /** Loads what a batch touches of paged databases; its page cache outlives every cached snapshot. */
  private readonly pages: PageLoader;
  private readonly folder: Folder;

  constructor(private readonly opts: HandlerOptions) {
    this.key = opts.key ?? 'db.json';
    this.pages = new PageLoader(opts.store, this.key, opts.pageCacheBytes, opts.paging?.aggPageBytes);
    this.folder = new Folder(opts.store, this.key, this.pages, opts.paging, opts.afterPageUploads);
    this.window = localWindow(opts.store, this.key);
    this.useCache = opts.cache ?? true;
    this.now = opts.now ?? Date.now;
    this.checked = !opts.beforeFirstWrite;
  }

  handle(req: LocalBatchRequest): Promise<LocalBatchResponse> {
    if (req.lease && req.sessions.length === 0) return answerLease(this.opts.store, this.key, req, this.now());
    const next = this.queue.then(() => (req.fold ? answerFold(this.folder, req, (stats) => this.load(stats), this.now()) : this.guarded(req)));
    this.queue = next.catch(() => undefined);
    // The writer renews its lease riding on a write batch, so the renewal costs
    // no invocation of its own (which could land on the environment with the warm cache).
    return req.lease ? Promise.all([next, answerLease(this.opts.store, this.key, req, this.now())]).then(([res, l]) => (res.ok && l.ok ? { ...res, lease: l.lease } : res)) : next;
  }

  /** Turns a BatchFailed into its failure response; a bug (any other error) drops the cache and propagates. */
  private async guarded(req: LocalBatchRequest): Promise<LocalBatchResponse> {
    const stats: BatchStats = { s3Gets: 0, s3Puts: 0, conflicts: 0, keys: 0, replayed: false };
    const progress = { ambiguous: false };
    try {
      return await this.run(req, stats, progress);
    } catch (e) {
      if (!(e instanceof BatchFailed)) {
        // A bug mid-batch may leave the cached document mid-transaction:
        // forget it, so no later batch serves or commits half of this one.
        this.cached = null;
        throw e;
      }
      // Once one write's outcome was unknown, that write may have landed:
      // nothing that fails after it can make the batch "not applied".
      const kind = progress.ambiguous ? 'unknown' : e.kind;
      return { v: CONTRACT_VERSION, batchId: req.batchId, ok: false, failure: { kind, message: e.message }, stats };
    }
  }

  /** The loop: attempt, and after a conflict or an unknown outcome read again and let the commit window decide. */
  private async run(req: LocalBatchRequest, stats: BatchStats, progress: { ambiguous: boolean }): Promise<LocalBatchResponse> {
    const opts = this.opts;
    const input = { ...this.inputOf(req), beforePut: (doc: Document) => this.folder.beforePut(doc, stats) };
    const maxAttempts = opts.maxAttempts ?? 10;
    const remainingMs = opts.remainingMs ?? (() => Infinity);
    // A batch with scripts starts an attempt only if its scripts can run to their limit and still commit.
    const scriptBudget = input.sessions.some((cmds) => cmds.some(runsScript)) ? (input.scriptTimeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS) : 0;
    // A write needs no fresh read: its If-Match confirms the cached copy. A read does.
    let snapshot = this.useCache && this.cached && input.sessions.some((cmds) => cmds.some(writes)) ? this.cached : null;
    let fresh = false;
    const done = (replies: Reply[][], doc: Document, changed?: string[]) => this.response(req, stats, input.localNow, replies, doc, changed);
    const loading = this.pages.batch(stats, () => remainingMs() >= ATTEMPT_RESERVE_MS + scriptBudget);
    for (let attempt = 1; ; attempt++) {
      if (!snapshot) [snapshot, fresh] = [await this.load(stats), true];
      const landed = snapshot.doc.hasCommit(req.batchId);
      if (landed) return done(replayLanded(landed, input, stats), snapshot.doc, landed.c ?? [EVERYTHING]);
      if (attempt > maxAttempts) throw new BatchFailed('not-applied', `db.json is contended; gave up after ${attempt - 1} attempts`);
      if (remainingMs() < ATTEMPT_RESERVE_MS + scriptBudget) throw new BatchFailed('not-applied', `the function is about to time out after ${attempt - 1} attempts`);
      checkClock(this.opts.store, input.localNow, this.opts.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS);

      const { doc } = snapshot;
      // Forwarded sessions whose own proxy already committed them run nothing.
      const skip = skipLanded(input, doc);
      if (skip.lost > 0) stats.repliesLost = skip.lost;
      const applied = await loading.apply(snapshot, skip.input);
      if (!applied) {
        // A page failed: read the root again (a 304 keeps it), and try once more on it.
        snapshot = null;
        continue;
      }
      const replies = withSkipped(applied.replies, skip.input.skipped);
      if (applied.changed && req.write === false) {
        doc.rollback();
        throw new BatchFailed('write-required', 'the batch must commit the clock it ran at');
      }
      if (!applied.changed) {
        // Read-only: the replies stand once the snapshot is known current.
        if (fresh) return done(replies, doc);
        [snapshot, fresh] = [await this.load(stats), true];
        if (snapshot.doc === doc) return done(replies, doc);
        continue;
      }
      await this.ensureChecked(doc);
      stats.s3Puts++;
      const outcome = await commit(snapshot, applied, skip.input);
      if (outcome.kind === 'committed') {
        this.cached = { doc, etag: outcome.etag };
        if (input.deltas) [stats.foldsApplied, stats.foldsDropped] = [outcome.folds.applied, outcome.folds.dropped];
        return done(replies, doc, compactMarks(applied.changes));
      }
      if (outcome.kind === 'refused') throw new BatchFailed('not-applied', outcome.detail);
      if (outcome.kind === 'unknown') {
        progress.ambiguous = true;
        if (opts.exactlyOnce === false) throw new BatchFailed('unknown', `the write to ${this.key} may or may not have landed (${outcome.detail})`);
      } else stats.conflicts++;
      snapshot = this.cached = null;
      if (outcome.kind === 'conflict') await (opts.sleep ?? delay)(backoff(attempt));
    }
  }

  /** The batch's answer: its replies, and the keyspace's counts for INFO. */
  private response(req: LocalBatchRequest, stats: BatchStats, localNow: number, replies: Reply[][], doc: Document, changed?: string[]): LocalBatchResponse {
    stats.keys = doc.size;
    stats.usedBytes = doc.usedBytes;
    stats.keyspace = doc.keyspaceStats(Math.max(doc.clock, localNow));
    if (this.folder.wanted(doc)) stats.foldWanted = true;
    const sessions = req.sessions.map((s, i) => ({ id: s.id, replies: replies[i] ?? [] }));
    // What the commit changed wakes blocked clients (BLPOP …) at once rather than at their next poll.
    return { v: CONTRACT_VERSION, batchId: req.batchId, ok: true, sessions, stats, ...(changed !== undefined && changed.length > 0 ? { changed } : {}) };
  }

  private inputOf(req: LocalBatchRequest): AttemptInput {
    return {
      store: this.opts.store,
      key: this.key,
      batchId: req.batchId,
      sessions: req.sessions.map((s) => s.commands),
      dbs: req.sessions.map((s) => s.db ?? 0),
      localNow: this.now(),
      unsafeLocalExpiry: this.opts.unsafeLocalExpiry === true,
      unsafeIgnoreWatch: this.opts.unsafeIgnoreWatch === true,
      window: this.opts.window ?? (this.window ? LOCAL_WINDOW : DEFAULT_WINDOW),
      sent: new Map(),
      origins: req.sessions.some((s) => s.origin !== undefined) ? req.sessions.map((s) => s.origin) : undefined,
      scriptTimeoutMs: this.opts.scriptTimeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS,
      deltas: req.deltas?.map(fromLocalDelta),
      fence: req.fence === true,
    };
  }

  /** Reads db.json, or confirms the cached copy with If-None-Match (a 304 costs no transfer). */
  private async load(stats: BatchStats): Promise<Snapshot> {
    const prior = this.useCache ? this.cached : null;
    stats.s3Gets++;
    const got = await this.opts.store.get(this.key, prior?.etag ? { ifNoneMatch: prior.etag } : undefined).catch((e: Error) => {
      throw new BatchFailed('not-applied', `cannot read ${this.key}: ${e.message}`);
    });
    if (got.status === 'not-modified' && prior) return prior;
    let doc: Document;
    try {
      doc = got.status === 'found' ? Document.decode(got.body, this.window) : Document.empty(this.window);
    } catch (e) {
      if (e instanceof UnknownFormatError || e instanceof CorruptDocumentError) throw new BatchFailed('not-applied', e.message);
      throw e;
    }
    doc.maxBytes = this.opts.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
    this.cached = { doc, etag: got.status === 'found' ? got.etag : null };
    return this.cached;
  }

  /** The storage safety check, once, before the first write this instance makes. */
  private async ensureChecked(doc: Document): Promise<void> {
    if (this.checked || !this.opts.beforeFirstWrite) return;
    await this.opts.beforeFirstWrite().catch((e: Error) => {
      doc.rollback();
      throw new BatchFailed('not-applied', e.message);
    });
    this.checked = true;
  }
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Full jitter, capped: spreads out writers that just collided. */
function backoff(attempt: number): number {
  return Math.random() * Math.min(200, 5 * 2 ** attempt);
}
