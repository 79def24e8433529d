/**
 * What a Document keeps besides its entries' API: the keyspaces, clock, seq,
 * commit window and size estimate, and the undo log that lets a batch run on
 * the cached document in place.
 */
import { CommitWindow, DEFAULT_WINDOW, type CommitRecord, type WindowPolicy } from './document-commits';
import { checkCounter, envelopeBytes } from './document-format';
import { newKeyspaces, type Keyspace, type Keyspaces } from './document-keyspace';
import type { Slot } from './document-pages';
import type { Rec } from './pages/codec';
import type { Log } from './pages/log';

/**
 * Each undo record holds the size estimate from before its change. An entry
 * record names its keyspace, not its db number: records undo newest first,
 * so the keyspace is where it was when the record was written.
 */
export type Undo =
  | { op: 'entry'; ks: Keyspace; key: string; prev: Slot | undefined; bytes: number }
  /** A paged database's log record of `key` before a write (a log keeps its own size). */
  | { op: 'rec'; log: Log; key: string; prev: Rec | undefined; bytes: number }
  | { op: 'dbs'; prev: Keyspaces; bytes: number }
  /** The paged part replaced whole (a fold's delta, a database paged): `undo` puts the previous one back. */
  | { op: 'paged'; undo: () => void; bytes: number }
  | { op: 'commit'; bytes: number }
  | { op: 'meta'; clock: number; seq: number; bytes: number };

export abstract class Journal {
  /** By db number; a database that never had a key has no keyspace yet. */
  protected dbs: Keyspaces = newKeyspaces();
  protected window = new CommitWindow();
  /**
   * A commit's record while its write is in flight, when the window is an
   * in-memory one shared with other handlers: it joins the window only once
   * the write landed (release), so no one reads a commit that may fail.
   */
  private pending: CommitRecord | null = null;
  protected clockMs = 0;
  protected seqNo = 0;
  /** Running estimate of the encoded size, kept exact for changed entries. */
  protected bytes = envelopeBytes(0, 0);
  /** Refuse writes that would grow the document past this many bytes. */
  maxBytes = Infinity;
  /** Open transaction's undo log (null: no transaction). */
  protected undo: { log: Undo[]; bytes: number; seq: number } | null = null;

  /** Logs a change about to be made (no transaction: nothing to log). */
  protected log(u: Undo): void {
    this.undo?.log.push(u);
  }

  /**
   * Transactions let a batch run on the cached document in place: if the
   * commit fails, rollback() restores exactly the state S3 holds, without the
   * cost of copying a large document for every batch.
   */
  begin(): void {
    this.undo = { log: [], bytes: this.bytes, seq: this.seqNo };
  }

  /** A point to roll back to within the open transaction; 0 while nothing changed. */
  mark(): number {
    return this.undo ? this.undo.log.length : 0;
  }

  rollback(to = 0): void {
    if (!this.undo) return;
    const log = this.undo.log;
    while (log.length > to) this.revert(log.pop() as Undo);
    if (to === 0) {
      this.bytes = this.undo.bytes;
      this.undo = null;
    }
  }

  private revert(u: Undo): void {
    this.bytes = u.bytes;
    if (u.op === 'entry') u.ks.place(u.key, u.prev);
    else if (u.op === 'rec') u.log.put(u.key, u.prev);
    // The keyspaces before a clear or swap were never touched since: their caches still hold.
    else if (u.op === 'dbs') this.dbs = u.prev;
    else if (u.op === 'paged') u.undo();
    else if (u.op === 'commit') {
      if (this.window.persisted) this.window.pop();
      else this.pending = null;
    }
    else {
      this.clockMs = u.clock;
      this.seqNo = u.seq;
    }
  }

  /** Keep the transaction's changes. */
  release(): void {
    this.undo = null;
    if (this.pending) this.window.push(this.pending, this.seqNo);
    this.pending = null;
  }

  /** Undoes back to `mark`, keeping the transaction open (rollback(0) would end it). */
  undoTo(mark: number): void {
    if (!this.undo) return;
    if (mark > 0) return this.rollback(mark);
    this.rollback();
    this.begin();
  }

  /**
   * The seq of the commit that will land this transaction's writes: one
   * past the seq it began at (the commit raises seq once, before or after
   * some of its writes: active expiry runs after). A paged database's log
   * records carry it, and a fold tells a record rewritten since by it.
   */
  protected get commitSeq(): number {
    return (this.undo?.seq ?? this.seqNo) + 1;
  }

  /** Estimated encoded size (exact right after decode or encode): what the size cap checks. */
  get approxBytes(): number {
    return this.bytes;
  }

  /** The highest clock (ms) any commit used; 0 when unknown. */
  get clock(): number {
    return this.clockMs;
  }

  set clock(ms: number) {
    this.setMeta(checkCounter(ms, 'clock'), this.seqNo);
  }

  /** The commit sequence counter: entries' stamps refer to it. */
  get seq(): number {
    return this.seqNo;
  }

  set seq(n: number) {
    this.setMeta(this.clockMs, checkCounter(n, 'seq'));
  }

  private setMeta(clock: number, seq: number): void {
    // An unchanged value logs nothing, so that mark() still says "nothing to commit".
    if (clock === this.clockMs && seq === this.seqNo) return;
    this.log({ op: 'meta', clock: this.clockMs, seq: this.seqNo, bytes: this.bytes });
    this.bytes += envelopeBytes(clock, seq) - envelopeBytes(this.clockMs, this.seqNo);
    this.clockMs = clock;
    this.seqNo = seq;
  }

  hasCommit(id: string): CommitRecord | undefined {
    return this.window.find(id);
  }

  /**
   * Adds a batch id to the window. Old ids are trimmed only outside a
   * transaction's undo scope, i.e. at encode time of a released document.
   */
  recordCommit(rec: CommitRecord): void {
    this.log({ op: 'commit', bytes: this.bytes });
    // Outside a transaction there is nothing to wait for: it joins at once.
    if (!this.window.persisted && this.undo) return void (this.pending = rec);
    const before = this.window.bytes;
    this.window.push(rec, this.seqNo);
    this.bytes += this.window.bytes - before;
  }

  /** Drops ids older than the policy allows; the newest one always stays. */
  trimCommits(now: number, policy: WindowPolicy = DEFAULT_WINDOW): void {
    const before = this.window.bytes;
    this.window.trim(now, policy);
    this.bytes += this.window.bytes - before;
  }

  get commits(): readonly CommitRecord[] {
    return this.window.records;
  }

  /**
   * The records of the commits after commit number `seq`, oldest first, or
   * null when the window no longer reaches back that far (or `seq` is in the
   * future): then nobody can tell what changed since. The window is
   * contiguous: every commit adds one record and increments seq, and
   * trimming drops the oldest.
   */
  commitsAfter(seq: number): readonly CommitRecord[] | null {
    // A shared window may hold commits newer than this document: by number.
    if (!this.window.persisted) return this.window.between(seq, this.seqNo);
    const records = this.window.records;
    const newer = this.seqNo - seq;
    if (newer < 0 || newer > records.length) return null;
    return records.slice(records.length - newer);
  }
}
