/**
 * The database in memory: entries by key in 16 numbered databases, the
 * document's clock and commit counter, and the commit window, with
 * transactions that undo in place (document-journal.ts). The db.json format
 * is described in document-format.ts, a database's keyspace in
 * document-keyspace.ts, its incremental encoding in document-pages.ts, its
 * TTL index in document-ttl.ts, the commit window in document-commits.ts.
 */
import { CommitWindow } from './document-commits';
import { decodeEntry } from './document-decode';
import { checkDb, CorruptDocumentError, DB_COUNT, envelopeBytes, head, ownEntry, OutOfMemoryError, PAGED_FORMAT, parseBody, type Entry, type RawDb } from './document-format';
import { encodeKeyspaces, frameBytes, Keyspace, newKeyspaces, openBytes, type Keyspaces } from './document-keyspace';
import { PagedOps } from './document-paged-ops';
import { assemble, keyOf, newSlot, slotBytes, type Slot } from './document-pages';
import { avgTtl, scanExpired, type TtlIndex } from './document-ttl';

export { DEFAULT_WINDOW, type CommitRecord, type StoredReplies, type StoredReply, type WindowPolicy } from './document-commits';
export {
  CorruptDocumentError,
  DB_COUNT,
  entryOf,
  FORMAT_VERSION,
  OutOfMemoryError,
  PAGED_FORMAT,
  READABLE_FORMATS,
  UnknownFormatError,
  type AggregateType,
  type Entry,
  type EntryMeta,
  type EntryType,
  type HashEntry,
  type ListEntry,
  type SetEntry,
  type StreamEntry,
  type StringEntry,
  type ValueOf,
  type ZSetEntry,
} from './document-format';
export * from './document-values';
export { FieldMap, FieldMapDraft, Seq } from './document-chunks';
export { NotResolvedError, type Want } from './document-unresolved';

/** Default cap on the database (VALTHREE_MAXMEMORY): root and pages, as usedBytes counts them (layout.ts). */
export const DEFAULT_MAX_DOCUMENT_BYTES = 1024 * 1024 * 1024;

/** A key past its deadline, and its database. */
export interface ExpiredKey {
  db: number;
  key: Buffer;
}

/** One line of INFO keyspace: `db<n>:keys=..,expires=..,avg_ttl=..`. */
export interface KeyspaceStats {
  db: number;
  keys: number;
  /** Keys with a TTL, including those past it and not yet removed (as Redis counts them). */
  expires: number;
  /** Mean remaining TTL (ms) of keys with one, 0 when none: see avgTtl() in document-ttl.ts. */
  avgTtl: number;
}

const ASCII = /^[\x00-\x7f]*$/;

export class Document extends PagedOps {
  /** Reused by encode(): see there. */
  private arena: Buffer | null = null;

  /**
   * `window`: an in-memory commit window (not persisted) to use instead of
   * one of its own, shared by the handlers of a sole-writer store (see
   * LOCAL_WINDOW): db.json then carries no commit records.
   */
  static empty(window?: CommitWindow): Document {
    const doc = new Document();
    if (window) doc.window = window;
    return doc;
  }

  /** Reads format 1 (as clock 0, seq 0, plain strings, db 0 only), 2 (strings only), 3 or 4 (paged); the next encode() writes 3 unless a database is paged. */
  static decode(body: Buffer, window?: CommitWindow): Document {
    const raw = parseBody(body);
    const doc = new Document();
    doc.clockMs = raw.clock;
    doc.seqNo = raw.seq;
    doc.load(raw, raw.format);
    for (const db of raw.dbs) doc.load(db, raw.format);
    if (raw.paged) doc.loadPaged(raw.paged.pages, raw.paged.retired);
    // A key inline and paged at once would have two values.
    for (let db = 0; db < DB_COUNT; db++) if (doc.isPaged(db) && doc.dbs[db]?.count) throw new CorruptDocumentError(`db.json: database ${db} is paged and has inline entries too`);
    if (!window) doc.window = CommitWindow.decode(raw.commits, raw.seq);
    else {
      // Records a body still carries (written before its window moved to
      // memory) seed an empty shared window; later commits write none.
      if (window.size === 0) CommitWindow.decode(raw.commits, raw.seq, window);
      doc.window = window;
    }
    doc.bytes = body.length - doc.sectionBytes();
    return doc;
  }

  /** Adds a database's entries while decoding (no undo, no size check). */
  private load(raw: RawDb, format: number): void {
    // Each entry's size stays unknown: the body's length gives the total.
    const ks = (this.dbs[raw.db] ??= new Keyspace(undefined));
    for (const [k, v] of Object.entries(raw.data)) {
      // An ASCII key is its own latin1 form: skip the round trip through a Buffer.
      ks.load(ASCII.test(k) ? k : keyOf(Buffer.from(k, 'utf8')), newSlot(decodeEntry(v, format, 'data', k, raw.db)));
    }
    for (const [k, v] of Object.entries(raw.data64)) {
      ks.load(keyOf(Buffer.from(k, 'base64')), newSlot(decodeEntry(v, format, 'data64', k, raw.db)));
    }
  }

