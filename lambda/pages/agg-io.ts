/**
 * Big aggregates' I/O (layout.ts §3): expanding a stub into its value for a
 * batch (its index page, then its member pages in parallel, through a cache
 * by page name: pages never change, so it outlives every root), and
 * uploading a commit's new member and index pages before its root PUT.
 *
 * A missing or corrupt index or member page is PageMissingError /
 * PageCorruptError naming it, as any page (§7): the loader re-reads the root
 * once, then answers TRYAGAIN; nothing is written.
 */
import { memberChunk } from '../document-fieldmap';
import type { Entry } from '../document-format';
import { decodeBytes, decodeLatin1 } from '../document-json';
import { compareIds, parseStoredId, zcompare, type StreamId, type StreamItem, type ZItem } from '../document-values';
import { PageCorruptError } from './codec';
import { decodeAggPage, type IndexHead } from './agg-codec';
import type { Found, Loader } from './keyspace';
import { PagedStream, pagedValue, plain, stubOf, type PagedValue, type Stub, type StubRun } from './stub';

type AggEntry = Exclude<Entry, { type: 'string' }>;
type Decoded = { kind: 'index'; head: IndexHead } | { kind: 'members'; chunks: unknown[][]; sizes: number[] };

/** Decoded index and member pages by name, least recently used dropped past `maxBytes`. */
export class AggPages {
  private readonly cache = new Map<string, Promise<Decoded>>();
  private readonly sizes = new Map<string, number>();
  /** Expanded values by index page name, least recently used dropped past `maxBytes` of members. */
  private readonly values = new Map<string, { v: PagedValue; bytes: number }>();
  private valueBytes = 0;
  private bytes = 0;
  /** Pages fetched from the store (not the cache). */
  fetched = 0;

  constructor(private readonly load: Loader, private readonly maxBytes = 64 << 20) {}

  private get(name: string, decode: (name: string, bytes: Buffer) => Decoded): Promise<Decoded> {
    const hit = this.cache.get(name);
    if (hit) {
      this.cache.delete(name);
      this.cache.set(name, hit);
      return hit;
    }
    const slot: { p?: Promise<Decoded> } = {};
    const p = (slot.p = (async () => {
      this.fetched++;
      const bytes = await this.load(name);
      const d = decode(name, bytes);
      // Dropped while in flight: its bytes are not the cache's to count.
      if (this.cache.get(name) !== slot.p) return d;
      this.sizes.set(name, bytes.length);
      this.bytes += bytes.length;
      for (const n of this.cache.keys()) {
        if (this.bytes <= this.maxBytes || n === name) break;
        this.cache.delete(n);
        this.bytes -= this.sizes.get(n) ?? 0;
        this.sizes.delete(n);
      }
      return d;
    })());
    this.cache.set(name, p);
    // A failed fetch is not cached: the next batch asks the store again.
    p.catch(() => this.cache.get(name) === p && this.cache.delete(name));
    return p;
  }

  /** The index page `name` of a stub of type `t`. */
  async index(name: string, t: string): Promise<IndexHead> {
    const d = await this.get(name, (n, b) => {
      const { head } = decodeAggPage(n, b);
      if (head.kind !== 'index' || head.t !== t) throw new PageCorruptError(n, `not the index page of a ${t}`);
      return { kind: 'index', head };
    });
    return (d as { head: IndexHead }).head;
  }

  /** The member page `name` of a `t`: each chunk's items, decoded. */
  async members(name: string, t: string): Promise<{ chunks: unknown[][]; sizes: number[] }> {
    const d = await this.get(name, (n, b) => {
      const { head, fragments } = decodeAggPage(n, b);
      if (head.kind !== 'members' || head.t !== t) throw new PageCorruptError(n, `not a member page of a ${t}`);
      return { kind: 'members', chunks: fragments.map((f) => decodeChunk(t, f, n)), sizes: head.chunks };
    });
    return d as { chunks: unknown[][]; sizes: number[] };
  }

