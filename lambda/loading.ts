/**
 * Loading (layout.ts §6): a paged database's entries are in pages, and
 * commands do no I/O, so before the engine runs a batch the entries it may
 * touch are resolved into the snapshot: the keys its commands name
 * (batch-keys.ts), through the root log, node buffers and leaves. What the
 * run still meets unresolved (a script's undeclared key; KEYS, SCAN,
 * RANDOMKEY, FLUSHDB on a paged database) throws NotResolvedError: the
 * attempt rolls back, loads it, and runs again on the same root. The
 * engine is pure, so a rerun is the same batch on more of the same data.
 *
 * The page cache (PageReader, by page name: pages never change) belongs to
 * the handler and outlives every snapshot and root.
 */
import { apply, type Applied, type AttemptInput, type Snapshot } from './attempt';
import { BatchFailed } from './batch-failed';
import { batchKeys, type KeysByDb } from './batch-keys';
import type { BatchStats } from './contract';
import { DB_COUNT, NotResolvedError, type Document } from './document';
import { PageError } from './pages/codec';
import { PageReader, ranges, resolve, type Found } from './pages/keyspace';
import { belowOf } from './pages/root';
import { AggPages, expandFound } from './pages/agg-io';
import { AGG_PAGE_BYTES } from './pages/stub';
import { pagesOf, StoreError, type ObjectStore } from './store/types';

/** Rounds that load what a run reported, a key at a time; after them a database still missing a key is loaded whole. */
export const KEY_ROUNDS = 4;
/** Every round a batch may take (each database is loaded whole at most once): past it, it is refused. */
export const MAX_ROUNDS = KEY_ROUNDS + DB_COUNT + 1;
/** Resolved keys a warm snapshot keeps between batches; past it they are forgotten (the page cache keeps their pages). */
export const MAX_RESOLVED_KEYS = 100_000;
/** The page cache's bound (layout.ts §6: a quarter of a 1 GiB Lambda). */
export const DEFAULT_PAGE_CACHE_BYTES = 256 << 20;

/** The handler's side of loading: its page cache, and how it resolves keys and databases into a snapshot. */
export class PageLoader {
  private reader: PageReader | undefined;
  private aggs: AggPages | undefined;

  constructor(
    private readonly store: ObjectStore,
    private readonly key: string,
    private readonly cacheBytes = DEFAULT_PAGE_CACHE_BYTES,
    /** JSON past which an aggregate is stored as a stub (pages/stub.ts; tests shrink it). */
    readonly aggPageBytes = AGG_PAGE_BYTES,
  ) {}

  /** Pages fetched from the store so far (not from the cache). */
  get fetched(): number {
    return (this.reader?.fetched ?? 0) + (this.aggs?.fetched ?? 0);
  }

  /**
   * Big aggregates' index and member pages, and the values built from them,
   * cached by page name beside the page cache: an eighth of its bytes each
   * (of JSON; decoded, a value takes a few times that).
   */
  aggPages(): AggPages {
    if (!this.aggs) {
      const { getPage } = pagesOf(this.store);
      this.aggs = new AggPages((name) => getPage(this.key, name), Math.max(1, Math.floor(this.cacheBytes / 8)));
    }
    return this.aggs;
  }

  /** The page cache, made at the first paged root: a store that keeps no pages is refused then, not before. */
  pageReader(): PageReader {
    if (!this.reader) {
      const { getPage } = pagesOf(this.store);
      this.reader = new PageReader((name) => getPage(this.key, name), this.cacheBytes);
    }
    return this.reader;
  }

  /** Resolves `want`'s keys of paged databases not resolved yet (databases in parallel, each a round of nodes then of leaves). */
  async resolveKeys(doc: Document, want: KeysByDb): Promise<void> {
    await Promise.all(
      Array.from(want, async ([db, keys]) => {
        if (!doc.isPaged(db) || doc.resolvedWhole(db)) return;
        const missing = [...keys].filter((k) => !doc.resolvedKey(db, k));
        if (missing.length > 0) doc.resolve(db, await expandFound(await resolve(doc.pagedRoot, db, missing, this.pageReader()), this.aggPages()));
      }),
    );
  }

