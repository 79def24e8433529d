/**
 * Reading a paged database (layout.ts §6): the entries a batch's keys need,
 * from the root log, their nodes' buffers and their leaves, each level's
 * pages fetched in parallel (whole ranges: walk.ts). Pages come through a PageReader: decoded once,
 * cached by name (a page never changes, so the cache outlives every root).
 */
import type { Entry } from '../document-format';
import { decodePage, type Below, type Page } from './codec';
import { keyPos, rangeOf } from './layout';
import { belowOf, type PagedRoot } from './root';

/** Fetches a page's bytes by name; throws PageMissingError when the store has none. */
export type Loader = (name: string) => Promise<Buffer>;

/** Decoded pages by name, least recently used dropped past `maxBytes` (of page bytes). */
export class PageReader {
  private readonly cache = new Map<string, { page: Promise<Page>; bytes: number }>();
  private bytes = 0;
  /** Pages fetched from the store (not the cache): what a cold read costs. */
  fetched = 0;

  constructor(private readonly load: Loader, private readonly maxBytes = 128 << 20) {}

  get(name: string): Promise<Page> {
    const hit = this.cache.get(name);
    if (hit) {
      // Map order is the LRU order: move to the newest end.
      this.cache.delete(name);
      this.cache.set(name, hit);
      return hit.page;
    }
    const slot = { page: this.fetch(name, (n) => (slot.bytes = n)), bytes: 0 };
    this.cache.set(name, slot);
    // A failed fetch is not cached: the next batch asks the store again.
    slot.page.catch(() => this.cache.get(name) === slot && this.cache.delete(name));
    return slot.page;
  }

  /**
   * Drops page `name` from the cache, once fetched (a pending fetch's bytes
   * are not counted yet): for a page a fold has just read whole and retired.
   * The cache counts page bytes, while a page whose every entry was parsed
   * holds about four times that in memory (measured at 1M keys), and a
   * retired page is read again only by a delta that is dropped.
   */
  forget(name: string): void {
    const s = this.cache.get(name);
    if (!s || s.bytes === 0) return;
    this.cache.delete(name);
    this.bytes -= s.bytes;
  }

  private async fetch(name: string, sized: (n: number) => void): Promise<Page> {
    this.fetched++;
    const bytes = await this.load(name);
    sized(bytes.length);
    this.bytes += bytes.length;
    for (const [n, s] of this.cache) {
      if (this.bytes <= this.maxBytes || n === name) break;
      this.cache.delete(n);
      this.bytes -= s.bytes;
    }
    return decodePage(name, bytes);
  }
}

/** A key's entry as the batch sees it, and what the levels under the root log hold (the p its next record gets). */
export interface Found {
  e: Entry | undefined;
  below: Below;
}

/** Groups keys by the range (of `los`) their position falls in. */
function byRange(keys: Iterable<string>, los: number[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const k of keys) {
    const i = rangeOf(los, keyPos(k));
    const g = out.get(i);
    if (g) g.push(k);
    else out.set(i, [k]);
  }
  return out;
}

/** The entries of `keys` (latin1) in database `db`: one round of node GETs, one of leaf GETs, both parallel. */
export async function resolve(root: PagedRoot, db: number, keys: Iterable<string>, pages: PageReader): Promise<Map<string, Found>> {
  const out = new Map<string, Found>();
  const d = root.dbs[db];
  const rest: string[] = [];
  for (const k of keys) {
    const r = d?.log.get(k);
    if (r) out.set(k, { e: r.e ?? undefined, below: r.p });
    else if (!d || d.nodes.length === 0) out.set(k, { e: undefined, below: 0 });
    else rest.push(k);
  }
  if (!d || rest.length === 0) return out;
  const los = d.nodes.map((n) => n.lo);
  const leafWants: { leaf: string; keys: string[] }[] = [];
  await Promise.all(
    Array.from(byRange(rest, los), async ([i, ks]) => {
      const node = await pages.get(d.nodes[i].page);
      const deeper: string[] = [];
      for (const k of ks) {
        const r = node.recs.get(k);
        if (r) out.set(k, { e: r.e ?? undefined, below: belowOf(r.e) });
        else deeper.push(k);
      }
      const leaves = node.leaves ?? [];
      if (leaves.length === 0) for (const k of deeper) out.set(k, { e: undefined, below: 0 });
      else for (const [j, lk] of byRange(deeper, leaves.map((l) => l.lo))) leafWants.push({ leaf: leaves[j].page, keys: lk });
    }),
  );
  await Promise.all(
    leafWants.map(async ({ leaf, keys: ks }) => {
      const page = await pages.get(leaf);
      for (const k of ks) {
        const e = page.recs.get(k)?.e ?? undefined;
        out.set(k, { e, below: belowOf(e) });
      }
    }),
  );
  return out;
}
