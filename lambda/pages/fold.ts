/**
 * The fold (layout.ts §5): moves the root log's records into their nodes'
 * buffers, flushes buffers into leaves, splits what grew too big, and says
 * so as a DELTA that a later commit applies to whatever root is current
 * then (applyFold). The fold itself writes no root: it only creates pages
 * (which nothing references until a commit applies the delta), so a commit
 * never waits for one, and a fold that loses every race leaves orphans the
 * GC removes, never a wrong root.
 */
import type { Entry } from '../document-format';
import type { Below, Page, PageRef, Rec } from './codec';
import { buildLeaves, buildNodes, recBytes, sortByPos, type Output } from './build';
import { FOLD_MAX_AGE_MS, keyPos, rangeOf, type PageLimits } from './layout';
import type { PageReader } from './keyspace';
import { Log } from './log';
import { belowOf, retire, type PagedRoot } from './root';
import { pagesOfStub, type AggPages } from './agg-io';
import { stubOf } from './stub';

const END = 2 ** 52;

/** One node ref of the base root (null: the database was not paged) and the refs that take its place. */
export interface Replacement {
  old: string | null;
  refs: PageRef[];
}

export interface FoldDelta {
  db: number;
  replaced: Replacement[];
  /** Log records moved down: their key, the seq they had, and what the subtree now holds for the key. */
  folded: { k: string; seq: number; p: Below }[];
  /** New pages to create (If-None-Match: *) before the delta may be committed. */
  pages: Map<string, Buffer>;
  /** Pages the new refs no longer reference. */
  retired: string[];
  /** When the fold began: a delta older than FOLD_MAX_AGE_MS is dropped (its pages may be GC'd as orphans). */
  startedAt: number;
}

/** A delta as a commit applies it: its pages were uploaded by the fold (they are not carried back). */
export type AppliedDelta = Omit<FoldDelta, 'pages'>;

export interface FoldOptions {
  limits: PageLimits;
  now: number;
  /** Upload tokens (tests make names deterministic). */
  token?: () => string;
  /** Reads a replaced stub's index page, to retire its member pages too (without: only its index page is retired). */
  aggPages?: AggPages;
}

/** Stub entries a fold replaced or deleted in a node buffer or a leaf: their pages are retired with the delta. */
type Dropped = Entry[];

/** Notes `old` as dropped when it is a stub that `next` (the record taking its place) does not carry on. */
function drop(dropped: Dropped, old: Entry | null | undefined, next: Entry | null | undefined): void {
  const s = stubOf(old);
  if (s && s.index !== stubOf(next)?.index) dropped.push(old!);
}

/** The pages of dropped stubs: index and members (a member page another stub shares is kept by the GC, which sees that stub). */
async function droppedPages(dropped: Dropped, pages: AggPages | undefined): Promise<string[]> {
  const out = await Promise.all(
    dropped.map(async (e) => {
      const s = stubOf(e)!;
      if (!pages) return [s.index];
      // An unreadable index only costs its members the retirement record: the GC's orphan rule still frees them.
      return pagesOfStub(s, e.type, pages).catch(() => [s.index]);
    }),
  );
  return out.flat();
}

/** Folds database `db`'s whole log; undefined when there is nothing to fold. */
export async function fold(root: PagedRoot, db: number, reader: PageReader, o: FoldOptions): Promise<FoldDelta | undefined> {
  const d = root.dbs[db];
  if (!d || d.log.size === 0) return undefined;
  const out: Output = { pages: new Map(), token: o.token };
  const delta: FoldDelta = { db, replaced: [], folded: [], pages: out.pages, retired: [], startedAt: o.now };
  for (const [k, r] of d.log) delta.folded.push({ k, seq: r.seq, p: belowOf(r.e) });
  if (d.nodes.length === 0) {
    // Paging the database: every record is an entry (nothing is below to delete).
    const entries = sortByPos(Array.from(d.log).flatMap(([k, r]): [string, Entry][] => (r.e ? [[k, r.e]] : [])));
    delta.replaced.push({ old: null, refs: buildNodes(db, 0, END, buildLeaves(db, 0, END, entries, o.limits, out), [], o.limits, out) });
    return delta;
  }
  const los = d.nodes.map((n) => n.lo);
  const dropped: Dropped = [];
  const groups = new Map<number, [string, Rec][]>();
  for (const kr of d.log) {
    const i = rangeOf(los, keyPos(kr[0]));
    const g = groups.get(i);
    if (g) g.push(kr);
    else groups.set(i, [kr]);
  }
  await Promise.all(
    Array.from(groups, async ([i, recs]) => {
      const lo = i === 0 ? 0 : d.nodes[i].lo;
      const hi = d.nodes[i + 1]?.lo ?? END;
      const node = await reader.get(d.nodes[i].page);
      const refs = await foldNode(node, db, lo, hi, recs, reader, o.limits, out, delta.retired, dropped);
      // Read whole and retired: not worth its memory in the cache (PageReader.forget).
      reader.forget(d.nodes[i].page);
      delta.replaced.push({ old: d.nodes[i].page, refs });
      delta.retired.push(d.nodes[i].page);
    }),
  );
  delta.retired.push(...(await droppedPages(dropped, o.aggPages)));
  // Upgrade: a node ref written before `b` was kept is measured once, by
  // its database's next fold (off the commit path): its pages are read once
  // (the cache keeps them), and it is replaced by the same page with `b`.
  await Promise.all(
    d.nodes.map(async (ref, i) => {
      if (ref.b !== undefined || groups.has(i)) return;
      const node = await reader.get(ref.page);
      const leaves = await Promise.all((node.leaves ?? []).map((l) => measured(l, reader)));
      if (node.size !== undefined) delta.replaced.push({ old: ref.page, refs: [{ ...ref, b: leaves.reduce((n, l) => n + (l.b ?? 0), node.size) }] });
    }),
  );
  return delta;
}

