/**
 * Building pages from records (layout.ts §5): cutting position-ordered
 * entries into leaves of bounded size, and leaves into nodes. A cut never
 * falls between two keys of the same position (a hash collision): a range
 * holds every key whose position is in it, which is what lookups rely on.
 */
import { wholeEntryJson } from '../document-entry-json';
import type { Entry } from '../document-format';
import { encodePage, type PageRef, type Rec } from './codec';
import { keyPos, type PageLimits } from './layout';
import { pageName } from './name';
import { stubOf } from './stub';

/** Pages a fold creates, by name, and a source of upload tokens (tests fix them). */
export interface Output {
  pages: Map<string, Buffer>;
  token?: () => string;
}

export const sortByPos = <T>(recs: Iterable<[string, T]>): [string, T][] =>
  Array.from(recs, ([k, v]) => ({ k, v, pos: keyPos(k) }))
    .sort((a, b) => a.pos - b.pos || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map(({ k, v }) => [k, v]);

/** About what a record costs in a page (the codec's framing plus its entry JSON). */
export const recBytes = (k: string, e: Entry | null): number => k.length + 18 + (e ? Buffer.byteLength(wholeEntryJson(e)) : 0);

/** Uploads (records) a page and returns its name. */
export function emit(out: Output, head: Parameters<typeof encodePage>[0], recs: Iterable<[string, Rec]>): string {
  const bytes = encodePage(head, recs);
  const name = pageName(bytes, out.token?.());
  out.pages.set(name, bytes);
  return name;
}

/**
 * Cuts position-ordered items into runs: a new run starts once the current
 * one reached `full` (by `size`), at a position change. Returns each run's
 * start index.
 */
export function cuts<T>(items: [string, T][], size: (k: string, v: T) => number, full: number): number[] {
  const starts: number[] = items.length > 0 ? [0] : [];
  let acc = 0;
  for (let i = 0; i < items.length; i++) {
    if (acc >= full && keyPos(items[i][0]) !== keyPos(items[i - 1][0])) {
      starts.push(i);
      acc = 0;
    }
    acc += size(items[i][0], items[i][1]);
  }
  return starts;
}

/**
 * Leaves for the entries of the range [lo, hi) (position order): one leaf,
 * or once past the split size leaves of about half of it, so that the next
 * writes do not split them at once. An empty range gets no leaf.
 */
export function buildLeaves(db: number, lo: number, hi: number, entries: [string, Entry][], limits: PageLimits, out: Output): PageRef[] {
  let total = 0;
  for (const [k, e] of entries) total += recBytes(k, e);
  // A leaf within the split size stays one leaf; past it, halves.
  const starts = cuts(entries, recBytes, total > limits.leafMaxBytes ? limits.leafMaxBytes / 2 : Infinity);
  return starts.map((s, i) => {
    const run = entries.slice(s, starts[i + 1] ?? entries.length);
    const from = i === 0 ? lo : keyPos(run[0][0]);
    const to = i + 1 < starts.length ? keyPos(entries[starts[i + 1]][0]) : hi;
    const recs = run.map(([k, e]): [string, Rec] => [k, { e, p: 0, seq: 0 }]);
    const x = run.filter(([, e]) => e.expiresAt !== undefined).length;
    // The stubs' index pages ride in the node's ref: the GC learns what a leaf references without reading it.
    const a = run.flatMap(([, e]) => stubOf(e)?.index ?? []);
    const page = emit(out, { kind: 'leaf', db, lo: from, hi: to }, recs);
    return { lo: from, page, n: run.length, x, b: out.pages.get(page)!.length, ...(a.length > 0 ? { a } : {}) };
  });
}

/** Keys and keys with a TTL a node's subtree holds: its leaves' counts, corrected by its buffer. */
export function nodeCounts(leaves: PageRef[], buffer: Iterable<Rec>): { n: number; x: number } {
  let n = 0;
  let x = 0;
  for (const l of leaves) (n += l.n), (x += l.x);
  for (const r of buffer) {
    n += (r.e ? 1 : 0) - (r.p > 0 ? 1 : 0);
    x += (r.e?.expiresAt !== undefined ? 1 : 0) - (r.p === 2 ? 1 : 0);
  }
  return { n, x };
}

/**
 * Node pages for `leaves` (tiling [lo, hi)) and the buffer records of that
 * range: one node, or several of at most half the fan-out once it is
 * passed. An empty subtree (no leaves, no records) gets no node.
 */
export function buildNodes(db: number, lo: number, hi: number, leaves: PageRef[], buffer: [string, Rec][], limits: PageLimits, out: Output): PageRef[] {
  if (leaves.length === 0 && buffer.length === 0) return [];
  const groups = leaves.length > limits.nodeMaxLeaves ? Math.ceil(leaves.length / Math.max(1, Math.floor(limits.nodeMaxLeaves / 2))) : 1;
  const per = Math.ceil(leaves.length / groups);
  const refs: PageRef[] = [];
  for (let g = 0; g < groups; g++) {
    const ls = leaves.slice(g * per, (g + 1) * per);
    const from = g === 0 ? lo : ls[0].lo;
    const to = g + 1 < groups ? leaves[(g + 1) * per].lo : hi;
    const own = ls.map((l, i) => (i === 0 ? { ...l, lo: from } : l));
    const recs = buffer.filter(([k]) => keyPos(k) >= from && keyPos(k) < to);
    const page = emit(out, { kind: 'node', db, lo: from, hi: to, leaves: own }, recs);
    const ref: PageRef = { lo: from, page, ...nodeCounts(own, recs.map(([, r]) => r)) };
    // The subtree's bytes: exact while every leaf's is known (fold.ts measures the others first).
    if (own.every((l) => l.b !== undefined)) ref.b = own.reduce((n, l) => n + l.b!, out.pages.get(page)!.length);
    refs.push(ref);
  }
  return refs;
}
