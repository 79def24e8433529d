import { OK, SYNTAX_ERROR, type Command } from './types';

/** SET key value. Options (EX, NX, ...) are not supported yet: syntax error. */
export const set: Command = {
  name: 'set',
  arity: -3,
  write: true,
  keys: [1, 1, 1],
  run([key, value, ...options], db) {
    if (options.length > 0) return SYNTAX_ERROR;
    db.set(key, value);
    return OK;
  },
};
