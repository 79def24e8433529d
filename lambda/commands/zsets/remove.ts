/** ZREM, ZREMRANGEBYSCORE, ZREMRANGEBYRANK, ZREMRANGEBYLEX; a set left empty removes its key (Keyspace.update). */
import { CommandError } from '../../errors';
import type { Args } from '../args';
import { int, specOf, type Command } from '../types';
import { ZSetEdit } from './edit';
import { lexRun, parseLexRange, rankRun, scoreRun, type Run } from './ranges';
import { MIN_MAX_NOT_FLOAT, parseScoreRange } from './score';
import { memberOf, withoutRun, type ZSetValue } from './zset';

export const zrem: Command = {
  spec: specOf('zrem'),
  run(args, { db }) {
    const key = args.key();
    const members = args.rest().map(memberOf);
    const z = db.read(key, 'zset');
    if (!z) return int(0);
    const edit = new ZSetEdit(z, members.length);
    let removed = 0;
    for (const m of members) if (edit.remove(m)) removed++;
    const value = edit.done();
    if (value) db.update(key, value);
    return int(removed);
  },
};

/** The three ZREMRANGEBY commands: the range is parsed (and refused) before the key is looked at. */
function removeRange(name: string, parse: (args: Args) => (z: ZSetValue) => Run): Command {
  return {
    spec: specOf(name),
    run(args, { db }) {
      const key = args.key();
      const select = parse(args);
      const z = db.read(key, 'zset');
      if (!z) return int(0);
      const { from, to } = select(z);
      if (to <= from) return int(0);
      db.update(key, withoutRun(z, from, to));
      return int(to - from);
    },
  };
}

export const zremrangebyscore = removeRange('zremrangebyscore', (args) => {
  const range = parseScoreRange(args.next(), args.next());
  if (!range) throw new CommandError(MIN_MAX_NOT_FLOAT);
  return (z) => scoreRun(z, range);
});

export const zremrangebyrank = removeRange('zremrangebyrank', (args) => {
  const start = Number(args.integer());
  const end = Number(args.integer());
  return (z) => rankRun(z.size, start, end, false);
});

export const zremrangebylex = removeRange('zremrangebylex', (args) => {
  const range = parseLexRange(args.next(), args.next());
  return (z) => lexRun(z, range, false);
});
