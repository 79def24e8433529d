/** HGET, HMGET, HEXISTS, HLEN, HSTRLEN, HGETALL, HKEYS, HVALS: reading fields. */
import type { Reply } from '../../contract';
import { keyOf } from '../../document-pages';
import { bulk, int, NIL, specOf, type Command } from '../types';

const fieldBytes = (f: string): Buffer => Buffer.from(f, 'latin1');

/** HGET key field: the value, or nil. */
export const hget: Command = {
  spec: specOf('hget'),
  run(args, { db }) {
    const key = args.key();
    const field = keyOf(args.next());
    const v = db.read(key, 'hash')?.get(field);
    return v === undefined ? NIL : bulk(v);
  },
};

/** HMGET key field [field ...]: each value or nil, in order. */
export const hmget: Command = {
  spec: specOf('hmget'),
  run(args, { db }) {
    const key = args.key();
    const h = db.read(key, 'hash');
    return {
      t: 'array',
      v: args.rest().map((f): Reply => {
        const v = h?.get(keyOf(f));
        return v === undefined ? NIL : bulk(v);
      }),
    };
  },
};

/** HEXISTS key field: 1 or 0. */
export const hexists: Command = {
  spec: specOf('hexists'),
  run(args, { db }) {
    const key = args.key();
    const field = keyOf(args.next());
    return int(db.read(key, 'hash')?.get(field) === undefined ? 0 : 1);
  },
};

/** HLEN key: the number of fields (0 when absent). */
export const hlen: Command = {
  spec: specOf('hlen'),
  run(args, { db }) {
    return int(db.read(args.key(), 'hash')?.size ?? 0);
  },
};

/** HSTRLEN key field: the value's length (0 when absent). */
export const hstrlen: Command = {
  spec: specOf('hstrlen'),
  run(args, { db }) {
    const key = args.key();
    const field = keyOf(args.next());
    return int(db.read(key, 'hash')?.get(field)?.length ?? 0);
  },
};

/** HGETALL key: a map of fields to values (a flat array on RESP2). */
export const hgetall: Command = {
  spec: specOf('hgetall'),
  run(args, { db }) {
    const h = db.read(args.key(), 'hash');
    const v: [Reply, Reply][] = [];
    if (h) for (const [f, value] of h.fields.entries()) v.push([bulk(fieldBytes(f)), bulk(value)]);
    return { t: 'map', v };
  },
};

/** HKEYS key: the fields, in the same order HGETALL gives them. */
export const hkeys: Command = {
  spec: specOf('hkeys'),
  run(args, { db }) {
    const h = db.read(args.key(), 'hash');
    return { t: 'array', v: h ? Array.from(h.fields.keys(), (f) => bulk(fieldBytes(f))) : [] };
  },
};

/** HVALS key: the values, in the same order HGETALL gives them. */
export const hvals: Command = {
  spec: specOf('hvals'),
  run(args, { db }) {
    const h = db.read(args.key(), 'hash');
    return { t: 'array', v: h ? Array.from(h.fields.entries(), ([, v]) => bulk(v)) : [] };
  },
};