/** The ref with its page's bytes (`b`), read once when the ref was written without them. */
async function measured(ref: PageRef, reader: PageReader): Promise<PageRef> {
  if (ref.b !== undefined || ref.page === '') return ref;
  const size = (await reader.get(ref.page)).size;
  return size === undefined ? ref : { ...ref, b: size };
}

/** Lays log records over a node's buffer: a record's p becomes relative to the leaf (the buffer's own, when it had one). */
function overBuffer(node: Page, recs: [string, Rec][], dropped: Dropped): Map<string, Rec> {
  const buffer = new Map(node.recs);
  for (const [k, r] of recs) {
    const old = buffer.get(k);
    if (old) drop(dropped, old.e, r.e);
    const p = old?.p ?? r.p;
    // A tombstone over a leaf that never had the key says nothing.
    if (!r.e && p === 0) buffer.delete(k);
    else buffer.set(k, { e: r.e, p, seq: r.seq });
  }
  return buffer;
}

/** The node's new refs (none when its subtree is empty, several when it split); replaced leaves go to `retired`. */
async function foldNode(node: Page, db: number, lo: number, hi: number, recs: [string, Rec][], reader: PageReader, limits: PageLimits, out: Output, retired: string[], dropped: Dropped): Promise<PageRef[]> {
  const buffer = overBuffer(node, recs, dropped);
  // A node without leaves flushes into a leaf that does not exist yet.
  const leaves = node.leaves?.length ? node.leaves.map((l, j) => (j === 0 ? { ...l, lo } : l)) : [{ lo, page: '', n: 0, x: 0 }];
  const los = leaves.map((l) => l.lo);
  const byLeaf = new Map<number, [string, Rec][]>();
  let bytes = 0;
  for (const [k, r] of buffer) {
    const j = rangeOf(los, keyPos(k));
    const g = byLeaf.get(j);
    if (g) g.push([k, r]);
    else byLeaf.set(j, [[k, r]]);
    bytes += recBytes(k, r.e);
  }
  const all = bytes > limits.nodeBufferMaxBytes;
  const rebuilt = await Promise.all(
    leaves.map(async (leaf, j) => {
      const mine = byLeaf.get(j) ?? [];
      if (mine.length === 0 || (!all && mine.length < limits.leafMinRecords)) return leaf.page === '' ? [] : [await measured(leaf, reader)];
      const entries = new Map<string, Entry>();
      if (leaf.page !== '') for (const [k, r] of (await reader.get(leaf.page)).recs) if (r.e) entries.set(k, r.e);
      for (const [k, r] of mine) {
        drop(dropped, entries.get(k), r.e);
        if (r.e) entries.set(k, r.e);
        else entries.delete(k);
        buffer.delete(k);
      }
      if (leaf.page !== '') {
        retired.push(leaf.page);
        reader.forget(leaf.page);
      }
      return buildLeaves(db, leaf.lo, leaves[j + 1]?.lo ?? hi, sortByPos(entries), limits, out);
    }),
  );
  const kept = rebuilt.flat();
  // The ranges still tile the node's: the first leaf starts where the node does.
  if (kept.length > 0) kept[0] = { ...kept[0], lo };
  return buildNodes(db, lo, hi, kept, sortByPos(buffer), limits, out);
}

/**
 * Applies a fold's delta to the current root inside a commit (seq `seq`, at
 * `now`); false (the root untouched) when the delta is stale: a node it
 * replaces is no longer current (another fold, a FLUSHDB) or it is older
 * than FOLD_MAX_AGE_MS, past which the GC may take its pages for orphans.
 */
export function applyFold(root: PagedRoot, delta: AppliedDelta, seq: number, now: number): boolean {
  const d = root.dbs[delta.db] ?? { nodes: [], log: new Log() };
  if (now - delta.startedAt > FOLD_MAX_AGE_MS) return false;
  const current = new Set(d.nodes.map((n) => n.page));
  if (!delta.replaced.every((r) => (r.old === null ? d.nodes.length === 0 : current.has(r.old)))) return false;
  const gone = new Set(delta.replaced.map((r) => r.old));
  const nodes = d.nodes.filter((n) => !gone.has(n.page)).concat(delta.replaced.flatMap((r) => r.refs));
  nodes.sort((a, b) => a.lo - b.lo);
  if (nodes.length > 0) nodes[0] = { ...nodes[0], lo: 0 };
  for (const f of delta.folded) {
    const cur = d.log.get(f.k);
    if (cur?.seq === f.seq) d.log.delete(f.k);
    // Rewritten since the fold read it: what is below it is now the folded record.
    else if (cur) {
      if (cur.e || f.p > 0) d.log.set(f.k, { e: cur.e, p: f.p, seq: cur.seq });
      else d.log.delete(f.k);
    }
    // Deleted since, while nothing was below: the folded entry now is, so a tombstone must hide it.
    else if (f.p > 0) d.log.set(f.k, { e: null, p: f.p, seq });
  }
  d.nodes = nodes;
  root.dbs[delta.db] = d.nodes.length === 0 && d.log.size === 0 ? undefined : d;
  retire(root, delta.retired, now);
  return true;
}
