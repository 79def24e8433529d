import { CommandError, NOT_INTEGER, OVERFLOW } from '../../errors';
import { INT64_MAX, INT64_MIN, parseInteger } from '../args';
import type { Keyspace } from '../context';
import { int, specOf, type Command } from '../types';

/**
 * Adds `by` to the integer stored at `key` (absent counts as 0) and stores the
 * result as its decimal text, as Redis does. The value must be exactly what
 * Redis's string2ll accepts (" 5", "05", "+5" are not integers), and the sum
 * must fit a signed 64-bit integer: either failure changes nothing.
 */
export function incrementBy(db: Keyspace, key: Buffer, by: bigint): bigint {
  const current = db.get(key);
  const old = current === undefined ? 0n : parseInteger(current);
  if (old === null) throw new CommandError(NOT_INTEGER);
  const sum = old + by;
  if (sum > INT64_MAX || sum < INT64_MIN) throw new CommandError(OVERFLOW);
  db.set(key, Buffer.from(sum.toString(), 'latin1'), { keepTtl: true });
  return sum;
}

/** INCR key: the value after adding one. */
export const incr: Command = {
  spec: specOf('incr'),
  run(args, { db }) {
    const key = args.key();
    args.end();
    return int(incrementBy(db, key, 1n));
  },
};
