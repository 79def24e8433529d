/**
 * The benchmark's prefill (lambda/pages/layout.ts §14): N keys `key:0` …
 * `key:N-1` of `valueSize` bytes in database 0, written as the handler itself
 * would have written them in one commit. The keys go inline into a Document;
 * then the handler's own pre-PUT step (Folder.beforePut, lambda/folding.ts)
 * pages the database if it passed the page threshold — "a fold of one big
 * log": its entries become log records, the fold cuts them into leaves and
 * nodes — and uploads the pages with putPage; last, db.json is created with
 * If-None-Match: *. Below the threshold the result is the format-3 document
 * the old prefill wrote, byte for byte the same path.
 *
 * Reusing Folder (not a bench-only page builder) is the point: what the
 * benchmark measures then starts from exactly the layout a production
 * commit makes, and a 1M-key database takes seconds, not the hours of
 * SETting it through the proxy.
 */
import { performance } from 'node:perf_hooks';
import { Document } from '../../lambda/document';
import { Folder, type PagingOptions } from '../../lambda/folding';
import { PageLoader } from '../../lambda/loading';
import type { ObjectStore } from '../../lambda/store/types';

export interface PrefillResult {
  keys: number;
  /** Whether database 0 ended paged (format 4) rather than inline (format 3). */
  paged: boolean;
  rootBytes: number;
  /** Pages created, and their bytes (0 when inline). */
  pages: number;
  pageBytes: number;
  ms: number;
}

/** The name of the i-th key: what the workloads draw from. */
export const benchKey = (i: number): string => `key:${i}`;

/** The Document holding the prefill inline (before any paging): also what a test compares the paged result with. */
export function prefillDocument(n: number, valueSize: number): Document {
  const doc = Document.empty();
  const value = Buffer.alloc(valueSize, 0x61);
  for (let i = 0; i < n; i++) doc.set(Buffer.from(benchKey(i)), value);
  return doc;
}

/** Writes the prefill into `store` as `key` (which must not exist yet). Pages are uploaded before the root that names them. */
export async function prefillStore(store: ObjectStore, key: string, n: number, valueSize: number, paging?: PagingOptions): Promise<PrefillResult> {
  const t0 = performance.now();
  const doc = prefillDocument(n, valueSize);
  // What a commit does just before its PUT: page what passed the threshold, fold it, upload its pages (counted here).
  const io = { s3Gets: 0, s3Puts: 0 };
  const sizes = new Map<string, number>();
  const counting: ObjectStore = {
    description: store.description,
    get: (k, o) => store.get(k, o),
    put: (k, b, c) => store.put(k, b, c),
    delete: (k) => store.delete(k),
    getPage: store.getPage && ((docKey, name) => store.getPage!(docKey, name)),
    putPage:
      store.putPage &&
      ((docKey, name, bytes) => {
        sizes.set(name, bytes.length);
        return store.putPage!(docKey, name, bytes);
      }),
  };
  await new Folder(counting, key, new PageLoader(counting, key), paging).beforePut(doc, io);
  const body = Buffer.from(doc.encode());
  const r = await store.put(key, body, { ifNoneMatch: '*' });
  if (r.status !== 'ok') throw new Error(`prefill: ${key} was not created (${r.status}: ${r.detail})`);
  let pageBytes = 0;
  for (const s of sizes.values()) pageBytes += s;
  return { keys: n, paged: doc.isPaged(0), rootBytes: body.length, pages: sizes.size, pageBytes, ms: Math.round(performance.now() - t0) };
}
