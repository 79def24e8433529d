/** LLEN, LRANGE, LINDEX: reads of one list. */
import { bulk, int, NIL, specOf, type Command } from '../types';
import { absoluteIndex, clampRange, listIndex, readList } from './list';

export const llen: Command = {
  spec: specOf('llen'),
  run(args, { db }) {
    return int(readList(db, args.key())?.size ?? 0);
  },
};

/** LRANGE key start stop: the indexes are parsed before the key is looked at, as in Redis. */
export const lrange: Command = {
  spec: specOf('lrange'),
  run(args, { db }) {
    const key = args.key();
    const start = listIndex(args);
    const stop = listIndex(args);
    const list = readList(db, key);
    const range = list && clampRange(start, stop, list.size);
    if (!list || !range) return { t: 'array', v: [] };
    return { t: 'array', v: [...list.items.range(range[0], range[1] + 1)].map(bulk) };
  },
};

/** LINDEX key index: here Redis looks the key up first (a missing key is nil whatever the index). */
export const lindex: Command = {
  spec: specOf('lindex'),
  run(args, { db }) {
    const list = readList(db, args.key());
    if (!list) return NIL;
    const i = absoluteIndex(listIndex(args), list.size);
    const item = list.items.at(i);
    return item === undefined ? NIL : bulk(item);
  },
};
