/**
 * What the sorted-set commands share: reading a key as a sorted set,
 * building one from scratch, and the replies for members and scores.
 *
 * A sorted set is a ZSetValue (lambda/document-values.ts): scores by member
 * in a FieldMap and the (score, member) order in a chunked Seq. Rank and
 * range queries are binary searches over that Seq (O(log n) after a per-value
 * O(n / 256) index of chunk starts), ZADD/ZREM change one chunk of each
 * through a ZSetDraft, so nothing here copies or re-sorts a whole set except
 * the commands that build a new one (ZUNIONSTORE & co).
 */
import type { Reply } from '../../contract';
import { FieldMap, Seq } from '../../document-chunks';
import { ZSetValue, zcompare, type ZItem } from '../../document-values';
import { formatScore, normalize } from './score';

export { ZSetValue };
export type { ZItem };

/** A member (a latin1 string, one byte per code unit) as a bulk reply. */
export const memberReply = (m: string): Reply => ({ t: 'bulk', v: Buffer.from(m, 'latin1') });

/** A score as Redis replies it: a double on RESP3, its "%.17g" text as a bulk string on RESP2. */
export const scoreReply = (s: number): Reply => ({ t: 'double', v: formatScore(s) });

/** Members, or with WITHSCORES pairs: nested [member, score] arrays on RESP3, one flat array on RESP2. */
export function itemsReply(items: Iterable<ZItem>, withScores: boolean): Reply {
  if (withScores) {
    const v: [Reply, Reply][] = [];
    for (const x of items) v.push([memberReply(x.m), scoreReply(x.s)]);
    return { t: 'pairs', v };
  }
  const v: Reply[] = [];
  for (const x of items) v.push(memberReply(x.m));
  return { t: 'array', v };
}

export const EMPTY_ARRAY: Reply = { t: 'array', v: [] };

/** A sorted set holding exactly these members (ZUNIONSTORE and the like; -0 stored as 0): one sort, no per-member splice. */
export function zsetOf(scores: ReadonlyMap<string, number>): ZSetValue {
  const items: ZItem[] = [];
  for (const [m, s] of scores) items.push({ m, s: normalize(s) });
  items.sort(zcompare);
  return new ZSetValue(FieldMap.from(items.map((x) => [x.m, x.s] as const)), Seq.from(items));
}

/** The member as the bytes a key or argument is. */
export const memberOf = (b: Buffer): string => b.toString('latin1');

/**
 * The set without ranks [from, to): one splice of the order (O(chunks +
 * removed)) and a delete per removed member from the score map, so
 * ZREMRANGEBYSCORE and ZPOPMIN cost what they remove, not what the set holds.
 */
export function withoutRun(z: ZSetValue, from: number, to: number): ZSetValue {
  const scores = z.scores.draft();
  for (const x of z.order.range(from, to)) scores.delete(x.m);
  return new ZSetValue(scores.done(), z.order.splice(from, to - from));
}
