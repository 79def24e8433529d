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
 * never a guess: an unresolved key is not absent, only not read.
 *
 * While no database is paged and no retired pages are recorded this adds
 * nothing: encode() writes format 3 byte for byte.
 */
import { DB_COUNT, OutOfMemoryError, type Entry } from './document-format';
import { Journal } from './document-journal';
import { Keyspace, openBytes, type Keyspaces } from './document-keyspace';
import { newSlot, type Slot } from './document-pages';
import type { Below } from './pages/codec';
import type { Found } from './pages/keyspace';
import { applyFold, type AppliedDelta } from './pages/fold';
import { Log, recordBytes } from './pages/log';
import { dbSize, decodeRoot, emptyRoot, encodeRoot, expiresCount, type PagedRoot } from './pages/root';
import { AggState } from './pages/agg-state';
import type { Stub } from './pages/stub';

/** The batch touched what was not resolved into the snapshot: a key of a paged database (or, key undefined, the whole database). */
export class NotResolvedError extends Error {
  constructor(readonly db: number, readonly key: string | undefined) {
    super(`db ${db}: ${key === undefined ? 'the whole database is' : `key ${JSON.stringify(key)} is`} paged and was not loaded for this batch`);
  }
}

export abstract class PagedJournal extends Journal {
  protected paged: PagedRoot = emptyRoot();
  /** Per paged database: its resolved keys and what lies under the log for each. */
  private below: (Map<string, Below> | undefined)[] = new Array<Map<string, Below> | undefined>(DB_COUNT).fill(undefined);
  /** Paged databases resolved whole (every live key and every log record): what KEYS, SCAN, FLUSHDB need until step 5 walks pages. */
  private whole: boolean[] = new Array<boolean>(DB_COUNT).fill(false);
  /** Bytes of the paged section with every log empty (undefined: not measured since the root's shape changed). */
  private frame: number | undefined;
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
    return this.whole[db] || this.below[db]?.has(k) === true;
  }

  /** Whether all of paged `db` is resolved into this snapshot (resolveAll). */
  resolvedWhole(db: number): boolean {
    return this.whole[db];
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
    if (!this.isPaged(db)) return;
    this.resolve(db, found);
    this.whole[db] = true;
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
      this.whole[db] = false;
      this.aggs.forget(db);
    });
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
   * Pages inline database `db` (layout.ts §1: past PAGE_THRESHOLD): its
   * entries become log records with nothing below them, and its keyspace
   * stays, as the database resolved whole. The caller folds the log into
   * pages before the commit's PUT.
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
    const [below, whole] = [this.below[db], this.whole[db]];
    this.swapRoot(next, () => ((this.below[db] = below), (this.whole[db] = whole)));
    this.below[db] = new Map();
    this.whole[db] = true;
    this.bytes -= gone;
  }

  override begin(): void {
    super.begin();
    this.aggs.begin();
  }

  /** Records, journaled, that the open transaction stopped referencing `names` (a commit's dropped stub pages), at `at`. */
  retirePages(names: readonly string[], at: number): void {
    if (names.length === 0) return;
    const [prev, frame] = [this.paged.retired, this.frame];
    this.log({ op: 'paged', bytes: this.bytes, undo: () => ((this.paged.retired = prev), (this.frame = frame)) });
    [this.paged.retired, this.frame] = [[...prev, [at, [...names]]], undefined];
  }

  /** Replaces the paged part, journaled (`also` undoes the caller's own changes). */
  private swapRoot(next: PagedRoot, also: () => void): void {
    const [prev, frame, refolded] = [this.paged, this.frame, this.refolded];
    this.log({ op: 'paged', bytes: this.bytes, undo: () => ((this.paged = prev), (this.frame = frame), (this.refolded = refolded), also()) });
    this.paged = next;
    this.frame = undefined;
    this.refolded = true;
  }

  /**
   * Keeps the transaction's changes. After a fold landed, the resolved keys'
   * `below` (what their next record says is under the log) may be wrong:
   * a folded key's entry is below now. They are forgotten; the next batch
   * resolves what it needs again (the page cache keeps the pages).
   */
  override release(): void {
    super.release();
    if (this.refolded) this.forgetResolved();
    this.refolded = false;
  }

  /** Adopts format 4's paged part while decoding. */
  protected loadPaged(pages: unknown, retired: unknown): void {
    this.paged = decodeRoot(pages, retired);
    this.below = this.paged.dbs.map((d) => (d ? new Map<string, Below>() : undefined));
    this.whole.fill(false);
    this.frame = undefined;
  }

  /** The keyspaces encoded inline: every one but the paged databases' (whose keys are in their log and pages). */
  protected inline(): Keyspaces {
    return this.pagedFormat ? this.dbs.map((ks, db) => (this.isPaged(db) ? undefined : ks)) : this.dbs;
  }

  /** Throws unless `k` of paged `db` is resolved; nothing for a database that is not paged. */
  protected needResolved(db: number, k: string | undefined): void {
    if (this.isPaged(db) && !(k === undefined ? this.whole[db] : this.resolvedKey(db, k))) throw new NotResolvedError(db, k);
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
    // The root is what is read and written whole: its size is what the cap bounds.
    if (grow > 0 && this.approxBytes - this.window.bytes + grow > this.maxBytes) throw new OutOfMemoryError();
    this.log({ op: 'entry', ks, key: k, prev: ks.slot(k), bytes: this.bytes });
    this.log({ op: 'rec', log, key: k, prev, bytes: this.bytes });
    log.put(k, rec);
    ks.place(k, slot);
  }

  abstract put(key: Buffer, entry: Readonly<Entry>, db?: number): void;
  abstract delete(key: Buffer, db?: number): boolean;

  /**
   * FLUSHDB of a paged database resolved whole: every key deleted, each a
   * log record (a tombstone where a page holds it). O(keys), and the log
   * takes a record per paged key: step 5 retires the refs and log instead.
   */
  protected pagedFlush(db: number): void {
    for (const k of this.keysOf(db)) this.pagedStore(db, k, undefined);
  }

  /**
   * SWAPDB with a paged side, both resolved whole: the entries trade places
   * one by one, so each database's own storage (inline, or its log) records
   * them. O(keys): step 5 swaps the databases' refs and logs instead.
   */
  protected swapEntries(a: number, b: number): void {
    const take = (db: number): [Buffer, Entry][] => this.keysOf(db).map((k) => [Buffer.from(k, 'latin1'), this.dbs[db]!.slot(k)!.e]);
    const [fromA, fromB] = [take(a), take(b)];
    for (const [k] of fromA) this.delete(k, a);
    for (const [k] of fromB) this.delete(k, b);
    for (const [k, e] of fromA) this.put(k, e, b);
    for (const [k, e] of fromB) this.put(k, e, a);
  }

  /** The keys `db`'s keyspace holds (all of them for an inline database or one resolved whole), copied. */
  private keysOf(db: number): string[] {
    const out: string[] = [];
    for (const p of this.dbs[db]?.pages ?? []) for (const k of p.entries.keys()) out.push(k);
    return out;
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
