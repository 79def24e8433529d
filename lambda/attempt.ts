/**
 * One attempt at a batch: execute on a snapshot, decide whether there is
 * anything to commit, and if so make the one conditional write.
 *
 * An attempt never retries and never re-reads; it says what happened and the
 * loop in handler.ts decides what comes next. Whatever it returns, the
 * snapshot's open transaction is closed: released if the write landed,
 * rolled back otherwise, so the cached document always equals what S3 holds.
 */
import { randomBytes } from 'node:crypto';
import { LAMBDA_PAYLOAD_LIMIT, PAYLOAD_ENVELOPE_RESERVE, type Reply } from './contract';
import type { Document, WindowPolicy } from './document';
import { compactMarks, keyMark } from './changes';
import { execute } from './engine';
import { PageError } from './pages/codec';
import type { AppliedDelta } from './pages/fold';
import { storedReplies } from './replay';
import { StoreError, type ObjectStore } from './store/types';

/** A document as read, with the ETag S3 gave it (null: the object does not exist). */
export interface Snapshot {
  doc: Document;
  etag: string | null;
}

export type AttemptOutcome =
  /** The write landed: `etag` is the new document's; `folds` what became of the request's fold deltas. */
  | { kind: 'committed'; replies: Reply[][]; etag: string; folds: { applied: number; dropped: number } }
  /** Nothing changed: the replies stand once the snapshot is known to be current. */
  | { kind: 'unchanged'; replies: Reply[][] }
  /** Another writer got there first. */
  | { kind: 'conflict' }
  /** The write may or may not have landed; `token` names it in the commit window. */
  | { kind: 'unknown'; detail: string }
  /** The store refused the write outright: nothing landed. */
  | { kind: 'refused'; detail: string };

export interface AttemptInput {
  /** Time the batch's scripts may run together in one attempt (ms). */
  scriptTimeoutMs?: number;
  store: ObjectStore;
  key: string;
  batchId: string;
  sessions: Buffer[][][];
  /** Each session's database. */
  dbs: number[];
  /** This environment's clock, read once for the batch (Unix ms). */
  localNow: number;
  /** Test only: see HandlerOptions.unsafeLocalExpiry. */
  unsafeLocalExpiry: boolean;
  /** Test only: see HandlerOptions.unsafeIgnoreWatch. */
  unsafeIgnoreWatch?: boolean;
  window: WindowPolicy;
  /** Replies of every attempt that sent a PUT, by the token its commit records. */
  sent: Map<string, Reply[][]>;
  /** Per session: the batch id another proxy first sent it under (SessionCommands.origin), if forwarded. */
  origins?: (string | undefined)[];
  /**
   * Sessions of forwarded batches that already landed, with their stored
   * replies: this attempt runs nothing for them (their commands are empty
   * in `sessions`) and records no origin for them.
   */
  skipped?: Map<number, Reply[]>;
  /** BatchRequest.fence: the batch commits (its id recorded) even when it changes nothing. */
  fence?: boolean;
  /** Fold deltas the commit applies (or drops when stale): a batch carrying any commits, so they are never left pending. */
  deltas?: AppliedDelta[];
  /** Runs just before the PUT, after every write of the commit (the inline fold, handler.ts); throws StoreError or PageError to refuse it. */
  beforePut?: (doc: Document) => Promise<void>;
}

/** The attempt's replies with the skipped sessions' stored ones in their places. */
export function withSkipped(replies: Reply[][], skipped: Map<number, Reply[]> | undefined): Reply[][] {
  return skipped === undefined || skipped.size === 0 ? replies : replies.map((r, i) => skipped.get(i) ?? r);
}

/** The forwarded batches this commit lands: origin id → its session indexes. */
function originsOf(input: AttemptInput): Record<string, number[]> | undefined {
  let o: Record<string, number[]> | undefined;
  input.origins?.forEach((id, i) => {
    if (id === undefined || input.skipped?.has(i)) return;
    o ??= {};
    (o[id] ??= []).push(i);
  });
  return o;
}

const REPLY_BUDGET = LAMBDA_PAYLOAD_LIMIT - PAYLOAD_ENVELOPE_RESERVE;
/** Expired keys one commit removes at most: bounded work, and enough to keep up with any write rate that sets TTLs. */
export const ACTIVE_EXPIRY_PER_COMMIT = 32;

