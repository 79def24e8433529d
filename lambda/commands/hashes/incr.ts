/** HINCRBY and HINCRBYFLOAT: a field as a counter, stored back as its text (as INCRBY and INCRBYFLOAT do). */
import { HashValue } from '../../document';
import { keyOf } from '../../document-pages';
import { CommandError, NOT_FLOAT, OVERFLOW } from '../../errors';
import { INT64_MAX, INT64_MIN, parseInteger } from '../args';
import type { Keyspace } from '../context';
import { add, formatHuman, parseLongDouble, ZERO } from '../strings/longdouble';
import { bulk, int, specOf, type Command } from '../types';
import { NAN_OR_INFINITY } from '../strings/incrbyfloat';

export const HASH_NOT_INTEGER = 'ERR hash value is not an integer';
export const HASH_NOT_FLOAT = 'ERR hash value is not a float';
export const INCREMENT_NAN_OR_INFINITY = 'ERR value is NaN or Infinity';

function store(db: Keyspace, key: Buffer, h: HashValue, field: string, text: Buffer): void {
  const d = h.draft();
  d.set(field, text);
  db.update(key, new HashValue(d.done()));
}

/** HINCRBY key field increment: the new value. The increment is parsed before the key's type is checked, as in Redis. */
export const hincrby: Command = {
  spec: specOf('hincrby'),
  run(args, { db }) {
    const key = args.key();
    const field = keyOf(args.next());
    const by = args.integer();
    const h = db.read(key, 'hash') ?? HashValue.EMPTY;
    const current = h.get(field);
    const old = current === undefined ? 0n : parseInteger(current);
    if (old === null) throw new CommandError(HASH_NOT_INTEGER);
    const sum = old + by;
    if (sum > INT64_MAX || sum < INT64_MIN) throw new CommandError(OVERFLOW);
    store(db, key, h, field, Buffer.from(sum.toString(), 'latin1'));
    return int(sum);
  },
};

/**
 * HINCRBYFLOAT key field increment: the new value's text (a bulk string, on
 * RESP3 too), computed in long double and printed as INCRBYFLOAT prints it.
 */
export const hincrbyfloat: Command = {
  spec: specOf('hincrbyfloat'),
  run(args, { db }) {
    const key = args.key();
    const field = keyOf(args.next());
    const increment = parseLongDouble(args.next());
    if (increment === null) throw new CommandError(NOT_FLOAT);
    if (increment.inf) throw new CommandError(INCREMENT_NAN_OR_INFINITY);
    const h = db.read(key, 'hash') ?? HashValue.EMPTY;
    const current = h.get(field);
    const value = current === undefined ? ZERO : parseLongDouble(current);
    if (value === null) throw new CommandError(HASH_NOT_FLOAT);
    // A stored "inf" reads as a float; the sum is then infinite.
    if (value.inf) throw new CommandError(NAN_OR_INFINITY);
    const sum = add(value, increment);
    if (sum.inf) throw new CommandError(NAN_OR_INFINITY);
    const text = Buffer.from(formatHuman(sum), 'latin1');
    store(db, key, h, field, text);
    return bulk(text);
  },
};
