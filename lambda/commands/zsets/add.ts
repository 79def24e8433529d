/**
 * ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...] and
 * ZINCRBY key increment member, which Redis runs through the same code
 * (zaddGenericCommand): options are read greedily from the third word, so
 * `ZINCRBY k nx m` is a syntax error there too. Everything is checked before
 * anything changes: options, their conflicts, every score, then the type.
 */
import type { Reply } from '../../contract';
import { CommandError, NOT_FLOAT, SYNTAX_ERROR } from '../../errors';
import type { Args } from '../args';
import type { CommandContext } from '../context';
import { int, NIL, specOf, type Command } from '../types';
import { ZSetEdit } from './edit';
import { parseScore } from './score';
import { memberOf, scoreReply } from './zset';

export const NX_XX = 'ERR XX and NX options at the same time are not compatible';
export const GT_LT_NX = 'ERR GT, LT, and/or NX options at the same time are not compatible';
export const INCR_PAIRS = 'ERR INCR option supports a single increment-element pair';
export const SCORE_NAN = 'ERR resulting score is not a number (NaN)';

const OPTIONS = ['nx', 'xx', 'ch', 'incr', 'gt', 'lt'];

function zadd(args: Args, { db }: CommandContext, forceIncr: boolean): Reply {
  const key = args.key();
  const o = new Set<string>(forceIncr ? ['incr'] : []);
  for (let w = args.option(...OPTIONS); w !== null; w = args.option(...OPTIONS)) o.add(w);
  const words = args.rest();
  if (words.length === 0 || words.length % 2 !== 0) throw new CommandError(SYNTAX_ERROR);
  const [nx, xx, gt, lt, incr] = ['nx', 'xx', 'gt', 'lt', 'incr'].map((f) => o.has(f));
  if (nx && xx) throw new CommandError(NX_XX);
  if ((gt && nx) || (lt && nx) || (gt && lt)) throw new CommandError(GT_LT_NX);
  if (incr && words.length > 2) throw new CommandError(INCR_PAIRS);
  const pairs: { s: number; m: string }[] = [];
  for (let i = 0; i < words.length; i += 2) {
    const s = parseScore(words[i]);
    if (s === null) throw new CommandError(NOT_FLOAT);
    pairs.push({ s, m: memberOf(words[i + 1]) });
  }
  const z = db.read(key, 'zset');
  if (z === undefined && xx) return incr ? NIL : int(0);

  const edit = new ZSetEdit(z, pairs.length);
  let added = 0;
  let updated = 0;
  let processed = 0;
  let last = 0;
  for (const { s, m } of pairs) {
    const cur = edit.score(m);
    let score = s;
    if (cur === undefined) {
      if (xx) continue;
      edit.set(m, score);
      added++;
    } else {
      if (nx) continue;
      if (incr) {
        score = cur + score;
        if (Number.isNaN(score)) throw new CommandError(SCORE_NAN);
      }
      if ((lt && score >= cur) || (gt && score <= cur)) continue;
      if (score !== cur) {
        edit.set(m, score);
        updated++;
      }
    }
    processed++;
    last = score;
  }
  const value = edit.done();
  if (value) db.update(key, value);
  if (incr) return processed > 0 ? scoreReply(last) : NIL;
  return int(o.has('ch') ? added + updated : added);
}

export const zaddCommand: Command = { spec: specOf('zadd'), run: (args, ctx) => zadd(args, ctx, false) };
export const zincrby: Command = { spec: specOf('zincrby'), run: (args, ctx) => zadd(args, ctx, true) };
