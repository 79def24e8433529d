/** Integer counters beyond INCR: INCRBY, DECR, DECRBY. All keep the key's TTL (incrementBy does). */
import { CommandError } from '../../errors';
import { INT64_MIN, type Args } from '../args';
import { int, specOf, type Command } from '../types';
import { incrementBy } from './incr';

/** Redis 7.0's own check in DECRBY: negating LLONG_MIN would overflow before the addition does. */
export const DECREMENT_OVERFLOW = 'ERR decrement would overflow';

/** The amount is parsed before the key is read: a bad amount is reported whatever the key holds. */
function counter(name: string, by: (args: Args) => bigint): Command {
  return {
    spec: specOf(name),
    run(args, { db }) {
      const key = args.key();
      return int(incrementBy(db, key, by(args)));
    },
  };
}

/** INCRBY key increment. */
export const incrby = counter('incrby', (args) => args.integer());
/** DECR key. */
export const decr = counter('decr', () => -1n);
/** DECRBY key decrement. */
export const decrby = counter('decrby', (args) => {
  const n = args.integer();
  if (n === INT64_MIN) throw new CommandError(DECREMENT_OVERFLOW);
  return -n;
});
