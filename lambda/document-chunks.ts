/**
 * Persistent chunked collections: what hashes, sets, sorted sets, lists and
 * streams are made of. Entries are immutable once stored (the page cache and
 * the undo journal keep old entries as they were), but copying a 100k-member
 * aggregate on every write would cost what re-encoding the document costs.
 * So an aggregate is an array of small chunks; a change copies the array
 * (pointers) and the one or two chunks it changes, and shares the rest.
 * Each chunk caches its encoded JSON fragment, so encoding a changed
 * aggregate re-encodes only its changed chunks.
 *
 * - FieldMap: members by name, spread over 2^bits chunks by the top bits of
 *   their 52-bit hash (lambda/hash52.ts). A chunk is therefore a range of the
 *   hash space: HSCAN/SSCAN cursors are hash positions, as SCAN's are.
 * - Seq: an ordered sequence in chunks of at most SEQ_MAX items, with the
 *   chunks' start positions computed once per (immutable) Seq for indexing.
 */
import { hash52Latin1, HASH_SPACE } from './hash52';

/** One chunk and its cached JSON fragment (undefined: not encoded yet); `items` never change. */
interface Fragmented {
  json?: Buffer;
}

/** Items are encoded to JSON texts, comma-separated, without brackets. */
export type ItemJson<T> = (item: T) => string;

const COMMA = Buffer.from(',');

/**
 * The JSON of every non-empty chunk with commas between: the array body of
 * an aggregate. Chunks encode on first need and keep the result.
 */
function fragments<C extends Fragmented>(chunks: readonly C[], encode: (c: C) => string[], nonEmpty: (c: C) => boolean): { parts: Buffer[]; bytes: number } {
  const parts: Buffer[] = [];
  let bytes = 0;
  for (const c of chunks) {
    if (!nonEmpty(c)) continue;
    c.json ??= Buffer.from(encode(c).join(','), 'utf8');
    if (parts.length > 0) {
      parts.push(COMMA);
      bytes++;
    }
    parts.push(c.json);
    bytes += c.json.length;
  }
  return { parts, bytes };
}

// ---------------------------------------------------------------- FieldMap

/** Grow (split every chunk) past this many members per chunk. */
const MAP_CHUNK_MAX = 256;
/** Shrink (merge chunk pairs) below a eighth of that: far enough apart that a size going back and forth does not rebuild each time. */
const MAP_CHUNK_MIN = MAP_CHUNK_MAX / 8;
/** 2^20 chunks: the hash's top 20 bits (h2 & 0xfffff) name them. */
const MAX_BITS = 20;

interface MapChunk<V> extends Fragmented {
  readonly m: Map<string, V>;
}

/** Which chunk member `f` (its hash `h`) belongs to with 2^bits chunks: the top bits of the hash. */
const chunkOf = (h: number, bits: number): number => (bits === 0 ? 0 : Math.floor(h / 2 ** (52 - bits)));

/** The fewest bits that keep chunks under MAP_CHUNK_MAX. */
function bitsFor(size: number): number {
  let bits = 0;
  while (bits < MAX_BITS && size > MAP_CHUNK_MAX * 2 ** bits) bits++;
  return bits;
}

/** An immutable map of latin1 member names to V (hash fields, set members, sorted-set scores). */
export class FieldMap<V> {
  private constructor(
    private readonly chunks: readonly MapChunk<V>[],
    readonly size: number,
    private readonly bits: number,
  ) {}

  static empty<V>(): FieldMap<V> {
    return new FieldMap<V>([{ m: new Map() }], 0, 0);
  }

  static from<V>(entries: Iterable<readonly [string, V]>): FieldMap<V> {
    const d = FieldMap.empty<V>().draft();
    for (const [f, v] of entries) d.set(f, v);
    return d.done();
  }

  get(f: string): V | undefined {
    return this.chunks[chunkOf(hash52Latin1(f), this.bits)].m.get(f);
  }

  has(f: string): boolean {
    return this.chunks[chunkOf(hash52Latin1(f), this.bits)].m.has(f);
  }

  *entries(): IterableIterator<[string, V]> {
    for (const c of this.chunks) yield* c.m.entries();
  }

  *keys(): IterableIterator<string> {
    for (const c of this.chunks) yield* c.m.keys();
  }

  /** The i-th member in iteration order (0 ≤ i < size): what random picks use; O(chunks + chunk size). */
  nth(i: number): [string, V] {
    for (const c of this.chunks) {
      if (i < c.m.size) {
        for (const e of c.m) if (i-- === 0) return e;
      } else i -= c.m.size;
    }
    throw new RangeError('index out of range');
  }

