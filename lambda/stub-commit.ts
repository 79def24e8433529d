/**
 * A commit's big aggregates (layout.ts §3), just before its root PUT: the
 * member and index pages of the stubs it wrote are created (If-None-Match: *,
 * in parallel), then the pages its writes stopped referencing in the root log
 * are retired with the commit's clock (the GC's grace counts from it).
 *
 * Correct as the hard-bound fold is (folding.ts): every page is created
 * before the one root PUT that names it; a PUT that loses leaves them as
 * orphans for the GC, a PUT that lands is the only way readers see them.
 * Cost: such a commit makes a second round of PUTs (its changed member
 * pages, ~AGG_PAGE_BYTES / 2 each, and one index page, ~40 bytes per member
 * page of the aggregate) before the root's; commits writing no big aggregate
 * pay nothing.
 */
import type { Document } from './document';
import { pendingPages, type AggPages } from './pages/agg-io';
import { stubOf, type PagedValue, type Stub } from './pages/stub';
import { createPage } from './page-create';
import type { ObjectStore } from './store/types';

export async function uploadStubs(doc: Document, store: ObjectStore, key: string, stats: { s3Puts: number }, cache: () => AggPages): Promise<void> {
  const { written, dropped } = doc.aggs.transaction;
  const stubs: Stub[] = [];
  for (const [db, k] of written) {
    // The final record: a later write of this transaction may have replaced (or deleted) the stub.
    const e = doc.pagedRoot.dbs[db]?.log.get(k)?.e;
    const s = stubOf(e);
    if (!s || !e || e.type === 'string') continue;
    stubs.push(s);
    cache().remember(e.value as PagedValue);
  }
  const pending = pendingPages(stubs);
  if (pending.length > 0) {
    await Promise.all(
      pending.map(async ([name, bytes, uploaded]) => {
        await createPage(store, key, name, bytes, stats);
        uploaded();
      }),
    );
  }
  doc.retirePages(dropped, doc.clock);
}
