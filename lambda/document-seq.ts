/** Seq: an ordered sequence in fixed-size chunks (see document-chunks.ts). */
import { fragments, type Fragmented, type ItemJson } from './document-fragments';

/** Most items in one chunk; a chunk that would grow past it is split in halves. */
export const SEQ_MAX = 256;
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

  /** Every chunk with its JSON fragment, built on first need and kept: what a paged aggregate's member pages hold (pages/stub.ts). */
  pieces(item: ItemJson<T>): { chunk: object; json: () => Buffer }[] {
    return this.chunks.map((c) => ({ chunk: c, json: () => (c.json ??= Buffer.from(c.items.map(item).join(','), 'utf8')) }));
  }

  /** A sequence of exactly these chunks (each non-empty, at most SEQ_MAX items), as member pages give them back. */
  static ofChunks<T>(chunks: T[][]): Seq<T> {
    if (chunks.some((c) => c.length === 0 || c.length > SEQ_MAX)) throw new RangeError('a chunk is empty or too big');
    let size = 0;
    for (const c of chunks) size += c.length;
    return new Seq(chunks.map((items) => ({ items })), size);
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
