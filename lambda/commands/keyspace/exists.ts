/** Questions about keys that change nothing: EXISTS, TOUCH, TYPE. */
import { int, specOf, type Command } from '../types';

/** EXISTS key [key ...]: how many of the keys exist, a key named twice counting twice. */
export const exists: Command = {
  spec: specOf('exists'),
  run(args, { db }) {
    let n = 0;
    for (const k of args.rest()) if (db.has(k)) n++;
    return int(n);
  },
};

/**
 * TOUCH key [key ...]: as EXISTS. Redis also resets each key's idle time;
 * valthree keeps no access times (OBJECT IDLETIME is always 0), so there is
 * nothing to write.
 */
export const touch: Command = {
  spec: specOf('touch'),
  run(args, { db }) {
    let n = 0;
    for (const k of args.rest()) if (db.has(k)) n++;
    return int(n);
  },
};

/** TYPE key: the value's type name, or `none`. */
export const type: Command = {
  spec: specOf('type'),
  run(args, { db }) {
    const key = args.key();
    args.end();
    return { t: 'simple', v: db.entry(key)?.type ?? 'none' };
  },
};
