/** LSET, LINSERT, LREM, LTRIM: edits inside a list. Each checks its arguments in Redis's order. */
import { Seq } from '../../document-chunks';
import { ListValue } from '../../document-values';
import { CommandError, NO_SUCH_KEY, SYNTAX_ERROR } from '../../errors';
import { int, OK, specOf, type Command } from '../types';
import { absoluteIndex, clampRange, listIndex, readList } from './list';

const INDEX_OUT_OF_RANGE = 'ERR index out of range';

/** LSET key index element: the key is looked up before the index is parsed. */
export const lset: Command = {
  spec: specOf('lset'),
  run(args, { db }) {
    const key = args.key();
    const list = readList(db, key);
    if (!list) throw new CommandError(NO_SUCH_KEY);
    const i = absoluteIndex(listIndex(args), list.size);
    const element = args.next();
    if (i < 0 || i >= list.size) throw new CommandError(INDEX_OUT_OF_RANGE);
    db.update(key, new ListValue(list.items.splice(i, 1, [element])));
    return OK;
  },
};

/** LINSERT key BEFORE|AFTER pivot element: the new length, 0 without a list, -1 without the pivot. */
export const linsert: Command = {
  spec: specOf('linsert'),
  run(args, { db }) {
    const key = args.key();
    const where = args.word();
    if (where !== 'before' && where !== 'after') throw new CommandError(SYNTAX_ERROR);
    const pivot = args.next();
    const element = args.next();
    const list = readList(db, key);
    if (!list) return int(0);
    let at = 0;
    for (const item of list.items) {
      if (item.equals(pivot)) break;
      at++;
    }
    if (at === list.size) return int(-1);
    const next = list.items.splice(where === 'before' ? at : at + 1, 0, [element]);
    db.update(key, new ListValue(next));
    return int(next.size);
  },
};

/** LREM key count element: count > 0 from the head, < 0 from the tail, 0 all; returns how many went. */
export const lrem: Command = {
  spec: specOf('lrem'),
  run(args, { db }) {
    const key = args.key();
    const count = listIndex(args);
    const element = args.next();
    const list = readList(db, key);
    if (!list) return int(0);
    const items = list.items.toArray();
    const limit = count === 0 ? Infinity : Math.abs(count);
    let removed = 0;
    const keep = new Array<boolean>(items.length).fill(true);
    for (let n = 0; n < items.length && removed < limit; n++) {
      const i = count < 0 ? items.length - 1 - n : n;
      if (items[i].equals(element)) {
        keep[i] = false;
        removed++;
      }
    }
    if (removed > 0) db.update(key, new ListValue(Seq.from(items.filter((_, i) => keep[i]))));
    return int(removed);
  },
};

/** LTRIM key start stop: keeps [start, stop]; an empty range removes the key. */
export const ltrim: Command = {
  spec: specOf('ltrim'),
  run(args, { db }) {
    const key = args.key();
    const start = listIndex(args);
    const stop = listIndex(args);
    const list = readList(db, key);
    if (!list) return OK;
    const range = clampRange(start, stop, list.size);
    if (!range) {
      db.update(key, ListValue.EMPTY);
      return OK;
    }
    const [s, e] = range;
    // Trimming nothing still counts as a change of the key (Redis signals it: a WATCH on it aborts).
    db.update(key, new ListValue(list.items.splice(e + 1, list.size - e - 1).splice(0, s)));
    return OK;
  },
};
