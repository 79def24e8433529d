/**
 * What a Document keeps for big aggregates (layout.ts §3, stub.ts): the size
 * past which a written aggregate becomes a stub, each resolved key's ORIGIN
 * (the expanded stub the current root holds for it: what its next write may
 * reuse pages of), and per transaction the stubs written (their pages are
 * uploaded before the root PUT) and the pages it stopped referencing
 * (retired by the commit, with the commit's clock).
 */
import { entryBytes } from '../document-entry-json';
import { DB_COUNT, type Entry } from '../document-format';
import type { Below, Rec } from './codec';
import { AGG_PAGE_BYTES, stubOf, stubPages, toStub, type Stub } from './stub';

export class AggState {
  /** An aggregate whose JSON passes this is stored as a stub (tests shrink it). */
  pageBytes = AGG_PAGE_BYTES;
  /** Per database: resolved keys whose topmost record is a stub, expanded. */
  private origins: (Map<string, Stub> | undefined)[] = new Array<Map<string, Stub> | undefined>(DB_COUNT).fill(undefined);
  /** This transaction: keys written as stubs, and pages its writes stopped referencing in the root log. */
  private written: [number, string][] = [];
  private dropped: string[] = [];

  begin(): void {
    this.written = [];
    this.dropped = [];
  }

  /**
   * Notes what a key was resolved from (its record's stub, expanded by the
   * loader). `e`, what the keyspace gets, must be plain: a stored stub's
   * members may not be in it, and one copied inline would name pages there.
   */
  resolved(db: number, k: string, e: Entry | undefined, origin: Stub | undefined): void {
    if (stubOf(e)) throw new Error(`db ${db}: key ${JSON.stringify(k)} reached the keyspace as a stored stub, not expanded`);
    if (origin?.runs) (this.origins[db] ??= new Map()).set(k, origin);
  }

  forget(db: number): void {
    this.origins[db] = undefined;
  }

  /** SWAPDB: each database's resolved origins go with its keys (its own inverse: the undo swaps back). */
  swap(a: number, b: number): void {
    [this.origins[a], this.origins[b]] = [this.origins[b], this.origins[a]];
  }

  /** Keys written as stubs in this transaction, and the pages it stopped referencing. */
  get transaction(): { written: readonly [number, string][]; dropped: readonly string[] } {
    return { written: this.written, dropped: this.dropped };
  }

  /**
   * The entry k's log record stores for `e` (null: deleted), replacing
   * `prev` (the log's record) over what `below` says lies under the log: a
   * stub when `e` is a big aggregate. Pages `prev` named that the new record
   * does not are dropped (retired at the commit); a record below the log
   * still names its own pages, so replacing nothing in the log drops none.
   */
  stored(db: number, k: string, e: Entry | null, prev: Rec | undefined, below: Below): Entry | null {
    const origin = this.originOf(db, k, prev, below);
    let out: Entry | null = e;
    if (e && e.type !== 'string') {
      // A paged value stays paged until it shrinks to a quarter: a size going back and forth must not re-upload it each time.
      const s = origin ? toStub(e, origin, this.pageBytes / 2, undefined, this.pageBytes / 4) : entryBytes(e) > this.pageBytes ? toStub(e, undefined, this.pageBytes / 2) : undefined;
      if (s) {
        out = s;
        this.written.push([db, k]);
      }
    }
    const was = stubOf(prev?.e);
    if (was) {
      const keep = new Set(stubPages(stubOf(out) ?? { index: '', n: 0 }));
      const full = was.runs ? was : origin?.index === was.index ? origin : was;
      // Pages still awaiting upload (this transaction's) were never created: nothing to retire.
      const uploaded = stubPages(full).filter((p, i) => (i === 0 ? full.indexBytes === undefined : full.runs![i - 1].bytes === undefined));
      for (const p of uploaded) if (!keep.has(p)) this.dropped.push(p);
    }
    return out;
  }

  /**
   * The stub k's pages may be reused from: the log's record when it is a
   * stub (this transaction's, a warm snapshot's earlier commit, or what the
   * root log held, expanded at resolve); else, when the log has no record
   * and something lies below it, the stub resolved from there. Anything else
   * (a log record that is not a stub: the key was rewritten or deleted) has
   * none: its old pages may be retired already.
   */
  private originOf(db: number, k: string, prev: Rec | undefined, below: Below): Stub | undefined {
    const resolved = this.origins[db]?.get(k);
    if (prev) {
      const s = stubOf(prev.e);
      if (!s) return undefined;
      return s.runs ? s : resolved?.index === s.index ? resolved : undefined;
    }
    return below > 0 ? resolved : undefined;
  }
}