  /**
   * Resolves all of paged `db`: every page of it, read in order. For now
   * (layout.ts step 5): KEYS and SCAN will walk a page at a time, SCAN only
   * as far as its COUNT, RANDOMKEY one leaf, FLUSHDB retire the pages.
   */
  async resolveWhole(doc: Document, db: number): Promise<void> {
    const d = doc.pagedRoot.dbs[db];
    if (!d || doc.resolvedWhole(db)) return;
    const found = new Map<string, Found>();
    for await (const run of ranges(doc.pagedRoot, db, this.pageReader())) {
      // What lies under the root log: its record's p, or else the merged entry below it.
      for (const { k, e } of run) found.set(k, { e, below: d.log.get(k)?.p ?? belowOf(e) });
    }
    // A key the log deletes keeps what is below it: its next record needs that p.
    for (const [k, r] of d.log) if (!r.e) found.set(k, { e: undefined, below: r.p });
    doc.resolveAll(db, await expandFound(found, this.aggPages()));
  }

  /** Loading for one batch: `canRerun` says whether there is time for another round. */
  batch(stats: BatchStats, canRerun: () => boolean): BatchLoading {
    return new BatchLoading(this, stats, canRerun);
  }
}

export class BatchLoading {
  /** Page failures met: the first re-reads the root, the second ends the batch. */
  private failures = 0;

  constructor(
    private readonly loader: PageLoader,
    private readonly stats: BatchStats,
    private readonly canRerun: () => boolean,
  ) {}

  /**
   * apply() with what the batch touches loaded; undefined when a page
   * failed for the first time: the caller re-reads the root and tries
   * again (the GC may have deleted a page only a stale root references).
   * A page failing again ends the batch not applied, naming the page.
   */
  async apply(snap: Snapshot, input: AttemptInput): Promise<Applied | undefined> {
    // Format 3 (nothing paged) runs exactly as before.
    if (!snap.doc.pagedFormat) return apply(snap, input);
    snap.doc.aggs.pageBytes = this.loader.aggPageBytes;
    const before = this.loader.fetched;
    if (snap.doc.resolvedCount > MAX_RESOLVED_KEYS) snap.doc.forgetResolved();
    try {
      await this.loader.resolveKeys(snap.doc, batchKeys(input.sessions, input.dbs));
      return await this.rounds(snap, input);
    } catch (e) {
      if (e instanceof PageError && this.failures++ === 0) return undefined;
      if (e instanceof PageError || e instanceof StoreError) throw new BatchFailed('not-applied', e.message);
      throw e;
    } finally {
      this.stats.s3Gets += this.loader.fetched - before;
    }
  }

  /** Runs the batch, and after each NotResolvedError loads what it names and runs it again. */
  private async rounds(snap: Snapshot, input: AttemptInput): Promise<Applied> {
    const { doc } = snap;
    for (let round = 1; ; round++) {
      try {
        return apply(snap, input);
      } catch (e) {
        if (!(e instanceof NotResolvedError)) throw e;
        // apply() left its transaction open mid-batch: nothing of this run stays.
        doc.rollback();
        if (round >= MAX_ROUNDS) throw new BatchFailed('not-applied', `db ${e.db}: the batch kept touching paged keys it does not name (${round} rounds of loading); nothing was written`);
        if (!this.canRerun()) throw new BatchFailed('not-applied', `the function is about to time out after ${round} rounds of loading pages; nothing was written`);
        // A run that keeps finding unnamed keys (a script walking many) gets its database whole: the rounds stay bounded.
        if (e.key === undefined || round > KEY_ROUNDS) await this.loader.resolveWhole(doc, e.db);
        else await this.loader.resolveKeys(doc, new Map([[e.db, new Set([e.key])]]));
      }
    }
  }
}
