/** Many keys at once: MGET, MSET, MSETNX. Each is atomic, as the whole batch is. */
import type { Reply } from '../../contract';
import { CommandError, wrongArity } from '../../errors';
import type { Args } from '../args';
import { bulk, int, NIL, OK, specOf, type Command } from '../types';

/** MGET key [key ...]: each value, nil for a missing key or (as in Redis) one holding another type. */
export const mget: Command = {
  spec: specOf('mget'),
  run(args, { db }) {
    const out: Reply[] = [];
    for (const k of args.rest()) {
      const e = db.entry(k);
      out.push(e?.type === 'string' ? bulk(e.value) : NIL);
    }
    return { t: 'array', v: out };
  },
};

/** Key/value pairs; an odd count is Redis's arity error, named after the command. */
function pairs(args: Args, command: string): [Buffer, Buffer][] {
  const words = args.rest();
  if (words.length % 2 !== 0) throw new CommandError(wrongArity(command));
  const out: [Buffer, Buffer][] = [];
  for (let i = 0; i < words.length; i += 2) out.push([words[i], words[i + 1]]);
  return out;
}

/** MSET key value [key value ...]: sets every pair, in order (a key named twice gets its last value); TTLs are dropped. */
export const mset: Command = {
  spec: specOf('mset'),
  run(args, { db }) {
    for (const [k, v] of pairs(args, 'mset')) db.set(k, v);
    return OK;
  },
};

/** MSETNX key value [key value ...]: 1 and sets every pair if none of the keys exists, else 0 and sets nothing. */
export const msetnx: Command = {
  spec: specOf('msetnx'),
  run(args, { db }) {
    const kv = pairs(args, 'msetnx');
    if (kv.some(([k]) => db.has(k))) return int(0);
    for (const [k, v] of kv) db.set(k, v);
    return int(1);
  },
};
