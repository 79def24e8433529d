import { CommandError, NOT_FLOAT } from '../../errors';
import { bulk, specOf, type Command } from '../types';
import { add, formatHuman, parseLongDouble, ZERO } from './longdouble';

export const NAN_OR_INFINITY = 'ERR increment would produce NaN or Infinity';

/**
 * INCRBYFLOAT key increment: the new value's text (a bulk string). As in
 * Redis, the stored value is checked before the increment, both are read as
 * long doubles, and the sum is stored as the text it is printed as
 * (`5.0e3` on a missing key stores `5000`); the TTL stays.
 */
export const incrbyfloat: Command = {
  spec: specOf('incrbyfloat'),
  run(args, { db }) {
    const key = args.key();
    const rawIncrement = args.next();
    const current = db.get(key);
    const value = current === undefined ? ZERO : parseLongDouble(current);
    if (value === null) throw new CommandError(NOT_FLOAT);
    const increment = parseLongDouble(rawIncrement);
    if (increment === null) throw new CommandError(NOT_FLOAT);
    if (value.inf || increment.inf) throw new CommandError(NAN_OR_INFINITY);
    const sum = add(value, increment);
    if (sum.inf) throw new CommandError(NAN_OR_INFINITY);
    const text = Buffer.from(formatHuman(sum), 'latin1');
    db.set(key, text, { keepTtl: true });
    return bulk(text);
  },
};
