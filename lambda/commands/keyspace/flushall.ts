import { CommandError, SYNTAX_ERROR } from '../../errors';
import { OK, specOf, type Command } from '../types';

/**
 * FLUSHALL [ASYNC|SYNC]: empties the keyspace. It is a conditional write of an
 * empty document, never a delete of db.json: a delete would drop the commit
 * window, and a delayed create from an earlier ambiguous commit could then
 * resurrect a whole old snapshot.
 */
export const flushall: Command = {
  spec: specOf('flushall'),
  run(args, { db }) {
    // Both modes are the same here: the commit is what makes it durable.
    if (args.left > 0 && args.option('async', 'sync') === null) throw new CommandError(SYNTAX_ERROR);
    args.end();
    db.clearAll();
    return OK;
  },
};
