/**
 * The fold end to end, on the handler's side (lambda/pages/layout.ts §5):
 *  - a `fold` request: read the root, fold every paged database's log
 *    (pages/fold.ts), upload the new pages, answer the deltas; no root write;
 *  - a commit carrying deltas applies them (attempt.ts, Document.applyDelta);
 *  - just before a commit's PUT (after its writes): a database whose inline
 *    entries passed the page threshold is paged, and a log past the hard
 *    bound is folded by the commit itself.
 * The inline fold is as correct as a delta's: its pages are uploaded
 * (If-None-Match: *) before the one root PUT that references them, with
 * If-Match as always. If the PUT loses, the root is rolled back with the
 * rest of the attempt and the pages are orphans the GC removes; if it lands,
 * readers see the pages only through it. It only costs the commit its
 * uploads' time, which is why it waits for the hard bound.
 */
import { BatchFailed } from './batch-failed';
import { CONTRACT_VERSION, type BatchStats, type LocalBatchRequest, type LocalBatchResponse, type LocalFoldDelta } from './contract';
import type { Snapshot } from './attempt';
import type { Document } from './document';
import type { PageLoader } from './loading';
import { PageError } from './pages/codec';
import { fold, type AppliedDelta, type FoldDelta } from './pages/fold';
import { DEFAULT_LIMITS, LOG_HARD_BYTES, LOG_SOFT_BYTES, PAGE_THRESHOLD, type PageLimits } from './pages/layout';
import type { PagingOptions } from './pages/settings';

export type { PagingOptions };
import { logBytes, type PagedRoot } from './pages/root';
import { DB_COUNT } from './document-format';
import { createPage } from './page-create';
import { StoreError, type ObjectStore } from './store/types';
import { uploadStubs } from './stub-commit';

/** Counts of page requests, added to the batch's stats. */
interface IoStats {
  s3Gets: number;
  s3Puts: number;
}

export class Folder {
  private readonly threshold: number;
  private readonly soft: number;
  private readonly hard: number;
  private readonly limits: PageLimits;

  constructor(
    private readonly store: ObjectStore,
    private readonly key: string,
    private readonly loader: PageLoader,
    o: PagingOptions = {},
    private readonly afterUploads?: () => void,
  ) {
    this.threshold = o.threshold ?? PAGE_THRESHOLD;
    this.soft = o.softBytes ?? LOG_SOFT_BYTES;
    this.hard = o.hardBytes ?? LOG_HARD_BYTES;
    this.limits = o.limits ?? DEFAULT_LIMITS;
  }

  /** Whether a response on this root asks the writer for a fold. */
  wanted(doc: Document): boolean {
    return logBytes(doc.pagedRoot) > this.soft;
  }

  /**
   * Folds the logs of `dbs` (default: every paged database with a log) of
   * `root` and uploads the pages, in parallel: the deltas, safe to commit
   * once this returns. A page not created throws (StoreError, PageError).
   */
  async foldRoot(root: Readonly<PagedRoot>, now: number, stats: IoStats, dbs?: number[]): Promise<FoldDelta[]> {
    const before = this.loader.fetched;
    const deltas: FoldDelta[] = [];
    try {
      for (const db of dbs ?? [...Array(DB_COUNT).keys()]) {
        if (!root.dbs[db]?.log.size) continue;
        const d = await fold(root as PagedRoot, db, this.loader.pageReader(), { limits: this.limits, now, aggPages: this.loader.aggPages() });
        if (d) deltas.push(d);
      }
    } finally {
      stats.s3Gets += this.loader.fetched - before;
    }
    const pages = deltas.flatMap((d) => [...d.pages]);
    await Promise.all(pages.map(([name, bytes]) => createPage(this.store, this.key, name, bytes, stats)));
    // The fault tests' crash point: pages uploaded, nothing yet refers to them.
    this.afterUploads?.();
    return deltas;
  }

  /**
   * Just before a commit's PUT, after its writes: pages every inline
   * database past the threshold, and folds (in this commit) the databases
   * just paged, or every log once past the hard bound. The deltas cannot be
   * stale: they were made from this very root, in this transaction.
   */
  async beforePut(doc: Document, stats: IoStats): Promise<void> {
    doc.aggs.pageBytes = this.loader.aggPageBytes;
    for (let db = 0; db < DB_COUNT; db++) if (doc.inlineBytes(db) > this.threshold) doc.pageInline(db);
    // Big aggregates' new pages before the root that names them (a second round of PUTs for such a commit).
    await uploadStubs(doc, this.store, this.key, stats, () => this.loader.aggPages());
    const root = doc.pagedRoot;
    const hard = logBytes(root) > this.hard;
    const dbs = [...Array(DB_COUNT).keys()].filter((db) => (root.dbs[db]?.log.size ?? 0) > 0 && (hard || root.dbs[db]?.nodes.length === 0));
    if (dbs.length === 0) return;
    let deltas: FoldDelta[];
    try {
      deltas = await this.foldRoot(root, doc.clock, stats, dbs);
    } catch (e) {
      // The fold only keeps the root small; without it the root is still
      // whole and correct (every record in the log). So a page that could not
      // be made fails the commit only once the log is past twice the hard
      // bound and the threshold: a passing S3 fault must not fail writes.
      if ((e instanceof StoreError || e instanceof PageError) && logBytes(root) <= this.refuseBytes) return;
      throw e;
    }
    for (const d of deltas) {
      if (!doc.applyDelta(d, doc.clock)) throw new Error(`db ${d.db}: a fold of this commit's own root did not apply`);
    }
  }

  /** Log bytes past which a commit whose own fold failed is refused. */
  private get refuseBytes(): number {
    return 2 * Math.max(this.hard, this.threshold);
  }
}

/** A delta as it travels (keys as bytes, pages left behind: they are uploaded). */
export const toLocalDelta = ({ pages: _pages, ...d }: FoldDelta): LocalFoldDelta => ({ ...d, folded: d.folded.map((f) => ({ ...f, k: Buffer.from(f.k, 'latin1') })) });

/** A delta from a request, as the commit applies it (keys as documents hold them: latin1). */
export const fromLocalDelta = (d: LocalFoldDelta): AppliedDelta => ({ ...d, folded: d.folded.map((f) => ({ ...f, k: f.k.toString('latin1') })) });

/**
 * A fold request's answer (layout.ts §5): the current root's logs folded,
 * their pages uploaded, the deltas. Nothing is written to db.json: the
 * writer's next commit applies them. The handler runs it in its queue, as a
 * batch, so the root it folds does not change meanwhile.
 */
export async function answerFold(folder: Folder, req: LocalBatchRequest, load: (stats: BatchStats) => Promise<Snapshot>, now: number): Promise<LocalBatchResponse> {
  const stats: BatchStats = { s3Gets: 0, s3Puts: 0, conflicts: 0, keys: 0, replayed: false };
  try {
    const { doc } = await load(stats);
    const deltas = await folder.foldRoot(doc.pagedRoot, now, stats);
    return { v: CONTRACT_VERSION, batchId: req.batchId, ok: true, sessions: [], stats, folds: deltas.map(toLocalDelta) };
  } catch (e) {
    if (!(e instanceof BatchFailed || e instanceof StoreError || e instanceof PageError)) throw e;
    return { v: CONTRACT_VERSION, batchId: req.batchId, ok: false, failure: { kind: 'not-applied', message: `fold: ${e.message}` }, stats };
  }
}
