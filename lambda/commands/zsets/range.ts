/**
 * ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count]
 * [WITHSCORES], its older spellings (ZREVRANGE, ZRANGEBYSCORE,
 * ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX) and ZRANGESTORE: one parser
 * and one selection, as Redis 7's zrangeGenericCommand, so that every
 * spelling accepts, refuses and orders exactly what Redis does.
 */
import type { Reply } from '../../contract';
import { CommandError, NOT_INTEGER, SYNTAX_ERROR } from '../../errors';
import type { Args } from '../args';
import type { CommandContext } from '../context';
import { int, specOf, type Command } from '../types';
import { itemsOf, lexRun, limitRun, parseLexRange, rankRun, scoreRun, type Run } from './ranges';
import { MIN_MAX_NOT_FLOAT, parseScoreRange } from './score';
import { EMPTY_ARRAY, itemsReply, zsetOf, type ZSetValue } from './zset';

type By = 'auto' | 'rank' | 'score' | 'lex';
type Direction = 'auto' | 'forward' | 'reverse';

export const LIMIT_NEEDS_BY = 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX';
export const LEX_WITHSCORES = 'ERR syntax error, WITHSCORES not supported in combination with BYLEX';

/** What a range command asks for, parsed; `select` finds its ranks in a set. */
interface Query {
  withScores: boolean;
  rev: boolean;
  select(z: ZSetValue): Run;
}

/** After the key: min, max, then the options the spelling allows. */
function parseQuery(args: Args, store: boolean, fixedBy: By, fixedDirection: Direction): Query {
  const first = args.next();
  const second = args.next();
  let by = fixedBy;
  let direction = fixedDirection;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  while (args.left > 0) {
    const w = args.word();
    if (!store && w === 'withscores') withScores = true;
    else if (w === 'limit' && args.left >= 2) {
      offset = Number(args.integer());
      limit = Number(args.integer());
    } else if (direction === 'auto' && w === 'rev') direction = 'reverse';
    else if (by === 'auto' && w === 'bylex') by = 'lex';
    else if (by === 'auto' && w === 'byscore') by = 'score';
    else throw new CommandError(SYNTAX_ERROR);
  }
  if (by === 'auto') by = 'rank';
  const rev = direction === 'reverse';
  if (limit !== -1 && by === 'rank') throw new CommandError(LIMIT_NEEDS_BY);
  if (withScores && by === 'lex') throw new CommandError(LEX_WITHSCORES);
  // BYSCORE and BYLEX with REV take the range as max, min.
  const [lo, hi] = rev && by !== 'rank' ? [second, first] : [first, second];
  if (by === 'rank') {
    const args2 = [lo, hi].map((b) => {
      const n = parseLong(b);
      if (n === null) throw new CommandError(NOT_INTEGER);
      return n;
    });
    return { withScores, rev, select: (z) => rankRun(z.size, args2[0], args2[1], rev) };
  }
  if (by === 'score') {
    const range = parseScoreRange(lo, hi);
    if (!range) throw new CommandError(MIN_MAX_NOT_FLOAT);
    return { withScores, rev, select: (z) => limitRun(scoreRun(z, range), rev, offset, limit) };
  }
  const range = parseLexRange(lo, hi);
  return { withScores, rev, select: (z) => limitRun(lexRun(z, range, rev), rev, offset, limit) };
}

/** A 64-bit integer argument as a number (exact to 2^53, which no index reaches). */
function parseLong(b: Buffer): number | null {
  const s = b.toString('latin1');
  if (!/^(0|-?[1-9][0-9]{0,18})$/.test(s)) return null;
  const n = BigInt(s);
  return n > 2n ** 63n - 1n || n < -(2n ** 63n) ? null : Number(n);
}

function rangeCommand(name: string, by: By, direction: Direction): Command {
  return {
    spec: specOf(name),
    run(args, { db }) {
      const key = args.key();
      const q = parseQuery(args, false, by, direction);
      const z = db.read(key, 'zset');
      if (!z) return EMPTY_ARRAY;
      return itemsReply(itemsOf(z, q.select(z), q.rev), q.withScores);
    },
  };
}

export const zrange = rangeCommand('zrange', 'auto', 'auto');
export const zrevrange = rangeCommand('zrevrange', 'rank', 'reverse');
export const zrangebyscore = rangeCommand('zrangebyscore', 'score', 'forward');
export const zrevrangebyscore = rangeCommand('zrevrangebyscore', 'score', 'reverse');
export const zrangebylex = rangeCommand('zrangebylex', 'lex', 'forward');
export const zrevrangebylex = rangeCommand('zrevrangebylex', 'lex', 'reverse');

/** ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]: an empty result deletes dst. */
export const zrangestore: Command = {
  spec: specOf('zrangestore'),
  run(args, { db }: CommandContext): Reply {
    const dst = args.key();
    const src = args.key();
    const q = parseQuery(args, true, 'auto', 'auto');
    const z = db.read(src, 'zset');
    const stored = new Map<string, number>();
    if (z) for (const x of itemsOf(z, q.select(z), q.rev)) stored.set(x.m, x.s);
    db.replace(dst, zsetOf(stored));
    return int(stored.size);
  },
};
