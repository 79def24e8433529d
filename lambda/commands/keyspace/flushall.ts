import { OK, specOf, type Command } from '../types';
import { flushMode } from './databases';

/**
 * FLUSHALL [ASYNC|SYNC]: empties the keyspace. It is a conditional write of an
 * empty document, never a delete of db.json: a delete would drop the commit
 * window, and a delayed create from an earlier ambiguous commit could then
 * resurrect a whole old snapshot.
 */
export const flushall: Command = {
  spec: specOf('flushall'),
  run(args, { db }) {
    flushMode(args);
    db.clearAll();
    return OK;
  },
};