  /** Keys in every database. */
  get size(): number {
    let n = 0;
    for (let db = 0; db < DB_COUNT; db++) n += this.sizeOf(db);
    return n;
  }

  /** Keys in database `db` (DBSIZE); a paged one's from its root part alone. */
  sizeOf(db: number): number {
    return this.isPaged(checkDb(db)) ? this.pagedSize(db) : (this.dbs[db]?.count ?? 0);
  }

  /** The key's entry, as stored: never modify it (its encoding is cached); put() a new one. In a paged database, NotResolvedError unless resolved. */
  entry(key: Buffer, db = 0): Readonly<Entry> | undefined {
    const k = keyOf(key);
    this.needResolved(checkDb(db), k);
    return this.dbs[db]?.slot(k)?.e;
  }

  /** The value of a string key (undefined for another type). Expiry is not applied here: the document has no notion of now. */
  get(key: Buffer, db = 0): Buffer | undefined {
    const e = this.entry(key, db);
    return e?.type === 'string' ? e.value : undefined;
  }

  has(key: Buffer, db = 0): boolean {
    return this.entry(key, db) !== undefined;
  }

  /**
   * Every key of database `db`, in no particular order. Deleting a key already
   * yielded is safe while iterating; keys written meanwhile may or may not be yielded.
   */
  *keys(db = 0): IterableIterator<Buffer> {
    // A paged database's keys are all here only once it is resolved whole (KEYS); SCAN and RANDOMKEY read ranges (scanRun, pickKeys).
    this.needResolved(checkDb(db), undefined);
    const ks = this.dbs[db];
    if (ks) for (const p of ks.pages) for (const k of p.entries.keys()) yield Buffer.from(k, 'latin1');
  }

  /** Replaces the key's whole entry (value, expiry, stamp) with a copy of `entry`. */
  put(key: Buffer, entry: Readonly<Entry>, db = 0): void {
    checkDb(db);
    this.store(db, keyOf(key), newSlot(ownEntry(entry)));
  }

  /** Sets a string value. As in Redis, a new value drops the TTL unless keepTtl. */
  set(key: Buffer, value: Buffer, opts?: { keepTtl?: boolean }, db = 0): void {
    const k = keyOf(key);
    const expiresAt = opts?.keepTtl ? this.entry(key, db)?.expiresAt : undefined;
    // Copy: the caller's buffer may be a view into a larger request buffer.
    const e: Entry = { type: 'string', value: Buffer.from(value) };
    if (expiresAt !== undefined) e.expiresAt = expiresAt;
    this.store(checkDb(db), k, newSlot(e));
  }

  private store(db: number, k: string, slot: Slot): void {
    if (this.isPaged(db)) return this.pagedStore(db, k, slot);
    const ks = (this.dbs[db] ??= new Keyspace());
    const prev = ks.slot(k);
    // A database's first key also brings its section of `dbs`.
    const frame = ks.count === 0 ? openBytes(this.inline(), db) : 0;
    const grow = slotBytes(k, slot) - (prev ? slotBytes(k, prev) : 0) + frame;
    // The commit window (ids and kept replies) is valthree's, not the user's: it does not count.
    if (grow > 0 && this.usedBytes + grow > this.maxBytes) throw new OutOfMemoryError();
    this.log({ op: 'entry', ks, key: k, prev, bytes: this.bytes });
    this.bytes += grow;
    ks.place(k, slot);
  }

  delete(key: Buffer, db = 0): boolean {
    const k = keyOf(key);
    if (this.entry(key, db) === undefined) return false;
    if (this.isPaged(db)) {
      this.pagedStore(db, k, undefined);
      return true;
    }
    const ks = this.dbs[db] as Keyspace;
    const prev = ks.slot(k) as Slot;
    this.log({ op: 'entry', ks, key: k, prev, bytes: this.bytes });
    this.bytes -= slotBytes(k, prev);
    ks.place(k, undefined);
    // Its last key takes the database's section of `dbs` with it.
    if (ks.count === 0) this.bytes -= openBytes(this.inline(), db);
    return true;
  }

