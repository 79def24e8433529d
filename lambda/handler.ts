/**
 * The handler: runs one batch against db.json with optimistic concurrency.
 *
 *   snapshot (cached, or read with its ETag) → engine → one conditional PUT
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
import { randomBytes } from 'node:crypto';
import {
  CONTRACT_VERSION,
  LAMBDA_PAYLOAD_LIMIT,
  PAYLOAD_ENVELOPE_RESERVE,
  decodeArg,
  failureReply,
  type BatchRequest,
  type BatchResponse,
  type BatchStats,
  type FailureKind,
  type WireReply,
} from './contract';
import { CorruptDocumentError, DEFAULT_MAX_DOCUMENT_BYTES, DEFAULT_WINDOW, Document, UnknownFormatError, type CommitRecord, type StoredReplies, type WindowPolicy } from './document';
import { execute } from './engine';
import { lookupCommand } from './commands';
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
  /** Called once before the first write (the storage safety check). */
  beforeFirstWrite?: () => Promise<void>;
  /** Milliseconds left before the caller gives up (Lambda's remaining time). */
  remainingMs?: () => number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type BatchHandler = (req: BatchRequest) => Promise<BatchResponse>;

const REPLY_BUDGET = LAMBDA_PAYLOAD_LIMIT - PAYLOAD_ENVELOPE_RESERVE;
/** Stop starting new attempts when less time than this is left. */
const ATTEMPT_RESERVE_MS = 1500;

class BatchFailed extends Error {
  constructor(readonly kind: FailureKind, message: string) {
    super(message);
  }
}

