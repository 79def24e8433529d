/**
 * A Document's paged databases (format 4; the design is lambda/pages/layout.ts).
 *
 * A paged database's entries are not in the Document: its root part (node
 * refs and inline log, pages/root.ts) is, and its keyspace holds only the
 * entries the handler resolved into it before the batch ran (§6), each with
 * what the levels under the log hold for it (`below`, the p its next record
 * gets). A write to a resolved key sets the key's log record beside the
 * keyspace's entry, both undone together; touching a key nobody resolved is
 * a NotResolvedError (the attempt loads what is missing and runs again),
 * never a guess: an unresolved key is not absent, only not read. With
 * nothing paged and no retired record, encode() writes format 3 exactly.
 */
import { DB_COUNT, OutOfMemoryError, type Entry } from './document-format';
import { Journal } from './document-journal';
import { Keyspace, openBytes, type Keyspaces } from './document-keyspace';
import { newSlot, type Slot } from './document-pages';
import { NotResolvedError } from './document-unresolved';
import type { Below, PageRef } from './pages/codec';
import type { Found } from './pages/keyspace';
import { applyFold, type AppliedDelta } from './pages/fold';
import { keyPos } from './pages/layout';
import { Log, recordBytes } from './pages/log';
import { dbSize, decodeRoot, emptyRoot, encodeRoot, expiresCount, pageBytes, type PagedRoot } from './pages/root';
import { END, Spans } from './pages/spans';
import { AggState } from './pages/agg-state';
import type { Stub } from './pages/stub';

export abstract class PagedJournal extends Journal {
  protected paged: PagedRoot = emptyRoot();
  /** Per paged database: its resolved keys and what lies under the log for each. */
  protected below: (Map<string, Below> | undefined)[] = new Array<Map<string, Below> | undefined>(DB_COUNT).fill(undefined);
  /** Per paged database: hash ranges resolved whole (every live key and every log record in them): what KEYS, SCAN and RANDOMKEY read. */
  protected spans: Spans[] = Array.from({ length: DB_COUNT }, () => new Spans());
  /** Leaf refs of the node pages the loader read, by node page name (pages never change): what FLUSHDB retires and RANDOMKEY weighs. */
  protected readonly nodeLeaves = new Map<string, readonly PageRef[]>();
  /** Per paged database, the leaf range picked for each RANDOMKEY of the batch (by its order in the run), and how often each was retried. */
  protected picks: { lo: number; hi: number; tries: number }[][] = Array.from({ length: DB_COUNT }, () => []);
  /**
   * Per database, the one it was when the transaction began (SWAPDB moves a
   * paged database's part to another number, journaled): what a
   * NotResolvedError names, since the loader reads the committed root.
   */
  protected origin: number[] = Array.from({ length: DB_COUNT }, (_, i) => i);
  /** Bytes of the paged section with every log empty (undefined: not measured since the root's shape changed). */
  protected frame: number | undefined;
  /** The open transaction replaced the paged part (a fold): what keys resolved hold below them changed. */
  private refolded = false;
  /** Big aggregates (pages/stub.ts): the stub threshold, resolved keys' origins, this transaction's stubs. */
  readonly aggs = new AggState();

  isPaged(db: number): boolean {
    return this.paged.dbs[db] !== undefined;
  }

  /** Whether encode() writes format 4: a database is paged, or retired pages are still recorded for the GC. */
  get pagedFormat(): boolean {
    return this.paged.retired.length > 0 || this.paged.dbs.some((d) => d !== undefined);
  }

  /** The paged part, for the loader (resolve, ranges) and the fold: read it, never change it. */
  get pagedRoot(): Readonly<PagedRoot> {
    return this.paged;
  }

  /** Whether `k` (latin1) of paged `db` is resolved into this snapshot. */
  resolvedKey(db: number, k: string): boolean {
    if (this.below[db]?.has(k) === true) return true;
    // A key inside a range resolved whole and not in it is absent everywhere.
    return !this.spans[db].empty && this.spans[db].covers(keyPos(k));
  }

  /** Whether all of paged `db` is resolved into this snapshot (resolveAll). */
  resolvedWhole(db: number): boolean {
    return this.spans[db].whole;
  }

  /** Keys resolved into paged databases, all of them: what a warm snapshot holds beyond its root. */
  get resolvedCount(): number {
    let n = 0;
    for (const m of this.below) n += m?.size ?? 0;
    return n;
  }

  /**
   * Resolves keys of paged `db` into the snapshot (pages/keyspace.ts's
   * resolve() found them). Not a change: nothing is logged, and what a key
   * resolved earlier holds (perhaps this snapshot's own write) stays.
   */
  resolve(db: number, found: ReadonlyMap<string, Found & { origin?: Stub }>): void {
    if (!this.isPaged(db)) return;
    const ks = (this.dbs[db] ??= new Keyspace(undefined));
    const below = (this.below[db] ??= new Map());
    for (const [k, f] of found) {
      if (below.has(k)) continue;
      this.aggs.resolved(db, k, f.e, f.origin);
      below.set(k, f.below);
      if (f.e) ks.load(k, newSlot(f.e));
    }
  }

