/**
 * Lowe's memo table of visited (linearized set, model state) pairs, in typed
 * arrays: the search adds an entry per node it expands, so allocation and
 * Map overhead per entry would dominate its run time.
 *
 * The set is a bitset kept by the caller and hashed incrementally (Zobrist:
 * XOR of a random word per member), so adding or removing one operation
 * costs O(1) and a lookup only compares full bitsets on a hash match.
 */
export class Memo {
  readonly words: number;
  /** The caller's current set; toggle() keeps the hash in step. */
  readonly bits: Uint32Array;
  private hash = 0;
  private readonly zobrist: Int32Array;
  /** Entries: [state, ...bits] per entry, `stride` words apart. */
  private pool: Uint32Array;
  private hashes: Int32Array;
  private slots: Int32Array; // open addressing: entry index + 1, 0 = empty
  private mask: number;
  size = 0;
  /** Open operations (may never take effect), for the dominance check. */
  private readonly openMask: Uint32Array;
  private readonly hasOpen: boolean;
  private closedHash = 0; // Zobrist hash of the set's completed operations only
  private readonly failed = new Map<number, number[]>();

  constructor(n: number, open: (op: number) => boolean = () => false) {
    this.words = (n + 31) >>> 5;
    this.bits = new Uint32Array(this.words);
    this.zobrist = new Int32Array(n);
    let seed = 0x9e3779b9;
    for (let i = 0; i < n; i++) {
      // splitmix32: deterministic, so a run is reproducible.
      seed = (seed + 0x9e3779b9) | 0;
      let x = Math.imul(seed ^ (seed >>> 16), 0x85ebca6b);
      x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
      this.zobrist[i] = x ^ (x >>> 16);
    }
    this.openMask = new Uint32Array(this.words);
    for (let i = 0; i < n; i++) if (open(i)) this.openMask[i >>> 5] |= 1 << (i & 31);
    this.hasOpen = this.openMask.some((w) => w !== 0);
    this.pool = new Uint32Array(1024 * (this.words + 1));
    this.hashes = new Int32Array(1024);
    this.slots = new Int32Array(2048);
    this.mask = 2047;
  }

  has(op: number): boolean {
    return (this.bits[op >>> 5] & (1 << (op & 31))) !== 0;
  }

  toggle(op: number): void {
    const bit = 1 << (op & 31);
    this.bits[op >>> 5] ^= bit;
    this.hash ^= this.zobrist[op];
    if ((this.openMask[op >>> 5] & bit) === 0) this.closedHash ^= this.zobrist[op];
  }

  /**
   * Records that the node (entry id, from add()) was fully explored without
   * success. Only such nodes may prune others in dominated(); a node still
   * on the search path has not failed yet.
   */
  markFailed(id: number): void {
    if (!this.hasOpen) return;
    const k = this.closedKey(this.pool[id * (this.words + 1)]);
    const list = this.failed.get(k);
    if (list) list.push(id);
    else this.failed.set(k, [id]);
  }

  /**
   * Dominance (an extension of Lowe's memo for open operations): a failed
   * node with the same state and the same completed operations, whose open
   * operations are a subset of the current set's, means the current node
   * fails too. Any continuation from here works from there: the extra open
   * operations are simply never placed there (the alike open operations
   * after them shift to earlier members of their class, see canonicalOrder).
   */
  dominated(state: number): boolean {
    if (!this.hasOpen) return false;
    const list = this.failed.get(this.closedKey(state));
    if (!list) return false;
    const stride = this.words + 1;
    for (const id of list) {
      const base = id * stride;
      if (this.pool[base] !== state) continue;
      let sub = true;
      for (let w = 0; w < this.words && sub; w++) {
        const old = this.pool[base + 1 + w];
        const cur = this.bits[w];
        const m = this.openMask[w];
        sub = (old & ~m) === (cur & ~m) && (old & m & ~cur) === 0;
      }
      if (sub) return true;
    }
    return false;
  }

  private closedKey(state: number): number {
    return (this.closedHash ^ Math.imul(state + 1, 0x2545f491)) | 0;
  }

  /** Adds (current set, state); returns its entry id, or -1 when already there. */
  add(state: number): number {
    const h = (this.hash ^ Math.imul(state + 1, 0x27d4eb2d)) | 0;
    const stride = this.words + 1;
    let i = (h ^ (h >>> 15)) & this.mask;
    for (;;) {
      const s = this.slots[i];
      if (s === 0) break;
      const e = s - 1;
      if (this.hashes[e] === h && this.equals(e * stride, state)) return -1;
      i = (i + 1) & this.mask;
    }
    if (this.size >= this.hashes.length) this.growPool();
    const e = this.size++;
    const base = e * stride;
    this.pool[base] = state;
    this.pool.set(this.bits, base + 1);
    this.hashes[e] = h;
    this.slots[i] = e + 1;
    if (this.size * 2 > this.mask) this.rehash();
    return e;
  }

  private equals(base: number, state: number): boolean {
    if (this.pool[base] !== state) return false;
    for (let w = 0; w < this.words; w++) if (this.pool[base + 1 + w] !== this.bits[w]) return false;
    return true;
  }

  private growPool(): void {
    const pool = new Uint32Array(this.pool.length * 2);
    pool.set(this.pool);
    this.pool = pool;
    const hashes = new Int32Array(this.hashes.length * 2);
    hashes.set(this.hashes);
    this.hashes = hashes;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    this.mask = this.slots.length - 1;
    for (let e = 0; e < this.size; e++) {
      const h = this.hashes[e];
      let i = (h ^ (h >>> 15)) & this.mask;
      while (this.slots[i] !== 0) i = (i + 1) & this.mask;
      this.slots[i] = e + 1;
    }
  }
}