export function createHandler(opts: HandlerOptions): BatchHandler {
  const store = opts.store;
  const key = opts.key ?? 'db.json';
  const maxBytes = opts.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const maxAttempts = opts.maxAttempts ?? 10;
  const window = opts.window ?? DEFAULT_WINDOW;
  const useCache = opts.cache ?? true;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const remainingMs = opts.remainingMs ?? (() => Infinity);

  /** The warm cache: a snapshot and the ETag S3 gave it (null etag: absent). */
  let cached: { doc: Document; etag: string | null } | null = null;
  let checked = !opts.beforeFirstWrite;
  /** One batch at a time per instance, as in a Lambda execution environment. */
  let queue: Promise<unknown> = Promise.resolve();

  async function load(stats: BatchStats): Promise<{ doc: Document; etag: string | null }> {
    const prior = useCache ? cached : null;
    stats.s3Gets++;
    const got = await store.get(key, prior?.etag ? { ifNoneMatch: prior.etag } : undefined).catch((e: Error) => {
      throw new BatchFailed('not-applied', `cannot read ${key}: ${e.message}`);
    });
    if (got.status === 'not-modified' && prior) return prior;
    let doc: Document;
    try {
      doc = got.status === 'found' ? Document.decode(got.body) : Document.empty();
    } catch (e) {
      if (e instanceof UnknownFormatError || e instanceof CorruptDocumentError) throw new BatchFailed('not-applied', e.message);
      throw e;
    }
    doc.maxBytes = maxBytes;
    cached = { doc, etag: got.status === 'found' ? got.etag : null };
    return cached;
  }

  async function run(req: BatchRequest): Promise<BatchResponse> {
    const stats: BatchStats = { s3Gets: 0, s3Puts: 0, conflicts: 0, keys: 0, replayed: false };
    const sessions = req.sessions.map((s) => s.commands.map((argv) => argv.map(decodeArg)));
    const hasWrites = sessions.some((cmds) => cmds.some((argv) => argv.length > 0 && lookupCommand(argv[0])?.write === true));
    /** Replies of each attempt that sent a PUT, by the token it recorded. */
    const attempts = new Map<string, WireReply[][]>();
    let ambiguous = false;
    let snapshot = useCache && cached && hasWrites ? cached : null;
    let fresh = false;

    const done = (replies: WireReply[][], doc: Document): BatchResponse => {
      stats.keys = doc.size;
      return { v: CONTRACT_VERSION, batchId: req.batchId, ok: true, sessions: req.sessions.map((s, i) => ({ id: s.id, replies: replies[i] ?? [] })), stats };
    };

    try {
      for (let attempt = 1; ; attempt++) {
        if (!snapshot) {
          snapshot = await load(stats);
          fresh = true;
        }
        const { doc, etag } = snapshot;
        const landed = doc.hasCommit(req.batchId);
        if (landed) {
          stats.replayed = true;
          return done(attempts.get(landed.a ?? '') ?? replayStored(landed, sessions), doc);
        }
        if (attempt > maxAttempts) {
          throw new BatchFailed(ambiguous ? 'unknown' : 'not-applied', `db.json is contended; gave up after ${attempt - 1} attempts`);
        }
        if (remainingMs() < ATTEMPT_RESERVE_MS) {
          throw new BatchFailed(ambiguous ? 'unknown' : 'not-applied', `the function is about to time out after ${attempt - 1} attempts`);
        }
        doc.trimCommits(now(), window);
        doc.begin();
        const result = execute(doc, sessions, REPLY_BUDGET);
        if (doc.mark() === 0) {
          // Nothing changed: the replies stand once the snapshot is known current.
          doc.rollback();
          if (fresh) return done(result.replies, doc);
          snapshot = await load(stats);
          fresh = true;
          if (snapshot.doc === doc) return done(result.replies, doc);
          continue;
        }
        if (!checked && opts.beforeFirstWrite) {
          await opts.beforeFirstWrite().catch((e: Error) => {
            doc.rollback();
            throw new BatchFailed('not-applied', e.message);
          });
          checked = true;
        }
        const token = randomBytes(6).toString('base64url');
        doc.recordCommit({ id: req.batchId, at: now(), a: token, r: storedReplies(sessions, result.replies) });
        const body = doc.encode();
        attempts.set(token, result.replies);
        stats.s3Puts++;
        const put = await store.put(key, body, etag === null ? { ifNoneMatch: '*' } : { ifMatch: etag }).catch((e: Error) => {
          doc.rollback();
          throw new BatchFailed('not-applied', e.message);
        });
        if (put.status === 'ok') {
          doc.release();
          cached = { doc, etag: put.etag };
          return done(result.replies, doc);
        }
        doc.rollback();
        if (put.status === 'unknown') {
          ambiguous = true;
          if (opts.exactlyOnce === false) throw new BatchFailed('unknown', `the write to ${key} may or may not have landed (${put.detail})`);
        } else stats.conflicts++;
        // Someone else wrote, or we cannot tell whether we did: read again and
        // let the commit window decide (top of the loop).
        snapshot = null;
        cached = null;
        if (put.status === 'conflict') await sleep(backoff(attempt));
      }
    } catch (e) {
      if (!(e instanceof BatchFailed)) {
        // A bug mid-batch may leave the cached document mid-transaction:
        // forget it, so no later batch serves or commits half of this one.
        cached = null;
        throw e;
      }
      return { v: CONTRACT_VERSION, batchId: req.batchId, ok: false, failure: { kind: ambiguous ? 'unknown' : e.kind, message: e.message }, stats };
    }
  }

  return (req) => {
    const invalid = validate(req);
    if (invalid) return Promise.resolve({ v: CONTRACT_VERSION, batchId: String((req as { batchId?: unknown })?.batchId ?? ''), ok: false, failure: { kind: 'not-applied', message: invalid } });
    const next = queue.then(() => run(req));
    queue = next.catch(() => undefined);
    return next;
  };
}

/** Full jitter, capped: spreads out writers that just collided. */
function backoff(attempt: number): number {
  return Math.random() * Math.min(200, 5 * 2 ** attempt);
}