  /**
   * Resolves all of paged `db`: `found` holds every live key and every key
   * a log record names (with what lies below it). A key absent from it is
   * absent everywhere, below included (p 0).
   */
  resolveAll(db: number, found: ReadonlyMap<string, Found>): void {
    this.resolveSpan(db, 0, END, found);
  }

  /**
   * Resolves hash range [lo, hi) of paged `db` whole: `found` holds every
   * live key and every key a log record names in it (what lies below each).
   * A key of the range absent from it is absent everywhere (p 0).
   */
  resolveSpan(db: number, lo: number, hi: number, found: ReadonlyMap<string, Found>): void {
    if (!this.isPaged(db)) return;
    this.resolve(db, found);
    this.spans[db].add(lo, hi);
  }

  /**
   * Forgets every resolved entry, between transactions: a warm snapshot must
   * not grow into the whole database. They are still in the root's log and
   * in pages (which the page cache likely holds); the next batch resolves
   * what it needs again.
   */
  forgetResolved(): void {
    this.paged.dbs.forEach((d, db) => {
      if (!d) return;
      this.dbs[db] = undefined;
      this.below[db] = new Map();
      this.spans[db] = new Spans();
      this.picks[db] = [];
      this.aggs.forget(db);
    });
    this.nodeLeaves.clear();
  }

  /** Bytes of inline database `db`'s entries (0 once paged): what PAGE_THRESHOLD is compared with. O(1) but once after a decode. */
  inlineBytes(db: number): number {
    return this.isPaged(db) ? 0 : (this.dbs[db]?.measure() ?? 0);
  }

  /**
   * Applies a fold's delta in the open transaction (the commit's seq), on a
   * copy of the database's part: undoing it puts the original back, into
   * which the batch's own log records are then undone, newest first. False
   * (nothing changed) when it is stale, or not for a paged database, or
   * would leave node ranges that do not tile (a malformed delta).
   */
  applyDelta(delta: AppliedDelta, now: number): boolean {
    const d = this.paged.dbs[delta.db];
    if (!d) return false;
    const log = new Log();
    for (const [k, r] of d.log) log.set(k, r);
    const next: PagedRoot = { dbs: this.paged.dbs.slice(), retired: this.paged.retired.slice() };
    next.dbs[delta.db] = { nodes: d.nodes, log };
    if (!applyFold(next, delta, this.commitSeq, now)) return false;
    const nodes = next.dbs[delta.db]?.nodes ?? [];
    if (!nodes.every((n, i) => (i === 0 ? n.lo === 0 : n.lo > nodes[i - 1].lo))) return false;
    this.swapRoot(next, () => undefined);
    return true;
  }

  /**
   * Pages inline database `db` (layout.ts §1: past PAGE_THRESHOLD): its entries become log records with nothing
   * below them, its keyspace stays, as resolved whole. The caller folds the log into pages before the PUT.
   */
  pageInline(db: number): void {
    const ks = this.dbs[db];
    if (this.isPaged(db) || !ks || ks.count === 0) return;
    const log = new Log();
    for (const p of ks.pages) for (const [k, s] of p.entries) log.set(k, { e: this.aggs.stored(db, k, s.e, undefined, 0)!, p: 0, seq: this.commitSeq });
    // Its entries leave the inline part (what `bytes` counts) for the log.
    const gone = ks.measure() + openBytes(this.inline(), db);
    const next: PagedRoot = { dbs: this.paged.dbs.slice(), retired: this.paged.retired };
    next.dbs[db] = { nodes: [], log };
    const [below, spans] = [this.below[db], this.spans[db]];
    this.swapRoot(next, () => ((this.below[db] = below), (this.spans[db] = spans)));
    this.below[db] = new Map();
    this.spans[db] = new Spans();
    this.spans[db].add(0, END);
    this.bytes -= gone;
  }

  override begin(): void {
    super.begin();
    this.aggs.begin();
  }

  /** Replaces the paged part, journaled (`also` undoes the caller's own changes; `refold`: resolved keys' below-state changed). */
  protected swapRoot(next: PagedRoot, also: () => void, refold = true): void {
    const [prev, frame, refolded] = [this.paged, this.frame, this.refolded];
    this.log({ op: 'paged', bytes: this.bytes, undo: () => ((this.paged = prev), (this.frame = frame), (this.refolded = refolded), also()) });
    this.paged = next;
    this.frame = undefined;
    // A flush, a swap or a trim leaves what lies below every resolved key as it was: only a fold changes that.
    if (refold) this.refolded = true;
  }

