import type { Command } from './types';

/** DEL key [key ...]: how many of the keys existed. */
export const del: Command = {
  name: 'del',
  arity: -2,
  write: true,
  keys: [1, -1, 1],
  run(keys, db) {
    let n = 0;
    for (const k of keys) if (db.delete(k)) n++;
    return { t: 'int', v: n };
  },
};
