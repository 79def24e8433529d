/** Sorted-set values (see document-values.ts). */
import { Aggregate, type Fail } from './document-aggregate';
import { FieldMap, type FieldMapDraft, Seq } from './document-chunks';
import { decodeLatin1, latin1Json } from './document-json';

/** A sorted-set member and its score. */
export interface ZItem {
  readonly m: string;
  readonly s: number;
}

/** Redis's order: by score, then by member bytes (latin1 strings compare as their bytes). */
export function zcompare(a: ZItem, b: ZItem): number {
  if (a.s < b.s) return -1;
  if (a.s > b.s) return 1;
  return a.m < b.m ? -1 : a.m > b.m ? 1 : 0;
}

/** A score in db.json: a JSON number, or "inf" / "-inf", which JSON has no number for. -0 stays -0 (Redis keeps it). */
export function scoreJson(s: number): string {
  if (s === Infinity) return '"inf"';
  if (s === -Infinity) return '"-inf"';
  return Object.is(s, -0) ? '-0' : JSON.stringify(s);
}

function decodeScore(v: unknown, fail: Fail): number {
  if (typeof v === 'number') return v;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return fail('a sorted-set score is neither a number nor "inf"/"-inf"');
}

/**
 * A sorted set: scores by member (ZSCORE, ZADD's lookup) in a FieldMap, and
 * the members in score order in a Seq. The order is kept always, not built
 * lazily: a lazily sorted index would cost O(n log n) on the first range
 * query after every write, so a ZADD/ZRANGE loop on a large set would sort
 * it each time. A Seq of sorted chunks is an order-statistics structure of
 * its own: rank and score lookups are binary searches (bound), an insert or
 * removal copies one chunk of at most 256 items and the chunk array. It is
 * also the set's JSON, in score order, each chunk with its cached fragment.
 */
export class ZSetValue extends Aggregate {
  readonly type = 'zset';
  static readonly EMPTY = new ZSetValue(FieldMap.empty(), Seq.empty());

  constructor(
    readonly scores: FieldMap<number>,
    readonly order: Seq<ZItem>,
  ) {
    super();
  }

  get size(): number {
    return this.scores.size;
  }

  score(member: string): number | undefined {
    return this.scores.get(member);
  }

  /** 0-based rank in ascending order, or undefined when absent. */
  rank(member: string): number | undefined {
    const s = this.scores.get(member);
    if (s === undefined) return undefined;
    const item = { m: member, s };
    return this.order.bound((x) => zcompare(x, item) < 0);
  }

  draft(): ZSetDraft {
    return new ZSetDraft(this.scores.draft(), this.order);
  }

  protected body() {
    return this.order.json((x) => `[${latin1Json(x.m)},${scoreJson(x.s)}]`);
  }

  static decode(v: unknown[], fail: Fail): ZSetValue {
    const scores = FieldMap.empty<number>().draft();
    const items: ZItem[] = [];
    for (const item of v) {
      if (!Array.isArray(item) || item.length !== 2) fail('a sorted-set member is not a [member, score] pair');
      const m = decodeLatin1(item[0]) ?? fail('a sorted-set member is not a byte string');
      const s = decodeScore(item[1], fail);
      if (!scores.set(m, s)) fail('a sorted set has a member twice');
      items.push({ m, s });
    }
    // Not trusted to be in order: a hand-edited document would break every range query.
    items.sort(zcompare);
    return new ZSetValue(scores.done(), Seq.from(items));
  }
}

/** A sorted set being changed; done() gives the new ZSetValue. */
export class ZSetDraft {
  constructor(
    private readonly scores: FieldMapDraft<number>,
    private order: Seq<ZItem>,
  ) {}

  get size(): number {
    return this.scores.size;
  }

  score(member: string): number | undefined {
    return this.scores.get(member);
  }

  /** Sets member's score (adding it or moving it); true when the member is new. */
  add(member: string, score: number): boolean {
    const old = this.scores.get(member);
    if (old !== undefined) {
      if (Object.is(old, score)) return false;
      this.unlink({ m: member, s: old });
    }
    this.scores.set(member, score);
    const item = { m: member, s: score };
    this.order = this.order.splice(
      this.order.bound((x) => zcompare(x, item) < 0),
      0,
      [item],
    );
    return old === undefined;
  }

  /** Removes member; true when it was there. */
  remove(member: string): boolean {
    const s = this.scores.get(member);
    if (s === undefined) return false;
    this.scores.delete(member);
    this.unlink({ m: member, s });
    return true;
  }

  private unlink(item: ZItem): void {
    this.order = this.order.splice(
      this.order.bound((x) => zcompare(x, item) < 0),
      1,
    );
  }

  done(): ZSetValue {
    return new ZSetValue(this.scores.done(), this.order);
  }
}