export interface Applied {
  replies: Reply[][];
  /** Whether there is anything to commit; if so the transaction is still open. */
  changed: boolean;
  /** The clock the batch ran at. */
  now: number;
  /** What the batch changed and what it removed as expired (change marks), for the commit record. */
  changes: string[];
  expired: string[];
}

/**
 * Runs the batch on `snap` inside a transaction. Its clock is the later of
 * this environment's and the document's (the highest any commit used), so
 * time never runs backwards in the document's history. If an answer relied
 * on this batch's clock alone (a key seen expired that the document's clock
 * has not passed), the batch must commit that clock: otherwise a later batch
 * on a slower clock could see the key again.
 */
export function apply(snap: Snapshot, input: AttemptInput): Applied {
  const { doc } = snap;
  // By the document's clock, not this one: a fast clock must not drop records early.
  doc.trimCommits(doc.clock, input.window);
  const now = Math.max(doc.clock, input.localNow);
  doc.begin();
  const result = execute(doc, input.sessions, { now, dbs: input.dbs, replyBudget: REPLY_BUDGET, unsafeIgnoreWatch: input.unsafeIgnoreWatch, scriptTimeoutMs: input.scriptTimeoutMs });
  if (result.touched.clockAdvanced && !input.unsafeLocalExpiry) doc.clock = now;
  // A fenced batch commits even when it changed nothing: its id must be in the window (BatchRequest.fence).
  const changed = doc.mark() > 0 || (input.deltas !== undefined && input.deltas.length > 0) || input.fence === true;
  if (!changed) doc.rollback();
  return { replies: result.replies, changed, now, changes: result.touched.changes, expired: result.touched.expired };
}

/**
 * The conditional write of a document `apply` changed. The commit records the
 * batch id and a token naming this attempt: after an ambiguous outcome a
 * re-read tells whether the batch landed, and by which attempt's replies.
 */
export async function commit(snap: Snapshot, { replies, now, changes, expired }: Applied, input: AttemptInput): Promise<AttemptOutcome> {
  const { doc, etag } = snap;
  const token = randomBytes(6).toString('base64url');
  // Every commit is one step of the document's history: a sequence number
  // (per-key stamps for WATCH) and a clock no later batch may run behind.
  doc.seq += 1;
  doc.clock = Math.max(doc.clock, now);
  // Active expiry, as Redis's: each commit removes a few keys past their
  // deadline, so expired keys do not pile up in db.json. (The rest stay
  // invisible to every command until a later commit removes them.)
  const removed = [...expired];
  for (const { db, key } of doc.expiredKeys(doc.clock, ACTIVE_EXPIRY_PER_COMMIT)) {
    doc.delete(key, db);
    removed.push(keyMark(db, key));
  }
  // What changed rides in the record: WATCH reads it (lambda/transaction.ts).
  const x = compactMarks(removed);
  const o = originsOf(input);
  doc.recordCommit({ id: input.batchId, at: now, a: token, r: storedReplies(input.sessions, replies), c: compactMarks(changes), ...(x.length > 0 ? { x } : {}), ...(o ? { o } : {}) });
  input.sent.set(token, withSkipped(replies, input.skipped));
  // Last, after every write of this commit: a delta applied before a write
  // would leave that write's record with what was below before the fold.
  const folds = { applied: 0, dropped: 0 };
  for (const d of input.deltas ?? []) folds[doc.applyDelta(d, doc.clock) ? 'applied' : 'dropped']++;
  // Retired-page records past the horizon go (layout.ts §8): the GC's orphan rule covers those pages now.
  doc.trimRetired(doc.clock);
  try {
    await input.beforePut?.(doc);
  } catch (e) {
    doc.rollback();
    // A page that could not be made or read refuses the commit; anything else
    // (a bug, a crash) must not pass for an answer: the handler drops its state.
    if (e instanceof StoreError || e instanceof PageError) return { kind: 'refused', detail: e.message };
    throw e;
  }
  let put;
  try {
    put = await input.store.put(input.key, doc.encode(), etag === null ? { ifNoneMatch: '*' } : { ifMatch: etag });
  } catch (e) {
    doc.rollback();
    return { kind: 'refused', detail: (e as Error).message };
  }
  if (put.status === 'ok') {
    doc.release();
    return { kind: 'committed', replies: withSkipped(replies, input.skipped), etag: put.etag, folds };
  }
  doc.rollback();
  return put.status === 'unknown' ? { kind: 'unknown', detail: put.detail } : { kind: 'conflict' };
}
