/**
 * The database in memory: entries by key, the document's clock and commit
 * counter, and the commit window, with transactions that undo in place.
 * The db.json format is described in document-format.ts, its incremental
 * encoding in document-pages.ts, the commit window in document-commits.ts.
 */
import { CommitWindow, DEFAULT_WINDOW, type CommitRecord, type WindowPolicy } from './document-commits';
import { checkCounter, decodeEntry, envelopeBytes, head, MIDDLE, ownEntry, OutOfMemoryError, parseBody, TAIL, type Entry } from './document-format';
import { assemble, encodeSection, keyOf, newPages, newSlot, pageOf, slotBytes, type Page, type Slot } from './document-pages';

export { DEFAULT_WINDOW, type CommitRecord, type StoredReplies, type WindowPolicy } from './document-commits';
export { CorruptDocumentError, FORMAT_VERSION, OutOfMemoryError, READABLE_FORMATS, UnknownFormatError, type Entry, type EntryMeta, type EntryType, type StringEntry } from './document-format';

/** Default cap on db.json (VALTHREE_MAXMEMORY): it is read, parsed and rewritten whole. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 32 * 1024 * 1024;

/** Each undo record holds the size estimate from before its change. */
type Undo =
  | { op: 'entry'; key: string; prev: Slot | undefined; bytes: number }
  | { op: 'clear'; prev: Page[]; count: number; bytes: number }
  | { op: 'commit'; bytes: number }
  | { op: 'meta'; clock: number; seq: number; bytes: number };

const ASCII = /^[\x00-\x7f]*$/;

export class Document {
  private pages: Page[] = newPages();
  private count = 0;
  private window = new CommitWindow();
  private clockMs = 0;
  private seqNo = 0;
  /** Running estimate of the encoded size, kept exact for changed entries. */
  private bytes = envelopeBytes(0, 0);
  /** Refuse writes that would grow the document past this many bytes. */
  maxBytes = Infinity;
  /** Open transaction's undo log (null: no transaction). */
  private undo: { log: Undo[]; bytes: number } | null = null;
  /** Reused by encode(): see there. */
  private arena: Buffer | null = null;

  static empty(): Document {
    return new Document();
  }

  /** Reads format 1 (as clock 0, seq 0, plain strings) or 2; the next encode() writes 2. */
  static decode(body: Buffer): Document {
    const raw = parseBody(body);
    const doc = new Document();
    doc.clockMs = raw.clock;
    doc.seqNo = raw.seq;
    for (const [k, v] of Object.entries(raw.data)) {
      // An ASCII key is its own latin1 form: skip the round trip through a Buffer.
      doc.load(ASCII.test(k) ? k : keyOf(Buffer.from(k, 'utf8')), decodeEntry(v, raw.format, 'data', k));
    }
    for (const [k, v] of Object.entries(raw.data64)) {
      doc.load(keyOf(Buffer.from(k, 'base64')), decodeEntry(v, raw.format, 'data64', k));
    }
    doc.window = CommitWindow.decode(raw.commits);
    doc.bytes = body.length;
    return doc;
  }

  /**
   * Transactions let a batch run on the cached document in place: if the
   * commit fails, rollback() restores exactly the state S3 holds, without the
   * cost of copying a large document for every batch.
   */
  begin(): void {
    this.undo = { log: [], bytes: this.bytes };
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
    if (u.op === 'entry') {
      const page = this.page(u.key);
      const had = page.entries.has(u.key);
      if (u.prev) page.entries.set(u.key, u.prev);
      else page.entries.delete(u.key);
      this.count += (u.prev ? 1 : 0) - (had ? 1 : 0);
    } else if (u.op === 'clear') {
      // The pages before the clear were never touched since: their caches still hold.
      this.pages = u.prev;
      this.count = u.count;
    } else if (u.op === 'commit') {
      this.window.pop();
    } else {
      this.clockMs = u.clock;
      this.seqNo = u.seq;
    }
  }

  /** Keep the transaction's changes. */
  release(): void {
    this.undo = null;
  }

  /** Undoes back to `mark`, keeping the transaction open (rollback(0) would end it). */
  undoTo(mark: number): void {
    if (!this.undo) return;
    if (mark > 0) return this.rollback(mark);
    this.rollback();
    this.begin();
  }

  get size(): number {
    return this.count;
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
    this.undo?.log.push({ op: 'meta', clock: this.clockMs, seq: this.seqNo, bytes: this.bytes });
    this.bytes += envelopeBytes(clock, seq) - envelopeBytes(this.clockMs, this.seqNo);
    this.clockMs = clock;
    this.seqNo = seq;
  }

