/**
 * Ranges of hash positions [lo, hi) resolved whole into a snapshot (layout.ts
 * §2, step 5): every key with a position in one is in the keyspace, or else
 * is absent everywhere. SCAN reads the run of them that starts at its cursor;
 * KEYS needs them to cover the hash space; RANDOMKEY one leaf's range.
 */

/** The end of the hash space: positions are below 2^52. */
export const END = 2 ** 52;

/** Disjoint ranges, ascending, adjacent ones merged. Small: a few per batch. */
export class Spans {
  private readonly los: number[] = [];
  private readonly his: number[] = [];

  add(lo: number, hi: number): void {
    if (hi <= lo) return;
    let i = 0;
    while (i < this.los.length && this.his[i] < lo) i++;
    // Ranges that touch or overlap [lo, hi) merge into one.
    let j = i;
    while (j < this.los.length && this.los[j] <= hi) {
      lo = Math.min(lo, this.los[j]);
      hi = Math.max(hi, this.his[j]);
      j++;
    }
    this.los.splice(i, j - i, lo);
    this.his.splice(i, j - i, hi);
  }

  covers(pos: number): boolean {
    return this.runFrom(pos) > pos;
  }

  /** Where the resolved run containing `pos` ends (`pos` itself when none contains it). */
  runFrom(pos: number): number {
    for (let i = 0; i < this.los.length; i++) if (this.los[i] <= pos && pos < this.his[i]) return this.his[i];
    return pos;
  }

  get whole(): boolean {
    return this.los.length === 1 && this.los[0] === 0 && this.his[0] >= END;
  }

  get empty(): boolean {
    return this.los.length === 0;
  }
}