  /**
   * Members whose hash is at least `cursor`, a chunk at a time, until at
   * least `count` are found; then the cursor where the next call starts
   * (0: done). Members of a chunk come back together, sorted by hash, so a
   * member present throughout an iteration is returned at least once.
   */
  scan(cursor: number, count: number): { next: number; entries: [string, V][] } {
    const out: [string, V][] = [];
    const width = HASH_SPACE / this.chunks.length;
    for (let i = chunkOf(cursor, this.bits); i < this.chunks.length; i++) {
      const inChunk: { h: number; e: [string, V] }[] = [];
      for (const e of this.chunks[i].m) {
        const h = hash52Latin1(e[0]);
        if (h >= cursor) inChunk.push({ h, e });
      }
      inChunk.sort((a, b) => a.h - b.h);
      for (const x of inChunk) out.push(x.e);
      if (out.length >= count && i + 1 < this.chunks.length) return { next: (i + 1) * width, entries: out };
    }
    return { next: 0, entries: out };
  }

  draft(): FieldMapDraft<V> {
    return new FieldMapDraft(this.chunks, this.size, this.bits, (chunks, size, bits) => new FieldMap(chunks, size, bits));
  }

  /** The JSON array body (`item,item,...`), from the chunks' cached fragments. */
  json(item: (f: string, v: V) => string): { parts: Buffer[]; bytes: number } {
    return fragments(
      this.chunks,
      (c) => Array.from(c.m, ([f, v]) => item(f, v)),
      (c) => c.m.size > 0,
    );
  }
}

/**
 * A FieldMap being changed: it copies a chunk the first time it changes it
 * (copy-on-write per chunk), so a command changing many members copies each
 * chunk once. done() freezes it; the draft must not be used after.
 */
export class FieldMapDraft<V> {
  private chunks: MapChunk<V>[];
  private readonly owned = new Set<number>();

  constructor(
    chunks: readonly MapChunk<V>[],
    public size: number,
    private bits: number,
    private readonly make: (chunks: MapChunk<V>[], size: number, bits: number) => FieldMap<V>,
  ) {
    this.chunks = chunks.slice();
  }

  get(f: string): V | undefined {
    return this.chunks[chunkOf(hash52Latin1(f), this.bits)].m.get(f);
  }

  has(f: string): boolean {
    return this.chunks[chunkOf(hash52Latin1(f), this.bits)].m.has(f);
  }

  /** Sets f to v; true when f is new. */
  set(f: string, v: V): boolean {
    const m = this.writable(f);
    const fresh = !m.has(f);
    m.set(f, v);
    if (fresh) this.size++;
    if (this.size > MAP_CHUNK_MAX * 2 ** this.bits && this.bits < MAX_BITS) this.rechunk(bitsFor(this.size));
    return fresh;
  }

  /** Removes f; true when it was there. */
  delete(f: string): boolean {
    const i = chunkOf(hash52Latin1(f), this.bits);
    if (!this.chunks[i].m.has(f)) return false;
    this.writable(f).delete(f);
    this.size--;
    return true;
  }

  done(): FieldMap<V> {
    if (this.bits > 0 && this.size < MAP_CHUNK_MIN * 2 ** this.bits) this.rechunk(bitsFor(this.size));
    return this.make(this.chunks, this.size, this.bits);
  }

  private writable(f: string): Map<string, V> {
    const i = chunkOf(hash52Latin1(f), this.bits);
    if (!this.owned.has(i)) {
      this.chunks[i] = { m: new Map(this.chunks[i].m) };
      this.owned.add(i);
    }
    return this.chunks[i].m;
  }

  /** Redistributes every member over 2^bits chunks: O(size), rare (sizes double or drop eightfold between). */
  private rechunk(bits: number): void {
    const chunks: MapChunk<V>[] = Array.from({ length: 2 ** bits }, () => ({ m: new Map<string, V>() }));
    for (const c of this.chunks) for (const [f, v] of c.m) chunks[chunkOf(hash52Latin1(f), bits)].m.set(f, v);
    this.chunks = chunks;
    this.bits = bits;
    this.owned.clear();
    for (let i = 0; i < chunks.length; i++) this.owned.add(i);
  }
}

// ---------------------------------------------------------------- Seq

/** Most items in one chunk; a chunk that would grow past it is split in halves. */
const SEQ_MAX = 256;
/** A chunk left smaller than this by a removal is merged with a neighbour. */
const SEQ_MIN = SEQ_MAX / 4;

interface SeqChunk<T> extends Fragmented {
  readonly items: readonly T[];
}

/** Cuts items into chunks of at most SEQ_MAX, evenly. */
function chunked<T>(items: readonly T[]): SeqChunk<T>[] {
  if (items.length === 0) return [];
  const n = Math.ceil(items.length / SEQ_MAX);
  const per = Math.ceil(items.length / n);
  const out: SeqChunk<T>[] = [];
  for (let i = 0; i < items.length; i += per) out.push({ items: items.slice(i, i + per) });
  return out;
}

/** An immutable sequence (list elements, sorted-set order, stream entries). */
export class Seq<T> {
  /** Index of each chunk's first item; built on first need (the Seq never changes). */
  private starts: number[] | undefined;

  private constructor(
    private readonly chunks: readonly SeqChunk<T>[],
    readonly size: number,
  ) {}

