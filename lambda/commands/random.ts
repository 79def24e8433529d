/**
 * Random picks from an aggregate (HRANDFIELD, SRANDMEMBER, SPOP). Math.random
 * is enough: a reply is computed once per batch attempt and the commit
 * records it, so a replay answers the stored reply and never draws again;
 * an attempt that does not commit leaves no trace of what it drew.
 */
import { CommandError } from '../errors';

/**
 * Most members one random reply may name. Redis would build any reply it is
 * asked for (HRANDFIELD key -4611686018427387903 makes redis-server allocate
 * until it is killed); a reply past Lambda's 6 MB response can never be sent,
 * so a larger count is refused up front.
 */
export const MAX_RANDOM_COUNT = 1 << 20;

export function checkRandomCount(count: number): void {
  if (count > MAX_RANDOM_COUNT) throw new CommandError('ERR value is out of range');
}

/** `count` distinct indexes below `size` (count < size), in random order (Floyd's algorithm, then a shuffle). */
export function distinctIndexes(size: number, count: number, random: () => number = Math.random): number[] {
  const picked = new Set<number>();
  for (let j = size - count; j < size; j++) {
    const t = Math.floor(random() * (j + 1));
    picked.add(picked.has(t) ? j : t);
  }
  const out = [...picked];
  for (let i = out.length - 1; i > 0; i--) {
    const k = Math.floor(random() * (i + 1));
    [out[i], out[k]] = [out[k], out[i]];
  }
  return out;
}

/** `count` indexes below `size`, repeats allowed. */
export function anyIndexes(size: number, count: number, random: () => number = Math.random): number[] {
  return Array.from({ length: count }, () => Math.floor(random() * size));
}

/** The items at `indexes` (in that order) from one pass over `items`. */
export function pick<T>(items: Iterable<T>, indexes: readonly number[]): T[] {
  const wanted = new Map<number, T | undefined>(indexes.map((i) => [i, undefined]));
  let i = 0;
  for (const item of items) {
    if (wanted.has(i)) wanted.set(i, item);
    i++;
  }
  return indexes.map((n) => wanted.get(n) as T);
}
