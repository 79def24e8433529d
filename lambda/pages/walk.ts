/**
 * Reading a paged database by hash range (layout.ts §2, step 5): a leaf's
 * range [lo, hi) merged whole — the leaf, then its node's buffer, then the
 * root log, the newest level winning — for KEYS (every range, a node at a
 * time, that node's leaves in parallel), SCAN (the ranges from its cursor
 * until COUNT) and RANDOMKEY (one leaf).
 */
import type { Entry } from '../document-format';
import type { Page, Rec } from './codec';
import { keyPos, rangeOf } from './layout';
import type { Found, PageReader } from './keyspace';
import { belowOf, type PagedDb, type PagedRoot } from './root';
import { END } from './spans';

/** A leaf's range, its page ('' for a node without leaves) and key count, under its node. */
export interface LeafSpan {
  lo: number;
  hi: number;
  page: string;
  n: number;
  node: Page | undefined;
}

/** Lays records over `into` (newer levels last): an entry replaces, a tombstone removes. */
function overlay(into: Map<string, Entry>, recs: Iterable<[string, Rec]>): void {
  for (const [k, r] of recs) {
    if (r.e) into.set(k, r.e);
    else into.delete(k);
  }
}

function inRange(recs: Map<string, Rec>, lo: number, hi: number): [string, Rec][] {
  const out: [string, Rec][] = [];
  for (const [k, r] of recs) {
    const p = keyPos(k);
    if (p >= lo && p < hi) out.push([k, r]);
  }
  return out;
}

/** Node `i` of `d` (its page read) and its leaves as spans; a database not paged yet is one span, the log alone. */
export async function nodeSpans(d: PagedDb, i: number, pages: PageReader): Promise<{ node: Page | undefined; spans: LeafSpan[] }> {
  if (d.nodes.length === 0) return { node: undefined, spans: [{ lo: 0, hi: END, page: '', n: 0, node: undefined }] };
  // A range runs to the next one's start; the first of each level from its parent's (refs are what count).
  const lo = i === 0 ? 0 : d.nodes[i].lo;
  const hi = d.nodes[i + 1]?.lo ?? END;
  const node = await pages.get(d.nodes[i].page);
  const leaves = node.leaves?.length ? node.leaves : [{ lo, page: '', n: 0, x: 0 }];
  const spans = leaves.map((l, j) => ({ lo: j === 0 ? lo : l.lo, hi: leaves[j + 1]?.lo ?? hi, page: l.page, n: l.n, node }));
  return { node, spans };
}

/** The node holding position `pos`. */
export const nodeAt = (d: PagedDb, pos: number): number => (d.nodes.length === 0 ? 0 : rangeOf(d.nodes.map((n) => n.lo), pos));

/**
 * Every live key of span `s` and every key a root log record names in it,
 * with what lies under the log for each (the p its next record gets): what
 * Document.resolveSpan takes.
 */
export async function readSpan(d: PagedDb, s: LeafSpan, pages: PageReader): Promise<Map<string, Found>> {
  const m = new Map<string, Entry>();
  if (s.page !== '') overlay(m, (await pages.get(s.page)).recs);
  if (s.node) overlay(m, inRange(s.node.recs, s.lo, s.hi));
  const out = new Map<string, Found>();
  for (const [k, e] of m) out.set(k, { e, below: belowOf(e) });
  // A key the log deletes keeps what is below it: its next record needs that p.
  for (const [k, r] of inRange(d.log, s.lo, s.hi)) out.set(k, { e: r.e ?? undefined, below: r.p });
  return out;
}

/** Every span of `db` in position order, read a node at a time (its leaves in parallel). */
export async function* walk(root: PagedRoot, db: number, pages: PageReader): AsyncGenerator<{ lo: number; hi: number; found: Map<string, Found> }> {
  const d = root.dbs[db];
  if (!d) return;
  for (let i = 0; i < Math.max(1, d.nodes.length); i++) {
    const { spans } = await nodeSpans(d, i, pages);
    const read = await Promise.all(spans.map((s) => readSpan(d, s, pages)));
    for (const [j, s] of spans.entries()) yield { lo: s.lo, hi: s.hi, found: read[j] };
  }
}
