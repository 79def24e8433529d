/**
 * The keys that have a TTL, per database (Redis's `expires` dict), as a
 * binary min-heap on the deadline. Active expiry reads expired keys off the
 * top in time proportional to how many it takes: keys still alive are never
 * scanned, however many there are.
 */

export interface TtlNode {
  readonly k: string;
  /** expiresAt, unix ms. */
  at: number;
  /** Position in the heap. */
  i: number;
}

export class TtlIndex {
  private heap: TtlNode[] = [];
  private nodes = new Map<string, TtlNode>();

  get size(): number {
    return this.heap.length;
  }

  /** The node at heap position i: 0 has the earliest deadline, i's children are 2i+1 and 2i+2. */
  node(i: number): TtlNode | undefined {
    return this.heap[i];
  }

  /** The deadline the index holds for `k`. */
  deadline(k: string): number | undefined {
    return this.nodes.get(k)?.at;
  }

  /** Records k's deadline; undefined: k has no TTL (or no longer exists). */
  set(k: string, at: number | undefined): void {
    const n = this.nodes.get(k);
    if (at === undefined) {
      if (n) this.remove(n);
    } else if (!n) {
      const m: TtlNode = { k, at, i: this.heap.length };
      this.heap.push(m);
      this.nodes.set(k, m);
      this.up(m);
    } else if (at !== n.at) {
      const earlier = at < n.at;
      n.at = at;
      if (earlier) this.up(n);
      else this.down(n);
    }
  }

  private remove(n: TtlNode): void {
    this.nodes.delete(n.k);
    const last = this.heap.pop() as TtlNode;
    if (last === n) return;
    this.place(last, n.i);
    this.up(last);
    this.down(last);
  }

  private place(n: TtlNode, i: number): void {
    this.heap[i] = n;
    n.i = i;
  }

  private up(n: TtlNode): void {
    while (n.i > 0) {
      const parent = this.heap[(n.i - 1) >> 1];
      if (parent.at <= n.at) return;
      const i = n.i;
      this.place(n, parent.i);
      this.place(parent, i);
    }
  }

  private down(n: TtlNode): void {
    for (;;) {
      const l = 2 * n.i + 1;
      if (l >= this.heap.length) return;
      const c = l + 1 < this.heap.length && this.heap[l + 1].at < this.heap[l].at ? this.heap[l + 1] : this.heap[l];
      if (c.at >= n.at) return;
      const i = n.i;
      this.place(n, c.i);
      this.place(c, i);
    }
  }
}

/** Index entries looked at by expiredKeys(), for tests: the work must follow what it returns, not the index size. */
export const expiryScan = { visited: 0 };

interface Candidate {
  n: TtlNode;
  ttl: TtlIndex;
  db: number;
}

/** A small min-heap of candidates on their deadline (no positions: only push and pop). */
class Frontier {
  private h: Candidate[] = [];

  get size(): number {
    return this.h.length;
  }

  push(c: Candidate): void {
    const h = this.h;
    let i = h.push(c) - 1;
    while (i > 0 && h[(i - 1) >> 1].n.at > c.n.at) {
      h[i] = h[(i - 1) >> 1];
      i = (i - 1) >> 1;
    }
    h[i] = c;
  }

  pop(): Candidate {
    const h = this.h;
    const top = h[0];
    const last = h.pop() as Candidate;
    if (h.length === 0) return top;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= h.length) break;
      if (c + 1 < h.length && h[c + 1].n.at < h[c].n.at) c++;
      if (h[c].n.at >= last.n.at) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = last;
    return top;
  }
}

/**
 * Up to `max` keys with `at < now` (a key at its deadline is still alive, as
 * in Redis), earliest deadline first across the given indexes. A best-first
 * walk down the heaps: it looks at each root, then at the two children of
 * each key it takes, so at most roots + 2·max entries whatever the sizes.
 */
export function scanExpired(indexes: { db: number; ttl: TtlIndex }[], now: number, max: number): { db: number; k: string }[] {
  const out: { db: number; k: string }[] = [];
  const frontier = new Frontier();
  const consider = (ttl: TtlIndex, db: number, i: number): void => {
    const n = ttl.node(i);
    if (!n) return;
    expiryScan.visited++;
    if (n.at < now) frontier.push({ n, ttl, db });
  };
  if (max <= 0) return out;
  for (const { db, ttl } of indexes) consider(ttl, db, 0);
  while (out.length < max && frontier.size > 0) {
    const { n, ttl, db } = frontier.pop();
    out.push({ db, k: n.k });
    consider(ttl, db, 2 * n.i + 1);
    consider(ttl, db, 2 * n.i + 2);
  }
  return out;
}

/** Entries averaged by avgTtl(): all of them up to this many, else this many sampled. */
export const AVG_TTL_SAMPLES = 128;

/**
 * INFO keyspace's avg_ttl (ms): the mean remaining TTL of the keys that have
 * one and have not yet reached their deadline, 0 when none. Exact up to
 * AVG_TTL_SAMPLES keys with a TTL; beyond that, the mean over that many
 * entries drawn uniformly at random (with replacement) from the index, an
 * estimate as Redis's own avg_ttl is.
 */
export function avgTtl(ttl: TtlIndex, now: number): number {
  const n = ttl.size;
  const draws = Math.min(n, AVG_TTL_SAMPLES);
  let sum = 0;
  let alive = 0;
  for (let s = 0; s < draws; s++) {
    const left = (ttl.node(n <= AVG_TTL_SAMPLES ? s : Math.floor(Math.random() * n)) as TtlNode).at - now;
    if (left > 0) {
      sum += left;
      alive++;
    }
  }
  return alive === 0 ? 0 : Math.round(sum / alive);
}
