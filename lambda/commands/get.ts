import { bulk, NIL, type Command } from './types';

/** GET key: the value, or nil when the key is absent. */
export const get: Command = {
  name: 'get',
  arity: 2,
  write: false,
  keys: [1, 1, 1],
  run([key], db) {
    const v = db.get(key);
    return v === undefined ? NIL : bulk(v);
  },
};