  /** The key's entry, as stored: never modify it (its encoding is cached); put() a new one. */
  entry(key: Buffer): Readonly<Entry> | undefined {
    const k = keyOf(key);
    return this.pages[pageOf(k)].entries.get(k)?.e;
  }

  /** The value of a string key. Expiry is not applied here: the document has no notion of now. */
  get(key: Buffer): Buffer | undefined {
    return this.entry(key)?.value;
  }

  has(key: Buffer): boolean {
    const k = keyOf(key);
    return this.pages[pageOf(k)].entries.has(k);
  }

  /**
   * Every key, in no particular order. Deleting a key already yielded is safe
   * while iterating; keys written meanwhile may or may not be yielded.
   */
  *keys(): IterableIterator<Buffer> {
    for (const p of this.pages) for (const k of p.entries.keys()) yield Buffer.from(k, 'latin1');
  }

  /** The page of `k`, marked stale: the caller is about to change it. */
  private page(k: string): Page {
    const page = this.pages[pageOf(k)];
    page.utf = page.bin = undefined;
    return page;
  }

  /** Adds an entry while decoding (no undo, no size check). */
  private load(k: string, e: Entry): void {
    const entries = this.pages[pageOf(k)].entries;
    if (!entries.has(k)) this.count++;
    entries.set(k, newSlot(e));
  }

  /** Replaces the key's whole entry (value, expiry, stamp) with a copy of `entry`. */
  put(key: Buffer, entry: Readonly<Entry>): void {
    this.store(keyOf(key), newSlot(ownEntry(entry)));
  }

  /** Sets a string value. As in Redis, a new value drops the TTL unless keepTtl. */
  set(key: Buffer, value: Buffer, opts?: { keepTtl?: boolean }): void {
    const k = keyOf(key);
    const expiresAt = opts?.keepTtl ? this.pages[pageOf(k)].entries.get(k)?.e.expiresAt : undefined;
    // Copy: the caller's buffer may be a view into a larger request buffer.
    const e: Entry = { type: 'string', value: Buffer.from(value) };
    if (expiresAt !== undefined) e.expiresAt = expiresAt;
    this.store(k, newSlot(e));
  }

  private store(k: string, slot: Slot): void {
    const entries = this.pages[pageOf(k)].entries;
    const prev = entries.get(k);
    const grow = slotBytes(k, slot) - (prev ? slotBytes(k, prev) : 0);
    if (grow > 0 && this.bytes + grow > this.maxBytes) throw new OutOfMemoryError();
    this.undo?.log.push({ op: 'entry', key: k, prev, bytes: this.bytes });
    this.bytes += grow;
    this.page(k).entries.set(k, slot);
    if (!prev) this.count++;
  }

  delete(key: Buffer): boolean {
    const k = keyOf(key);
    const prev = this.pages[pageOf(k)].entries.get(k);
    if (!prev) return false;
    this.undo?.log.push({ op: 'entry', key: k, prev, bytes: this.bytes });
    this.bytes -= slotBytes(k, prev);
    this.count--;
    return this.page(k).entries.delete(k);
  }

  /** Drops every key; clock, seq and the commit window stay. */
  clear(): void {
    // An empty keyspace stays untouched, so FLUSHALL on it needs no commit.
    if (this.count === 0) return;
    this.undo?.log.push({ op: 'clear', prev: this.pages, count: this.count, bytes: this.bytes });
    this.pages = newPages();
    this.count = 0;
    this.bytes = envelopeBytes(this.clockMs, this.seqNo) + this.window.bytes;
  }

  hasCommit(id: string): CommitRecord | undefined {
    return this.window.find(id);
  }

  /**
   * Adds a batch id to the window. Old ids are trimmed only outside a
   * transaction's undo scope, i.e. at encode time of a released document.
   */
  recordCommit(rec: CommitRecord): void {
    this.undo?.log.push({ op: 'commit', bytes: this.bytes });
    const before = this.window.bytes;
    this.window.push(rec);
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
   * The document's bytes, always format 2. They live in a buffer this
   * document reuses, valid until its next encode(): callers that keep the
   * bytes beyond that (a store that remembers them) copy them.
   */
  encode(): Buffer {
    const parts: Buffer[] = [Buffer.from(head(this.clockMs, this.seqNo, this.window.encode()))];
    encodeSection(this.pages, 'utf', parts);
    parts.push(Buffer.from(MIDDLE));
    encodeSection(this.pages, 'bin', parts);
    parts.push(Buffer.from(TAIL));
    const { arena, body } = assemble(parts, this.arena);
    this.arena = arena;
    this.bytes = body.length;
    return body;
  }
}
