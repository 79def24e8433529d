/** FieldMap: members by name, chunked by member hash (see document-chunks.ts). */
import { fragments, type Fragmented } from './document-fragments';
import { hash52Latin1, HASH_SPACE } from './hash52';

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
export const chunkOf = (h: number, bits: number): number => (bits === 0 ? 0 : Math.floor(h / 2 ** (52 - bits)));

/** The chunk member `f` belongs to among 2^bits chunks. */
export const memberChunk = (f: string, bits: number): number => chunkOf(hash52Latin1(f), bits);

/** The most chunk bits a FieldMap uses. */
export const FIELDMAP_MAX_BITS = MAX_BITS;

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

  /**
   * Every chunk (empty ones too: a chunk's index is its hash range) with its
   * JSON fragment, built on first need and kept: what a paged aggregate's member pages hold
   * (pages/stub.ts). The chunk objects are the identities a later version
   * shares when unchanged.
   */
  pieces(item: (f: string, v: V) => string): { chunk: object; json: () => Buffer }[] {
    return this.chunks.map((c) => ({ chunk: c, json: () => (c.json ??= Buffer.from(Array.from(c.m, ([f, v]) => item(f, v)).join(','), 'utf8')) }));
  }

  /** The chunk count's log2: how members map to chunks (chunkOf). */
  get chunkBits(): number {
    return this.bits;
  }

  /**
   * A map of exactly these chunks (2^bits of them, each holding only members
   * whose hash falls in its range: the caller checks, see memberChunk), as a
   * paged aggregate's member pages give them back.
   */
  static ofChunks<V>(maps: Map<string, V>[], bits: number): FieldMap<V> {
    if (maps.length !== 2 ** bits) throw new RangeError(`${maps.length} chunks for ${bits} bits`);
    let size = 0;
    for (const m of maps) size += m.size;
    return new FieldMap(maps.map((m) => ({ m })), size, bits);
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

