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
import { PageReader, resolve, type Found } from './pages/keyspace';
import { nodeAt, nodeSpans, readSpan, walk, type LeafSpan } from './pages/walk';
import { AggPages, expandFound } from './pages/agg-io';
import { AGG_PAGE_BYTES } from './pages/stub';
import { pagesOf, StoreError, type ObjectStore } from './store/types';

/** Rounds that load what a run reported, a key at a time; after them a database still missing a key is loaded whole. */
export const KEY_ROUNDS = 4;
/** Every round a batch may take (each database is loaded whole at most once): past it, it is refused. */
export const MAX_ROUNDS = KEY_ROUNDS + DB_COUNT + 1;
/** SCAN's rounds of doubling range loads in a database; the next loads the rest of its hash space. */
export const SPAN_ROUNDS = 4;
/** Resolved keys a warm snapshot keeps between batches; past it they are forgotten (the page cache keeps their pages). */
export const MAX_RESOLVED_KEYS = 100_000;
/**
 * The page cache's bound, in page bytes. Decoded pages hold ~2.5× their
 * bytes (4× once every entry is parsed), so 128 MiB keeps the cache under
 * ~0.5 GiB of a 1 GiB Lambda; measured peak at 1M keys, 64-SET batches and
 * their folds: 0.68 GiB (npm run bench -- --workload lambda-memory).
 */
export const DEFAULT_PAGE_CACHE_BYTES = 128 << 20;

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
   * Resolves all of paged `db` (KEYS; a script walking many keys): a node
   * at a time, its leaves in parallel.
   */
  async resolveWhole(doc: Document, db: number): Promise<void> {
    if (!doc.pagedRoot.dbs[db] || doc.resolvedWhole(db)) return;
    const found = new Map<string, Found>();
    for await (const span of walk(doc.pagedRoot, db, this.pageReader())) for (const [k, f] of span.found) found.set(k, f);
    doc.resolveAll(db, await expandFound(found, this.aggPages()));
  }

  /** Node `i` of paged `db` as leaf spans; its leaf refs become known to the snapshot (what a flush retires). */
  private async node(doc: Document, db: number, i: number): Promise<LeafSpan[]> {
    const d = doc.pagedRoot.dbs[db]!;
    const { node, spans } = await nodeSpans(d, i, this.pageReader());
    if (node && d.nodes[i]) doc.knowNode(d.nodes[i].page, node.leaves ?? []);
    return spans;
  }

  private async resolveLeaves(doc: Document, db: number, spans: LeafSpan[]): Promise<void> {
    const d = doc.pagedRoot.dbs[db]!;
    // Big aggregates' stubs are expanded before they reach the keyspace (layout.ts §3).
    const read = await Promise.all(spans.map(async (s) => expandFound(await readSpan(d, s, this.pageReader()), this.aggPages())));
    spans.forEach((s, j) => doc.resolveSpan(db, s.lo, s.hi, read[j]));
  }

  /**
   * Resolves paged `db`'s leaf ranges from position `from` on (SCAN): at
   * least `minLeaves` leaves, and on until their counts reach `need`; the
   * nodes in order, the leaves together.
   */
  async resolveSpan(doc: Document, db: number, from: number, need: number, minLeaves: number): Promise<void> {
    const d = doc.pagedRoot.dbs[db];
    if (!d) return;
    const take: LeafSpan[] = [];
    let n = 0;
    for (let i = nodeAt(d, from); i < Math.max(1, d.nodes.length) && (take.length < minLeaves || n < need); i++) {
      for (const s of await this.node(doc, db, i)) {
        if (s.hi <= from || (take.length >= minLeaves && n >= need)) continue;
        take.push(s);
        n += s.n;
      }
    }
    await this.resolveLeaves(doc, db, take);
  }

  /** Reads every node page of paged `db` (in parallel): FLUSHDB/FLUSHALL retire them and the leaves they name. */
  async loadNodes(doc: Document, db: number): Promise<void> {
    const d = doc.pagedRoot.dbs[db];
    if (d) await Promise.all(d.nodes.map((_, i) => this.node(doc, db, i)));
  }

  /**
   * Picks leaves for RANDOMKEYs `index` … `upTo - 1` of paged `db`, each a
   * node weighted by its count, then a leaf of it weighted by its count,
   * and resolves them (in parallel).
   */
  async pickLeaves(doc: Document, db: number, index: number, upTo: number, random: () => number = Math.random): Promise<void> {
    const d = doc.pagedRoot.dbs[db];
    if (!d) return;
    const picks = await Promise.all(
      Array.from({ length: upTo - index }, async () => {
        const spans = await this.node(doc, db, weighted(d.nodes.map((r) => r.n), random));
        return spans[weighted(spans.map((s) => s.n), random)];
      }),
    );
    await this.resolveLeaves(doc, db, picks);
    picks.forEach((s, j) => doc.setPick(db, index + j, s.lo, s.hi));
  }

  /** Loading for one batch: `canRerun` says whether there is time for another round. */
  batch(stats: BatchStats, canRerun: () => boolean): BatchLoading {
    return new BatchLoading(this, stats, canRerun);
  }
}

export class BatchLoading {
  /** Page failures met: the first re-reads the root, the second ends the batch. */
  private failures = 0;
  /** SCAN's rounds of range loading per database (layout.ts §2). */
  private readonly spanRounds = new Map<number, number>();

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
    snap.doc.clearPicks();
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

  /** Loads what a run reported missing. */
  private async load(doc: Document, e: NotResolvedError, round: number): Promise<void> {
    const w = e.want;
    if (w.kind === 'nodes') return this.loader.loadNodes(doc, e.db);
    if (w.kind === 'span') {
      // Twice the leaves each round, then the rest of the hash space: a filtered SCAN stays within a few rounds.
      const r = (this.spanRounds.get(e.db) ?? 0) + 1;
      this.spanRounds.set(e.db, r);
      return this.loader.resolveSpan(doc, e.db, w.from, w.need, r > SPAN_ROUNDS ? Infinity : 2 ** (r - 1));
    }
    // Picks ahead, doubling: a batch of many RANDOMKEYs takes a few rounds, not one each.
    if (w.kind === 'random') return this.loader.pickLeaves(doc, e.db, w.index, doc.hasPick(e.db, w.index) ? w.index + 1 : 2 * w.index + 1);
    // A run that keeps finding unnamed keys (a script walking many) gets its database whole: the rounds stay bounded.
    if (w.kind === 'whole' || round > KEY_ROUNDS) return this.loader.resolveWhole(doc, e.db);
    return this.loader.resolveKeys(doc, new Map([[e.db, new Set([w.key])]]));
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
        await this.load(doc, e, round);
      }
    }
  }
}

/** An index drawn with probability proportional to its weight (uniform when all are 0); 0 for an empty list. */
export function weighted(ws: readonly number[], random: () => number): number {
  const total = ws.reduce((a, w) => a + w, 0);
  if (total === 0) return Math.min(ws.length - 1, Math.max(0, Math.floor(random() * ws.length)));
  let r = random() * total;
  for (let i = 0; i < ws.length; i++) if ((r -= ws[i]) < 0) return i;
  // Rounding left r at the total: the last positive weight.
  for (let i = ws.length - 1; i > 0; i--) if (ws[i] > 0) return i;
  return 0;
}
