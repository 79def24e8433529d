import { bulk, NIL, specOf, type Command } from '../types';

/** GET key: the value, or nil when the key is absent. */
export const get: Command = {
  spec: specOf('get'),
  run(args, { db }) {
    const key = args.key();
    args.end();
    const v = db.get(key);
    return v === undefined ? NIL : bulk(v);
  },
};