  /**
   * The expanded form of a stub entry (its value holds every member, its
   * stub the layout), built once per index page and kept (values never
   * change): a key resolved again after a fold costs no rebuild.
   */
  async expand(e: AggEntry, stub: Stub): Promise<Entry> {
    const hit = this.values.get(stub.index);
    // A stub naming an index built for another (its type or size differ) is as corrupt as the page would read.
    if (hit && (hit.v.type !== e.type || hit.v.stub.n !== stub.n)) throw new PageCorruptError(stub.index, `it is the index of a ${hit.v.type} of ${hit.v.stub.n}, the stub says a ${e.type} of ${stub.n}`);
    if (hit) {
      this.values.delete(stub.index);
      this.values.set(stub.index, hit);
      return withMeta(e, hit.v);
    }
    const v = await this.build(e, stub);
    this.remember(v);
    return withMeta(e, v);
  }

  /**
   * Keeps an expanded value under its index page's name: one a commit just
   * wrote, so that resolving its stub again (after a fold moved it down)
   * rebuilds nothing and keeps the chunk identities its next write reuses.
   * Harmless if the commit does not land: no root names that index then.
   */
  remember(v: PagedValue): void {
    const index = v.stub.index;
    if (!v.stub.runs || this.values.has(index)) return;
    const bytes = v.stub.runs.reduce((a, r) => a + r.size, 0);
    this.values.set(index, { v, bytes });
    this.valueBytes += bytes;
    for (const [n, x] of this.values) {
      if (this.valueBytes <= this.maxBytes || n === index) break;
      this.values.delete(n);
      this.valueBytes -= x.bytes;
    }
  }

  private async build(e: AggEntry, stub: Stub): Promise<PagedValue> {
    const head = await this.index(stub.index, e.type);
    const fail = (why: string): never => {
      throw new PageCorruptError(stub.index, why);
    };
    if (head.n !== stub.n) fail(`it says ${head.n} members, the stub ${stub.n}`);
    const pages = await Promise.all(head.runs.map(([page]) => this.members(page, e.type)));
    const runs: StubRun[] = [];
    const all: unknown[][] = [];
    head.runs.forEach(([page, count], i) => {
      const { chunks, sizes } = pages[i];
      if (chunks.length !== count) throw new PageCorruptError(page, `it holds ${chunks.length} chunks, its index says ${count}`);
      runs.push({ page, chunks: [], size: sizes.reduce((a, b) => a + b, 0) });
      all.push(...chunks);
    });
    const expanded: Stub = { index: stub.index, n: stub.n, ...(head.bits !== undefined ? { bits: head.bits } : {}), runs };
    const parts = checkMembers(e.type, all, head, fail);
    const v = pagedValue(e.type, expanded, parts, streamMeta(e));
    // The runs' chunk identities are the new value's own chunk objects, in order.
    const ids = v.type === 'hash' || v.type === 'set' ? (v.type === 'hash' ? v.fields : v.members).pieces(() => '').map((p) => p.chunk) : (v.type === 'list' ? v.items : v.type === 'zset' ? v.order : v.entries).pieces(() => '').map((p) => p.chunk);
    let at = 0;
    for (let i = 0; i < runs.length; i++) {
      runs[i].chunks = ids.slice(at, at + head.runs[i][1]);
      at += head.runs[i][1];
    }
    return v;
  }
}

/**
 * The entry `e` with the expanded value: a stream's counters are the stub's
 * own (XSETID changes them and keeps the index page), the rest is shared.
 */
function withMeta(e: AggEntry, v: PagedValue): Entry {
  if (e.type === 'stream' && v instanceof PagedStream) return { ...e, value: new PagedStream(v.entries, e.value.lastId, e.value.entriesAdded, e.value.maxDeletedId, v.stub) };
  return { ...e, value: v } as Entry;
}

function streamMeta(e: AggEntry): { last?: StreamId; added?: number; maxdel?: StreamId } {
  return e.type === 'stream' ? { last: e.value.lastId, added: e.value.entriesAdded, maxdel: e.value.maxDeletedId } : {};
}

