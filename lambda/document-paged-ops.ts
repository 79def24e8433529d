/**
 * Whole-database commands on paged databases (layout.ts §2, step 5), over
 * the root part and what the loader resolved, never a load of everything:
 *
 *  - FLUSHDB/FLUSHALL drop the database's node refs and log from the root,
 *    and record every page that stops being referenced (its node pages and
 *    the leaves they name) in `retired` for the GC: O(pages). The database
 *    returns to inline (empty), so the next small writes cost what format 3
 *    costs; it is paged again only past the threshold.
 *  - SWAPDB trades the root parts (refs and log) and the inline keyspaces:
 *    O(1) plus the resolved state's bookkeeping.
 *  - SCAN reads the run of hash ranges resolved from its cursor, and asks
 *    for the next range until it has COUNT keys; RANDOMKEY picks in the leaf
 *    range the loader chose for it, weighted by the refs' counts.
 *
 * Every change is journaled, so a transaction that fails or rolls back
 * leaves root part, retired list and resolved state as they were.
 */
import { DB_COUNT } from './document-format';
import { PagedJournal } from './document-paged';
import { NotResolvedError } from './document-unresolved';
import { frameBytes } from './document-keyspace';
import type { PageRef } from './pages/codec';
import { keyPos, RETIRED_HORIZON_MS } from './pages/layout';
import { Log } from './pages/log';
import { retire, trimRetired, type PagedRoot } from './pages/root';
import { END, Spans } from './pages/spans';

/** Empty picks in a row (keys deleted or expired in the leaf picked) before RANDOMKEY reads its database whole. */
export const RANDOM_TRIES = 3;

export abstract class PagedOps extends PagedJournal {
  /** Remembers the leaf refs of a node page the loader read. */
  knowNode(page: string, leaves: readonly PageRef[]): void {
    this.nodeLeaves.set(page, leaves);
  }

  /** Sets the leaf range of paged `db`'s `index`-th RANDOMKEY pick (loading.ts picks it, weighted by the refs' counts). */
  setPick(db: number, index: number, lo: number, hi: number): void {
    this.picks[db][index] = { lo, hi, tries: (this.picks[db][index]?.tries ?? 0) + 1 };
  }

  /** Forgets the RANDOMKEY picks of the previous batch: each batch draws its own. */
  clearPicks(): void {
    for (let db = 0; db < DB_COUNT; db++) this.picks[db] = [];
  }

  /**
   * Drops retired-page records older than RETIRED_HORIZON_MS (layout.ts §8),
   * in the open transaction: every commit does, so the list stays bounded by
   * the rate pages retire (a FLUSHALL's included), not by the data.
   */
  trimRetired(now: number): void {
    if (!this.paged.retired.some(([at]) => now - at > RETIRED_HORIZON_MS)) return;
    const next: PagedRoot = { dbs: this.paged.dbs, retired: this.paged.retired };
    trimRetired(next, now);
    this.swapRoot(next, () => undefined, false);
  }

  /** Whether paged `db`'s `index`-th RANDOMKEY has a pick already (then a new one is a retry). */
  hasPick(db: number, index: number): boolean {
    return this.picks[db][index] !== undefined;
  }

  /** Throws unless the leaf refs of every node of paged `db` are known (what a flush retires). */
  protected needNodes(db: number): void {
    for (const n of this.paged.dbs[db]?.nodes ?? []) if (!this.nodeLeaves.has(n.page)) throw new NotResolvedError(this.origin[db], undefined, { kind: 'nodes' });
  }

  /**
   * FLUSHDB of paged `db` at `now`: its refs and log leave the root, its
   * pages are retired, and it is an empty inline database again.
   */
  protected pagedFlush(db: number, now: number): void {
    this.needNodes(db);
    const names: string[] = [];
    for (const n of this.paged.dbs[db]?.nodes ?? []) {
      names.push(n.page);
      for (const l of this.nodeLeaves.get(n.page) ?? []) if (l.page !== '') names.push(l.page);
    }
    const next: PagedRoot = { dbs: this.paged.dbs.slice(), retired: this.paged.retired.slice() };
    next.dbs[db] = undefined;
    retire(next, names, now);
    const [below, spans, picks] = [this.below[db], this.spans[db], this.picks[db]];
    this.swapRoot(next, () => ((this.below[db] = below), (this.spans[db] = spans), (this.picks[db] = picks)), false);
    // Its resolved keys go with it; the inline part does not change (a paged database has none).
    this.log({ op: 'dbs', prev: this.dbs, bytes: this.bytes });
    this.dbs = this.dbs.slice();
    this.dbs[db] = undefined;
    this.below[db] = undefined;
    this.spans[db] = new Spans();
    this.picks[db] = [];
  }

