/** RENAME, RENAMENX, COPY, MOVE: a key's whole entry (type, value, TTL) under another name or database. */
import { CommandError, NO_SUCH_KEY, SAME_OBJECT, SYNTAX_ERROR } from '../../errors';
import type { Args } from '../args';
import type { Keyspace } from '../context';
import { int, OK, specOf, type Command } from '../types';
import { checkDb, parseInt32 } from './databases';

/**
 * The source must exist even when it is also the destination (then nothing
 * changes); RENAMENX answers 0 when the destination exists.
 */
function rename(args: Args, db: Keyspace, nx: boolean) {
  const src = args.key();
  const dst = args.key();
  args.end();
  const e = db.entry(src);
  if (e === undefined) throw new CommandError(NO_SUCH_KEY);
  if (src.equals(dst)) return nx ? int(0) : OK;
  if (nx && db.has(dst)) return int(0);
  db.put(dst, e);
  db.delete(src);
  return nx ? int(1) : OK;
}

export const renameCommand: Command = { spec: specOf('rename'), run: (args, { db }) => rename(args, db, false) };
export const renamenx: Command = { spec: specOf('renamenx'), run: (args, { db }) => rename(args, db, true) };

/** COPY's options, in order: a bad word or a bad index fails at once, as Redis parses them. */
function copyOptions(args: Args, db: Keyspace): { replace: boolean; target: number } {
  let replace = false;
  let target = db.db;
  while (args.left > 0) {
    const w = args.word();
    if (w === 'replace') replace = true;
    else if (w === 'db' && args.left >= 1) target = checkDb(parseInt32(args.next()));
    else throw new CommandError(SYNTAX_ERROR);
  }
  return { replace, target };
}

/** COPY source destination [DB n] [REPLACE]: 1 when copied (TTL included), 0 when the source is absent or the destination exists. */
export const copy: Command = {
  spec: specOf('copy'),
  run(args, { db }) {
    const src = args.key();
    const dst = args.key();
    const { replace, target } = copyOptions(args, db);
    if (target === db.db && src.equals(dst)) throw new CommandError(SAME_OBJECT);
    const e = db.entry(src);
    if (e === undefined) return int(0);
    const to = db.inDb(target);
    if (!replace && to.has(dst)) return int(0);
    to.put(dst, e);
    return int(1);
  },
};

/** MOVE key db: 1 when moved (TTL included), 0 when absent here or present there. */
export const move: Command = {
  spec: specOf('move'),
  run(args, { db }) {
    const key = args.key();
    const target = checkDb(parseInt32(args.next()));
    args.end();
    if (target === db.db) throw new CommandError(SAME_OBJECT);
    const e = db.entry(key);
    if (e === undefined) return int(0);
    const to = db.inDb(target);
    if (to.has(key)) return int(0);
    to.put(key, e);
    db.delete(key);
    return int(1);
  },
};
