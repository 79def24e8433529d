/**
 * ZRANDMEMBER key [count [WITHSCORES]] (Redis's zrandmemberCommand).
 *
 * Randomness comes from Math.random, as RANDOMKEY's does: the reply is
 * recorded with the commit (exactly-once replay answers the same members),
 * so nothing needs to be reproducible. Count semantics are Redis's: a
 * negative count picks that many times with repeats, in random order; a
 * positive one picks distinct members; one at least the set's size returns
 * the whole set, highest score first (what redis-server 7.0.15 answers).
 */
import { CommandError, NOT_INTEGER, outOfRange, SYNTAX_ERROR } from '../../errors';
import { parseInteger } from '../args';
import { NIL, specOf, type Command } from '../types';
import { EMPTY_ARRAY, itemsReply, memberReply, type ZItem, type ZSetValue } from './zset';

const LONG_MAX = 2n ** 63n - 1n;
export const WITHSCORES_RANGE = 'ERR value is out of range';
/**
 * Picks past this many could never reach the client (a Lambda response holds
 * a few MB: ~200k members at most; the proxy answers "reply too large"), so
 * a huge negative count stops generating here rather than exhaust memory.
 */
const MAX_PICKS = 1 << 20;

const pick = (z: ZSetValue, random: () => number): ZItem => z.order.at(Math.floor(random() * z.size)) as ZItem;

/** `count` distinct ranks out of `size`, in random order: a partial Fisher-Yates shuffle over a sparse swap table, O(count). */
function distinct(size: number, count: number, random: () => number): number[] {
  const swapped = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (size - i));
    const at = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(i) ?? i);
    out.push(at);
  }
  return out;
}

export function randomMembers(z: ZSetValue, count: number, random: () => number = Math.random): ZItem[] {
  if (count < 0) return Array.from({ length: Math.min(-count, MAX_PICKS) }, () => pick(z, random));
  if (count === 1) return [pick(z, random)];
  if (count >= z.size) return [...z.order.reverse()];
  return distinct(z.size, count, random).map((i) => z.order.at(i) as ZItem);
}

export const zrandmember: Command = {
  spec: specOf('zrandmember'),
  run(args, { db }) {
    const key = args.key();
    if (args.left === 0) {
      const z = db.read(key, 'zset');
      return z ? memberReply(pick(z, Math.random).m) : NIL;
    }
    const n = parseInteger(args.next());
    if (n === null) throw new CommandError(NOT_INTEGER);
    if (n < -LONG_MAX) throw new CommandError(outOfRange(-LONG_MAX, LONG_MAX));
    const rest = args.rest();
    if (rest.length > 1 || (rest.length === 1 && rest[0].toString('latin1').toLowerCase() !== 'withscores')) throw new CommandError(SYNTAX_ERROR);
    const withScores = rest.length === 1;
    if (withScores && (n < -LONG_MAX / 2n || n > LONG_MAX / 2n)) throw new CommandError(WITHSCORES_RANGE);
    const z = db.read(key, 'zset');
    if (!z || n === 0n) return EMPTY_ARRAY;
    return itemsReply(randomMembers(z, Number(n)), withScores);
  },
};