  /**
   * Keeps the transaction's changes. After a fold landed, the resolved keys'
   * `below` (what their next record says is under the log) may be wrong:
   * a folded key's entry is below now. They are forgotten; the next batch
   * resolves what it needs again (the page cache keeps the pages).
   */
  override release(): void {
    super.release();
    // The next transaction begins here: each database is itself again.
    this.origin = this.origin.map((_, i) => i);
    if (this.refolded) this.forgetResolved();
    this.refolded = false;
  }

  /** Adopts format 4's paged part while decoding. */
  protected loadPaged(pages: unknown, retired: unknown): void {
    this.paged = decodeRoot(pages, retired);
    this.below = this.paged.dbs.map((d) => (d ? new Map<string, Below>() : undefined));
    this.spans = this.spans.map(() => new Spans());
    this.frame = undefined;
  }

  /** The keyspaces encoded inline: every one but the paged databases' (whose keys are in their log and pages). */
  protected inline(): Keyspaces {
    return this.pagedFormat ? this.dbs.map((ks, db) => (this.isPaged(db) ? undefined : ks)) : this.dbs;
  }

  /** Throws unless `k` of paged `db` is resolved; nothing for a database that is not paged. */
  protected needResolved(db: number, k: string | undefined): void {
    if (this.isPaged(db) && !(k === undefined ? this.resolvedWhole(db) : this.resolvedKey(db, k))) throw new NotResolvedError(this.origin[db], k);
  }

  /** Keys of a paged database, from the root alone (DBSIZE). */
  protected pagedSize(db: number): number {
    return dbSize(this.paged, db);
  }

  protected pagedExpires(db: number): number {
    return expiresCount(this.paged, db);
  }

  /**
   * Writes k's entry (undefined: deletes it) in paged `db`: the keyspace's
   * slot and the log record, both undone together. A delete of a key nothing
   * below holds leaves no record (pages/root.ts's writeRecord rule).
   */
  protected pagedStore(db: number, k: string, slot: Slot | undefined): void {
    this.needResolved(db, k);
    const log = this.paged.dbs[db]!.log;
    const ks = this.dbs[db]!;
    // Of a database resolved whole, a key never resolved is one nothing below holds.
    const p = this.below[db]!.get(k) ?? 0;
    const prev = log.get(k);
    // A big aggregate is recorded as a stub (pages/agg-state.ts); the keyspace keeps the value.
    const e = this.aggs.stored(db, k, slot ? slot.e : null, prev, p);
    const rec = e ? { e, p, seq: this.commitSeq } : p > 0 ? { e: null, p, seq: this.commitSeq } : undefined;
    const grow = (rec ? recordBytes(k, rec) : 0) - (prev ? recordBytes(k, prev) : 0);
    // A delete's tombstone grows the log until the next fold, yet DEL must work at the limit (as in Redis).
    if (slot && grow > 0 && this.usedBytes + grow > this.maxBytes) throw new OutOfMemoryError();
    this.log({ op: 'entry', ks, key: k, prev: ks.slot(k), bytes: this.bytes });
    this.log({ op: 'rec', log, key: k, prev, bytes: this.bytes });
    log.put(k, rec);
    ks.place(k, slot);
  }

  abstract put(key: Buffer, entry: Readonly<Entry>, db?: number): void;
  abstract delete(key: Buffer, db?: number): boolean;

  /** What --maxmemory bounds (INFO used_memory): the root less its commit window, plus the pages its refs reach, from
   * the refs (pageBytes): O(refs). Exact bytes stored (a key rewritten since its fold counts in its log record and its
   * page); a lower bound while a ref lacks `b`. */
  get usedBytes(): number {
    return this.approxBytes - this.window.bytes + pageBytes(this.paged).bytes;
  }

  /** The encoded size, the paged section included. */
  override get approxBytes(): number {
    return this.bytes + this.sectionBytes();
  }

  /** Bytes of `,"pages":…,"retired":…` (0 in format 3), from the logs' running sizes. */
  protected sectionBytes(): number {
    if (!this.pagedFormat) return 0;
    if (this.frame === undefined) {
      const empty: PagedRoot = { dbs: this.paged.dbs.map((d) => d && { nodes: d.nodes, log: new Log() }), retired: this.paged.retired };
      this.frame = Buffer.byteLength(this.section(empty));
    }
    let n = this.frame;
    // A log's records are comma-separated: one separator fewer than records.
    for (const d of this.paged.dbs) if (d && d.log.size > 0) n += d.log.bytes - 1;
    return n;
  }

  /** The paged section as encode() appends it before the document's closing brace. */
  protected section(root: PagedRoot = this.paged): string {
    return `,${encodeRoot(root)}`;
  }
}