/** One chunk's items from its fragment. */
function decodeChunk(t: string, frag: Buffer, name: string): unknown[] {
  const fail = (why: string): never => {
    throw new PageCorruptError(name, why);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(`[${frag.toString('utf8')}]`);
  } catch {
    return fail('a chunk is not JSON');
  }
  const items = raw as unknown[];
  const bytes = (v: unknown): Buffer => decodeBytes(v) ?? fail(`a ${t} member is not a byte string`);
  const latin = (v: unknown): string => decodeLatin1(v) ?? fail(`a ${t} member is not a byte string`);
  const pair = (v: unknown): unknown[] => (Array.isArray(v) && v.length === 2 ? v : fail(`a ${t} member is not a pair`));
  switch (t) {
    case 'hash':
      return items.map((x) => pair(x)).map(([f, v]) => [latin(f), bytes(v)]);
    case 'set':
      return items.map(latin);
    case 'list':
      return items.map(bytes);
    case 'zset':
      return items.map((x) => pair(x)).map(([m, s]): ZItem => ({ m: latin(m), s: typeof s === 'number' ? s : s === 'inf' ? Infinity : s === '-inf' ? -Infinity : fail('a score is not a number') }));
    default:
      return items.map((x) => pair(x)).map(([id, fs]): StreamItem => {
        const sid = parseStoredId(id) ?? fail('a stream id is not "ms-seq"');
        if (!Array.isArray(fs) || fs.length === 0 || fs.length % 2 !== 0) fail('a stream entry does not hold field/value pairs');
        return { id: sid, fields: (fs as unknown[]).map(bytes) };
      });
  }
}

/** Checks the members as a whole (each in its chunk, in order, counted right) and shapes them for pagedValue. */
function checkMembers(t: string, chunks: unknown[][], head: IndexHead, fail: (why: string) => never): { maps?: Map<string, unknown>[]; items?: unknown[][] } {
  let n = 0;
  if (t === 'hash' || t === 'set') {
    const bits = head.bits ?? fail('no chunk bits');
    if (chunks.length !== 2 ** bits) fail(`${chunks.length} chunks for ${bits} bits`);
    const maps = chunks.map((c, i) => {
      const m = new Map<string, unknown>();
      for (const x of c) {
        const [f, v] = t === 'hash' ? (x as [string, Buffer]) : [x as string, true];
        if (memberChunk(f, bits) !== i) fail('a member is in the wrong chunk');
        if (m.has(f)) fail('a member appears twice');
        m.set(f, v);
      }
      n += m.size;
      return m;
    });
    if (n !== head.n) fail(`${n} members, not ${head.n}`);
    return { maps };
  }
  let prev: unknown;
  for (const c of chunks) {
    if (c.length === 0 || c.length > 256) fail('a chunk is empty or too big');
    for (const x of c) {
      if (prev !== undefined && t === 'zset' && zcompare(prev as ZItem, x as ZItem) >= 0) fail('members are out of order');
      if (prev !== undefined && t === 'stream' && compareIds((prev as StreamItem).id, (x as StreamItem).id) >= 0) fail('entries are out of order');
      prev = x;
      n++;
    }
  }
  if (n !== head.n) fail(`${n} members, not ${head.n}`);
  return { items: chunks };
}

/** A resolved key as the Document takes it: a plain entry, and the expanded stub it came from. */
export type Expanded = Found & { origin?: Stub };

/** Expands every stub among `found` (in parallel): the keyspace gets plain values, the Document their origins. */
export async function expandFound(found: ReadonlyMap<string, Found>, pages: AggPages): Promise<Map<string, Expanded>> {
  const out = new Map<string, Expanded>();
  await Promise.all(
    Array.from(found, async ([k, f]) => {
      const s = stubOf(f.e);
      if (!s || !f.e || f.e.type === 'string') return void out.set(k, f);
      const e = s.runs ? f.e : await pages.expand(f.e, s);
      out.set(k, { e: plain(e), below: f.below, origin: stubOf(e) });
    }),
  );
  return out;
}

/** The pages a stub names, its members read from its index when it is not expanded (the fold's retirements, the GC). */
export async function pagesOfStub(s: Stub, t: string, pages: AggPages): Promise<string[]> {
  if (s.runs) return [s.index, ...s.runs.map((r) => r.page)];
  const head = await pages.index(s.index, t);
  return [s.index, ...head.runs.map(([p]) => p)];
}

/**
 * The pages of `stubs` not yet uploaded (each once), and for each a callback
 * marking it uploaded: a later version reusing the run must not upload it
 * again (If-None-Match would refuse it).
 */
export function pendingPages(stubs: readonly Stub[]): [string, Buffer, () => void][] {
  const out = new Map<string, [string, Buffer, () => void]>();
  for (const s of stubs) {
    if (s.indexBytes) out.set(s.index, [s.index, s.indexBytes, () => (s.indexBytes = undefined)]);
    for (const r of s.runs ?? []) if (r.bytes) out.set(r.page, [r.page, r.bytes, () => (r.bytes = undefined)]);
  }
  return [...out.values()];
}
