/** KEYS and RANDOMKEY: the live keys of the connection's database. */
import type { Reply } from '../../contract';
import { bulk, NIL, specOf, type Command } from '../types';
import { globMatch } from './glob';

/** KEYS pattern: every live key matching Redis's glob, in the order the keyspace iterates (Redis's is unspecified too). */
export const keys: Command = {
  spec: specOf('keys'),
  run(args, { db }) {
    const pattern = args.next();
    args.end();
    const all = pattern.length === 1 && pattern[0] === 0x2a;
    const out: Reply[] = [];
    for (const k of db.keys()) if (all || globMatch(pattern, k)) out.push(bulk(k));
    return { t: 'array', v: out };
  },
};

/** RANDOMKEY: a live key chosen at random, or nil when there is none. */
export const randomkey: Command = {
  spec: specOf('randomkey'),
  run(args, { db }) {
    args.end();
    const k = db.randomKey();
    return k === undefined ? NIL : bulk(k);
  },
};
