/**
 * What the list commands share: reading a list key, the LEFT|RIGHT word,
 * popping and pushing at either end, and Redis's index arithmetic.
 */
import { ListValue } from '../../document-values';
import { Seq } from '../../document-chunks';
import { CommandError, NOT_INTEGER, SYNTAX_ERROR } from '../../errors';
import { parseInteger, type Args } from '../args';
import type { Keyspace } from '../context';

export type End = 'left' | 'right';

/** LEFT or RIGHT (case-insensitive); anything else is a syntax error, as getListPositionFromObjectOrReply's. */
export function parseEnd(args: Args): End {
  const w = args.word();
  if (w !== 'left' && w !== 'right') throw new CommandError(SYNTAX_ERROR);
  return w;
}

/** The list at `key` (undefined when absent); WRONGTYPE when the key holds another type. */
export function readList(db: Keyspace, key: Buffer): ListValue | undefined {
  return db.read(key, 'list');
}

/**
 * Pushes `items` one by one at `end` (so LPUSH a b c leaves c first, as in
 * Redis) onto `list` (absent: a new list), stores it, returns the length.
 */
export function pushItems(db: Keyspace, key: Buffer, list: ListValue | undefined, end: End, items: readonly Buffer[]): number {
  const seq = list?.items ?? Seq.empty<Buffer>();
  const next = end === 'left' ? seq.unshift([...items].reverse()) : seq.push(items);
  db.update(key, new ListValue(next));
  return next.size;
}

/**
 * Removes up to `count` elements at `end` and stores what is left (an
 * emptied list removes the key, its TTL with it). Returns them in pop order:
 * from the head for left, from the tail backwards for right.
 */
export function popItems(db: Keyspace, key: Buffer, list: ListValue, end: End, count: number): Buffer[] {
  const n = Math.min(count, list.size);
  const seq = list.items;
  const out = end === 'left' ? [...seq.range(0, n)] : [...seq.reverse(seq.size - 1, seq.size - n)];
  db.update(key, new ListValue(end === 'left' ? seq.splice(0, n) : seq.splice(seq.size - n, n)));
  return out;
}

/** A Redis index (negative: from the tail) as a 0-based one; may be out of range either way. */
export function absoluteIndex(index: number, size: number): number {
  return index < 0 ? size + index : index;
}

/** LRANGE / LTRIM's clamping: [start, stop] inclusive, or null when empty. */
export function clampRange(start: number, stop: number, size: number): [number, number] | null {
  let s = absoluteIndex(start, size);
  let e = absoluteIndex(stop, size);
  if (s < 0) s = 0;
  if (s > e || s >= size) return null;
  if (e >= size) e = size - 1;
  return [s, e];
}

const LIMIT = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * An index or count (any 64-bit integer, as Redis takes it), clamped to
 * what a JavaScript number holds exactly: no list is anywhere near 2^53
 * long, so the clamped value means the same.
 */
export function listIndex(args: Args): number {
  const n = parseInteger(args.next());
  if (n === null) throw new CommandError(NOT_INTEGER);
  return Number(n > LIMIT ? LIMIT : n < -LIMIT ? -LIMIT : n);
}
