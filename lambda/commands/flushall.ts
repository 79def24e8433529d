import { OK, SYNTAX_ERROR, type Command } from './types';

/**
 * FLUSHALL [ASYNC|SYNC]: empties the keyspace. It is a conditional write of an
 * empty document, never a delete of db.json: a delete would drop the commit
 * window, and a delayed create from an earlier ambiguous commit could then
 * resurrect a whole old snapshot.
 */
export const flushall: Command = {
  name: 'flushall',
  arity: -1,
  write: true,
  keys: [0, 0, 0],
  run(args, db) {
    if (args.length > 1) return SYNTAX_ERROR;
    if (args.length === 1 && !/^(a?sync)$/i.test(args[0].toString('latin1'))) return SYNTAX_ERROR;
    db.clear();
    return OK;
  },
};
