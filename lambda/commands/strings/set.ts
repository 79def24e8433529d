import { OK, specOf, type Command } from '../types';

/** SET key value. Options (EX, NX, ...) are not supported yet: syntax error. */
export const set: Command = {
  spec: specOf('set'),
  run(args, { db }) {
    const key = args.key();
    const value = args.next();
    args.end();
    db.set(key, value);
    return OK;
  },
};