/** What a commit keeps of its replies: the writes' (small); reads are not kept. */
function storedReplies(sessions: Buffer[][][], replies: WireReply[][]): StoredReplies {
  return replies.map((rs, i) =>
    rs.map((r, j) => {
      if (!lookupCommand(sessions[i][j][0] ?? '')?.write) return null;
      if (r.t === 'simple') return `+${r.v}`;
      if (r.t === 'error') return `-${r.v}`;
      if (r.t === 'int') return r.v;
      return null;
    }),
  );
}

/**
 * Replies of a batch that an earlier invocation committed. Write replies come
 * from the commit record; reads were not kept. Once a record is old enough to
 * have lost its replies, even how many commands it covered is unknown, so
 * every command is answered "outcome unknown" (never re-run: that would apply
 * the batch twice).
 */
function replayStored(rec: CommitRecord, sessions: Buffer[][][]): WireReply[][] {
  const lost = failureReply({ kind: 'unknown', message: 'the batch was committed by an earlier attempt whose replies were not kept' });
  if (rec.r.length === 0) return sessions.map((cmds) => cmds.map(() => lost));
  return sessions.map((_, i) =>
    (rec.r[i] ?? []).map((x): WireReply => {
      if (typeof x === 'number') return { t: 'int', v: x };
      if (typeof x === 'string') return x.startsWith('+') ? { t: 'simple', v: x.slice(1) } : { t: 'error', v: x.slice(1) };
      return lost;
    }),
  );
}

function validate(req: unknown): string | null {
  const r = req as Partial<BatchRequest> | null;
  if (typeof r !== 'object' || r === null) return 'request is not an object';
  if (r.v !== CONTRACT_VERSION) return `contract version ${JSON.stringify(r.v)} is not supported (this handler speaks ${CONTRACT_VERSION})`;
  if (typeof r.batchId !== 'string' || r.batchId.length === 0 || r.batchId.length > 128) return 'batchId must be a non-empty string';
  if (!Array.isArray(r.sessions)) return 'sessions must be an array';
  for (const s of r.sessions) {
    if (typeof s?.id !== 'string' || !Array.isArray(s.commands)) return 'malformed session';
    for (const c of s.commands) if (!Array.isArray(c) || c.some((a) => typeof a !== 'string')) return 'malformed command';
  }
  return null;
}

// ---- The Lambda entry point --------------------------------------------------

import { openStorage, storageSettingsFromEnv } from './config';
import { createMetrics, measureDocument, publishBatchMetrics } from './metrics';

let lambdaInstance: BatchHandler | undefined;
let lambdaContext: { getRemainingTimeInMillis(): number } | undefined;
let lambdaMetrics: ReturnType<typeof createMetrics> | undefined;
let documentBytes: () => number | null = () => null;

/** AWS Lambda's entry (NodejsFunction `lambda/handler.ts`, export `handler`). */
export async function handler(event: BatchRequest, context?: { getRemainingTimeInMillis(): number }): Promise<BatchResponse> {
  lambdaContext = context;
  if (!lambdaInstance) {
    const { options } = openStorage(storageSettingsFromEnv());
    // The store is observed from outside for the DocumentBytes metric.
    const measured = measureDocument(options.store, options.key ?? 'db.json');
    documentBytes = measured.bytes;
    lambdaMetrics = createMetrics();
    // The module stays loaded between invocations: its cache is the warm cache.
    lambdaInstance = createHandler({ ...options, store: measured.store, remainingMs: () => lambdaContext?.getRemainingTimeInMillis() ?? Infinity });
  }
  const started = performance.now();
  const res = await lambdaInstance(event);
  // CloudWatch EMF on stdout, one record per batch (lambda/metrics.ts).
  if (lambdaMetrics) publishBatchMetrics(lambdaMetrics, { req: event, res, durationMs: performance.now() - started, documentBytes: documentBytes() });
  return res;
}
