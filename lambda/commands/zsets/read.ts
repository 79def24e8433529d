/** ZSCORE, ZMSCORE, ZCARD, ZCOUNT, ZLEXCOUNT, ZRANK, ZREVRANK: reads of one sorted set. */
import type { Reply } from '../../contract';
import { CommandError } from '../../errors';
import { int, NIL, specOf, type Command } from '../types';
import { lexRun, parseLexRange, scoreRun } from './ranges';
import { MIN_MAX_NOT_FLOAT, parseScoreRange } from './score';
import { memberOf, scoreReply } from './zset';

export const zscore: Command = {
  spec: specOf('zscore'),
  run(args, { db }) {
    const key = args.key();
    const member = memberOf(args.next());
    const s = db.read(key, 'zset')?.score(member);
    return s === undefined ? NIL : scoreReply(s);
  },
};

/** ZMSCORE: a score or a null per member; every null on a missing key. */
export const zmscore: Command = {
  spec: specOf('zmscore'),
  run(args, { db }) {
    const z = db.read(args.key(), 'zset');
    const v: Reply[] = args.rest().map((m) => {
      const s = z?.score(memberOf(m));
      return s === undefined ? NIL : scoreReply(s);
    });
    return { t: 'array', v };
  },
};

export const zcard: Command = {
  spec: specOf('zcard'),
  run(args, { db }) {
    return int(db.read(args.key(), 'zset')?.size ?? 0);
  },
};

/** ZCOUNT key min max: the range is checked before the key, as in Redis. */
export const zcount: Command = {
  spec: specOf('zcount'),
  run(args, { db }) {
    const key = args.key();
    const range = parseScoreRange(args.next(), args.next());
    if (!range) throw new CommandError(MIN_MAX_NOT_FLOAT);
    const z = db.read(key, 'zset');
    if (!z) return int(0);
    const run = scoreRun(z, range);
    return int(run.to - run.from);
  },
};

export const zlexcount: Command = {
  spec: specOf('zlexcount'),
  run(args, { db }) {
    const key = args.key();
    const range = parseLexRange(args.next(), args.next());
    const z = db.read(key, 'zset');
    if (!z) return int(0);
    const run = lexRun(z, range, false);
    return int(run.to - run.from);
  },
};

function rank(rev: boolean): Command['run'] {
  return (args, { db }) => {
    const key = args.key();
    const member = memberOf(args.next());
    const z = db.read(key, 'zset');
    const r = z?.rank(member);
    if (z === undefined || r === undefined) return NIL;
    return int(rev ? z.size - 1 - r : r);
  };
}

export const zrank: Command = { spec: specOf('zrank'), run: rank(false) };
export const zrevrank: Command = { spec: specOf('zrevrank'), run: rank(true) };