  static empty<T>(): Seq<T> {
    return new Seq<T>([], 0);
  }

  static from<T>(items: readonly T[]): Seq<T> {
    return new Seq(chunked(items), items.length);
  }

  private startIndex(): number[] {
    if (!this.starts) {
      const s: number[] = [];
      let at = 0;
      for (const c of this.chunks) {
        s.push(at);
        at += c.items.length;
      }
      this.starts = s;
    }
    return this.starts;
  }

  /** The chunk holding index i (0 ≤ i < size) and i's offset in it. */
  private locate(i: number): [number, number] {
    const starts = this.startIndex();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    return [lo, i - starts[lo]];
  }

  at(i: number): T | undefined {
    if (i < 0 || i >= this.size) return undefined;
    const [c, o] = this.locate(i);
    return this.chunks[c].items[o];
  }

  get first(): T | undefined {
    return this.chunks[0]?.items[0];
  }

  get last(): T | undefined {
    const c = this.chunks[this.chunks.length - 1];
    return c?.items[c.items.length - 1];
  }

  /** Items from index `from` (inclusive) to `to` (exclusive), in order. */
  *range(from = 0, to = this.size): IterableIterator<T> {
    from = Math.max(0, from);
    to = Math.min(this.size, to);
    if (from >= to) return;
    let [c, o] = this.locate(from);
    for (let n = to - from; n > 0; c++, o = 0) {
      const items = this.chunks[c].items;
      for (; o < items.length && n > 0; o++, n--) yield items[o];
    }
  }

  /** Items from index `from` down to `to` (both inclusive), newest-first walks (ZREVRANGE, XREVRANGE, LRANGE from the tail). */
  *reverse(from = this.size - 1, to = 0): IterableIterator<T> {
    from = Math.min(this.size - 1, from);
    to = Math.max(0, to);
    if (from < to) return;
    let [c, o] = this.locate(from);
    for (let n = from - to + 1; n > 0; c--) {
      const items = this.chunks[c].items;
      for (; o >= 0 && n > 0; o--, n--) yield items[o];
      if (c > 0) o = this.chunks[c - 1].items.length - 1;
    }
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this.range();
  }

  toArray(): T[] {
    return Array.from(this.range());
  }

  /**
   * The first index whose item is not `before` (size when all are), for
   * items ordered so that `before` holds for a prefix: binary search over
   * the chunks, then within one. O(log n).
   */
  bound(before: (item: T) => boolean): number {
    let lo = 0;
    let hi = this.chunks.length;
    // The first chunk whose last item is not before.
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const items = this.chunks[mid].items;
      if (before(items[items.length - 1])) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.chunks.length) return this.size;
    const items = this.chunks[lo].items;
    let a = 0;
    let b = items.length - 1;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (before(items[mid])) a = mid + 1;
      else b = mid;
    }
    return this.startIndex()[lo] + a;
  }

  /**
   * A new Seq with `deleteCount` items from `start` replaced by `insert`.
   * Only the chunks holding the two ends are rebuilt (with a neighbour when
   * one would be left small); chunks wholly inside the removed range are
   * dropped, the rest shared. O(chunks + SEQ_MAX + insert).
   */
  splice(start: number, deleteCount: number, insert: readonly T[] = []): Seq<T> {
    start = Math.min(Math.max(0, start), this.size);
    deleteCount = Math.min(Math.max(0, deleteCount), this.size - start);
    if (deleteCount === 0 && insert.length === 0) return this;
    if (this.chunks.length === 0) return Seq.from(insert);
    const end = start + deleteCount;
    // Chunks a..b (inclusive) hold the edit; an insert at the very end goes into the last chunk.
    let [a, ao] = start < this.size ? this.locate(start) : [this.chunks.length - 1, this.chunks[this.chunks.length - 1].items.length];
    let [b, bo] = end > start ? this.locate(end - 1) : [a, ao - 1];
    let items: T[] = [...this.chunks[a].items.slice(0, ao), ...insert, ...this.chunks[b].items.slice(bo + 1)];
    if (items.length < SEQ_MIN) {
      // Merge with a neighbour, so removals do not leave a trail of tiny chunks.
      if (b + 1 < this.chunks.length) items = items.concat(this.chunks[++b].items);
      else if (a > 0) items = [...this.chunks[--a].items, ...items];
    }
    const chunks = [...this.chunks.slice(0, a), ...chunked(items), ...this.chunks.slice(b + 1)];
    return new Seq(chunks, this.size - deleteCount + insert.length);
  }

  push(items: readonly T[]): Seq<T> {
    return this.splice(this.size, 0, items);
  }

  unshift(items: readonly T[]): Seq<T> {
    return this.splice(0, 0, items);
  }

  /** The JSON array body, from the chunks' cached fragments. */
  json(item: ItemJson<T>): { parts: Buffer[]; bytes: number } {
    return fragments(
      this.chunks,
      (c) => c.items.map(item),
      (c) => c.items.length > 0,
    );
  }
}
