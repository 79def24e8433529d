/** LPOP and RPOP, with the optional count of Redis 6.2. */
import type { Reply } from '../../contract';
import { CommandError, wrongArity } from '../../errors';
import { NULL_ARRAY } from '../../transaction';
import { parseInteger } from '../args';
import { bulk, NIL, specOf, type Command } from '../types';
import { popItems, readList, type End } from './list';

/** getPositiveLongFromObjectOrReply's text, which Redis also gives for a count that is no integer. */
export const MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';

export const EMPTY_ARRAY: Reply = { t: 'array', v: [] };

function pop(name: string, end: End): Command {
  return {
    spec: specOf(name),
    run(args, { db }) {
      const key = args.key();
      const rest = args.rest();
      if (rest.length > 1) throw new CommandError(wrongArity(name));
      const count = rest.length === 1 ? parseInteger(rest[0]) : null;
      if (rest.length === 1 && (count === null || count < 0n)) throw new CommandError(MUST_BE_POSITIVE);
      const list = readList(db, key);
      // Without a count a missing list is nil; with one, a null array (even for count 0).
      if (list === undefined) return count === null ? NIL : NULL_ARRAY;
      if (count === null) return bulk(popItems(db, key, list, end, 1)[0]);
      if (count === 0n) return EMPTY_ARRAY;
      const n = count > BigInt(list.size) ? list.size : Number(count);
      return { t: 'array', v: popItems(db, key, list, end, n).map(bulk) };
    },
  };
}

export const lpop = pop('lpop', 'left');
export const rpop = pop('rpop', 'right');
