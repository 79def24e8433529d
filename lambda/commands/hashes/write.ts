/** HSET, HMSET, HSETNX, HDEL: changing fields. */
import { HashValue } from '../../document';
import { keyOf } from '../../document-pages';
import { CommandError, wrongArity } from '../../errors';
import type { Args } from '../args';
import type { Keyspace } from '../context';
import { int, OK, specOf, type Command } from '../types';

/** Sets each field/value pair; the number of fields that were new. Redis counts a changed write even when nothing changed. */
function setFields(db: Keyspace, name: string, args: Args): number {
  const key = args.key();
  const words = args.rest();
  if (words.length % 2 !== 0) throw new CommandError(wrongArity(name));
  const d = (db.read(key, 'hash') ?? HashValue.EMPTY).draft();
  let added = 0;
  for (let i = 0; i < words.length; i += 2) if (d.set(keyOf(words[i]), Buffer.from(words[i + 1]))) added++;
  db.update(key, new HashValue(d.done()));
  return added;
}

/** HSET key field value [field value ...]: the number of fields added. */
export const hset: Command = { spec: specOf('hset'), run: (args, { db }) => int(setFields(db, 'hset', args)) };

/** HMSET key field value [field value ...]: OK (HSET before Redis 4). */
export const hmset: Command = {
  spec: specOf('hmset'),
  run(args, { db }) {
    setFields(db, 'hmset', args);
    return OK;
  },
};

/** HSETNX key field value: 1 when set, 0 (nothing written) when the field exists. */
export const hsetnx: Command = {
  spec: specOf('hsetnx'),
  run(args, { db }) {
    const key = args.key();
    const field = keyOf(args.next());
    const value = args.next();
    const h = db.read(key, 'hash') ?? HashValue.EMPTY;
    if (h.get(field) !== undefined) return int(0);
    const d = h.draft();
    d.set(field, Buffer.from(value));
    db.update(key, new HashValue(d.done()));
    return int(1);
  },
};

/** HDEL key field [field ...]: the number removed; the last one removes the key. */
export const hdel: Command = {
  spec: specOf('hdel'),
  run(args, { db }) {
    const key = args.key();
    const fields = args.rest();
    const h = db.read(key, 'hash');
    if (h === undefined) return int(0);
    const d = h.draft();
    let removed = 0;
    for (const f of fields) if (d.delete(keyOf(f))) removed++;
    if (removed > 0) db.update(key, new HashValue(d.done()));
    return int(removed);
  },
};