  /**
   * FLUSHDB of `db`, or without one FLUSHALL of every database; clock, seq
   * and the commit window stay. `now` dates the retirement of a paged
   * database's pages (the batch's clock).
   */
  clear(db?: number, now = this.clockMs): void {
    if (db !== undefined) return this.flush(checkDb(db), now);
    // An empty keyspace stays untouched, so FLUSHALL on it needs no commit.
    if (this.size === 0) return;
    // Every paged database's nodes first: a missing one reruns the batch before anything changed.
    for (let n = 0; n < DB_COUNT; n++) this.needNodes(n);
    if (this.pagedFormat) return [...Array(DB_COUNT).keys()].forEach((n) => this.flush(n, now));
    this.log({ op: 'dbs', prev: this.dbs, bytes: this.bytes });
    this.dbs = newKeyspaces();
    this.bytes = envelopeBytes(this.clockMs, this.seqNo) + this.window.bytes;
  }

  private flush(db: number, now: number): void {
    if (this.isPaged(db)) return this.pagedFlush(db, now);
    const ks = this.dbs[db];
    if (!ks || ks.count === 0) return;
    const alone = this.size === ks.count;
    // With other databases left, the size drops by this one's: right after a
    // decode, measuring it walks its entries once (FLUSHDB is O(n) in Redis too).
    const gone = alone ? 0 : ks.measure() + openBytes(this.inline(), db);
    this.changeDbs((dbs) => (dbs[db] = undefined));
    this.bytes = alone ? envelopeBytes(this.clockMs, this.seqNo) + this.window.bytes : this.bytes - gone;
  }

  /** SWAPDB: the two databases trade their keys, TTL index included; cached encodings move with them; a paged one its root part. */
  swapDbs(a: number, b: number): void {
    checkDb(a);
    checkDb(b);
    if (a === b || (!this.sizeOf(a) && !this.sizeOf(b))) return;
    if (this.isPaged(a) || this.isPaged(b)) return this.swapPaged(a, b);
    const before = frameBytes(this.inline());
    this.changeDbs((dbs) => ([dbs[a], dbs[b]] = [dbs[b], dbs[a]]));
    this.bytes += frameBytes(this.inline()) - before;
  }

  /** Changes a copy of the keyspace array, logging the original (16 slots: cheap). */
  private changeDbs(change: (dbs: Keyspaces) => void): void {
    this.log({ op: 'dbs', prev: this.dbs, bytes: this.bytes });
    const dbs = this.dbs.slice();
    change(dbs);
    this.dbs = dbs;
  }

  /** Keys of `db` that have a TTL, expired or not. */
  expiringCount(db: number): number {
    return this.isPaged(checkDb(db)) ? this.pagedExpires(db) : (this.dbs[db]?.ttl.size ?? 0);
  }

  /**
   * Up to `max` keys with `expiresAt < now` (at its deadline a key is still
   * alive), earliest deadline first, from `db` or, without one, from every
   * database. The work follows what it returns (see scanExpired), never the
   * number of keys: active expiry calls it on every commit. Of a paged
   * database, only its resolved keys (the others are in pages nobody read).
   */
  expiredKeys(now: number, max: number, db?: number): ExpiredKey[] {
    const indexes: { db: number; ttl: TtlIndex }[] = [];
    for (let n = db === undefined ? 0 : checkDb(db); n < (db === undefined ? DB_COUNT : db + 1); n++) {
      const ks = this.dbs[n];
      if (ks && ks.ttl.size > 0) indexes.push({ db: n, ttl: ks.ttl });
    }
    return scanExpired(indexes, now, max).map(({ db, k }) => ({ db, key: Buffer.from(k, 'latin1') }));
  }

  /** INFO keyspace: a line per database that has keys, ascending. A paged one's avg_ttl is its resolved keys' (a sample). */
  keyspaceStats(now: number): KeyspaceStats[] {
    const out: KeyspaceStats[] = [];
    for (let db = 0; db < DB_COUNT; db++) {
      const keys = this.sizeOf(db);
      const ttl = this.dbs[db]?.ttl;
      if (keys > 0) out.push({ db, keys, expires: this.expiringCount(db), avgTtl: ttl ? avgTtl(ttl, now) : 0 });
    }
    return out;
  }

  /**
   * The document's bytes: format 3 while no database is paged, else format
   * 4 (format 3's members, then `pages` and `retired`). They live in a
   * buffer this document reuses, valid until its next encode(): callers
   * that keep the bytes beyond that (a store that remembers them) copy them.
   */
  encode(): Buffer {
    const paged = this.pagedFormat;
    const parts: Buffer[] = [Buffer.from(head(this.clockMs, this.seqNo, this.window.encode(), paged ? PAGED_FORMAT : undefined))];
    const section = paged ? this.section() : undefined;
    encodeKeyspaces(this.inline(), parts, section);
    const { arena, body } = assemble(parts, this.arena);
    this.arena = arena;
    // `bytes` counts the inline part; the section's size is the logs' running one.
    this.bytes = body.length - (section === undefined ? 0 : Buffer.byteLength(section));
    return body;
  }
}
