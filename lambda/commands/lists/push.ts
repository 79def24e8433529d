/** LPUSH, RPUSH, LPUSHX, RPUSHX: push at one end; the X forms only onto an existing list. */
import { int, specOf, type Command } from '../types';
import { pushItems, readList, type End } from './list';

function push(name: string, end: End, onlyIfExists: boolean): Command {
  return {
    spec: specOf(name),
    run(args, { db }) {
      const key = args.key();
      const items = args.rest();
      // WRONGTYPE comes before the X forms' "no list" answer, as in Redis.
      const list = readList(db, key);
      if (onlyIfExists && list === undefined) return int(0);
      return int(pushItems(db, key, list, end, items));
    },
  };
}

export const lpush = push('lpush', 'left', false);
export const rpush = push('rpush', 'right', false);
export const lpushx = push('lpushx', 'left', true);
export const rpushx = push('rpushx', 'right', true);
