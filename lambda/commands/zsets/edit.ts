/**
 * Changing a sorted set member by member, at the cost the change deserves:
 * a few members go through a ZSetDraft (one chunk of the score map and one
 * of the order touched each, everything else shared, so ZADD on a 100k-member
 * set re-encodes a chunk, not the set); many members relative to the set's
 * size (ZADD of a thousand pairs to a new key) go into a plain Map sorted
 * once at the end, where a splice per member would cost more.
 */
import { ZSetValue, type ZSetDraft } from '../../document-values';
import { normalize } from './score';
import { zsetOf } from './zset';

/** Rebuild rather than splice when a change names at least this many members and at least an eighth of the set. */
const BULK_MIN = 16;

export class ZSetEdit {
  private readonly draft: ZSetDraft | null;
  private readonly all: Map<string, number> | null;
  private changed = false;

  constructor(base: ZSetValue | undefined, members: number) {
    const size = base?.size ?? 0;
    if (members >= BULK_MIN && members * 8 >= size) {
      this.all = new Map(base ? base.scores.entries() : []);
      this.draft = null;
    } else {
      this.draft = (base ?? ZSetValue.EMPTY).draft();
      this.all = null;
    }
  }

  score(m: string): number | undefined {
    return this.draft ? this.draft.score(m) : this.all!.get(m);
  }

  /** Sets m's score (adding it); true when m is new. */
  set(m: string, score: number): boolean {
    const s = normalize(score);
    this.changed = true;
    if (this.draft) return this.draft.add(m, s);
    const fresh = !this.all!.has(m);
    this.all!.set(m, s);
    return fresh;
  }

  remove(m: string): boolean {
    const gone = this.draft ? this.draft.remove(m) : this.all!.delete(m);
    if (gone) this.changed = true;
    return gone;
  }

  /** The new value, or undefined when nothing changed (then nothing must be written). */
  done(): ZSetValue | undefined {
    if (!this.changed) return undefined;
    return this.draft ? this.draft.done() : zsetOf(this.all!);
  }
}