  /** Restore (lambda/restore.ts), outside any transaction: adds retired-page records (the GC's), kept oldest first. */
  addRetired(groups: readonly [number, string[]][]): void {
    [this.paged, this.frame] = [{ ...this.paged, retired: [...this.paged.retired, ...groups].sort((a, b) => a[0] - b[0]) }, undefined];
  }

  /** Records, journaled, that the open transaction stopped referencing `names` (a commit's dropped stub pages), at `at`. */
  retirePages(names: readonly string[], at: number): void {
    if (names.length === 0) return;
    const [prev, frame] = [this.paged.retired, this.frame];
    this.log({ op: 'paged', bytes: this.bytes, undo: () => ((this.paged.retired = prev), (this.frame = frame)) });
    [this.paged.retired, this.frame] = [[...prev, [at, [...names]]], undefined];
  }

  /** SWAPDB with a paged side: root parts, keyspaces and resolved state trade places. */
  protected swapPaged(a: number, b: number): void {
    const before = frameBytes(this.inline());
    const next: PagedRoot = { dbs: this.paged.dbs.slice(), retired: this.paged.retired };
    // Each side's log records take this commit's seq: a fold delta made before
    // the swap for a database without nodes (replacing "none") matches log
    // records by key and seq, and must not match the other database's records
    // that one commit wrote with the same seq. It then keeps them all.
    [next.dbs[a], next.dbs[b]] = [this.restamped(b), this.restamped(a)];
    const trade = (): void => {
      [this.below[a], this.below[b]] = [this.below[b], this.below[a]];
      [this.spans[a], this.spans[b]] = [this.spans[b], this.spans[a]];
      [this.picks[a], this.picks[b]] = [this.picks[b], this.picks[a]];
      [this.origin[a], this.origin[b]] = [this.origin[b], this.origin[a]];
      this.aggs.swap(a, b);
    };
    // Trading is its own inverse: the undo trades back.
    this.swapRoot(next, trade, false);
    trade();
    this.log({ op: 'dbs', prev: this.dbs, bytes: this.bytes });
    const dbs = this.dbs.slice();
    [dbs[a], dbs[b]] = [dbs[b], dbs[a]];
    this.dbs = dbs;
    // An inline side's entries keep their size; only the `dbs` frame may change.
    this.bytes += frameBytes(this.inline()) - before;
  }

  /** Paged `db`'s root part with every log record at this commit's seq (undefined: not paged). */
  private restamped(db: number): PagedRoot['dbs'][number] {
    const d = this.paged.dbs[db];
    if (!d) return undefined;
    const log = new Log();
    for (const [k, r] of d.log) log.set(k, { ...r, seq: this.commitSeq });
    return { nodes: d.nodes, log };
  }

  /**
   * Keys of `db` (latin1, live or not) with a position in the resolved run
   * from `pos`, and where it ends: for SCAN. An inline database is one run.
   * Nothing resolved at `pos`: NotResolvedError asking for `need` keys from it.
   */
  scanRun(db: number, pos: number, need: number): { end: number; keys: string[] } {
    const ks = this.dbs[db];
    const keys: string[] = [];
    if (!this.isPaged(db)) {
      for (const p of ks?.pages ?? []) for (const k of p.entries.keys()) keys.push(k);
      return { end: END, keys };
    }
    const end = this.spans[db].runFrom(pos);
    if (end <= pos) this.needSpan(db, pos, need);
    // Keys resolved one by one outside the run are left out: what lies between them is unknown.
    for (const p of ks?.pages ?? []) for (const k of p.entries.keys()) {
      const h = keyPos(k);
      if (h >= pos && h < end) keys.push(k);
    }
    return { end, keys };
  }

  /** Asks the loader for `need` more keys of paged `db` from `pos` on. */
  needSpan(db: number, pos: number, need: number): never {
    throw new NotResolvedError(this.origin[db], undefined, { kind: 'span', from: pos, need });
  }

  /**
   * Keys (latin1) of paged `db` in the leaf range of its `index`-th
   * RANDOMKEY pick, or every key once the database is resolved whole;
   * NotResolvedError while no pick was made, or a pick came up empty
   * (`empty`) fewer than RANDOM_TRIES times (then the database is read whole).
   */
  pickKeys(db: number, index: number, empty = false): string[] {
    const ks = this.dbs[db];
    const all = (): string[] => [...(ks?.pages ?? [])].flatMap((p) => [...p.entries.keys()]);
    if (this.spans[db].whole) return all();
    const pick = this.picks[db][index];
    if (!pick || empty) {
      const want = (pick?.tries ?? 0) < RANDOM_TRIES ? { kind: 'random' as const, index } : { kind: 'whole' as const };
      throw new NotResolvedError(this.origin[db], undefined, want);
    }
    return all().filter((k) => {
      const h = keyPos(k);
      return h >= pick.lo && h < pick.hi;
    });
  }
}
