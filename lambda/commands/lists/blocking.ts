/**
 * BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP: their non-blocking forms, and
 * when those find nothing, "blocked" (blockOr in ../blocking.ts): the proxy
 * parks the connection and sends the same command again when one of the
 * keys was written, or at the next block poll. Inside MULTI or a script they
 * answer at once what a timeout would (a null array, or a null bulk).
 */
import type { Reply } from '../../contract';
import { NULL_ARRAY } from '../../transaction';
import { Args } from '../args';
import { blockOr, parseTimeoutSeconds } from '../blocking';
import type { CommandContext } from '../context';
import { bulk, NIL, specOf, type Command } from '../types';
import { parseEnd, popItems, readList, type End } from './list';
import { moveOne } from './move';
import { mpop, parseMpop } from './mpop';

/** BLPOP / BRPOP key [key ...] timeout: `[key, element]` from the first key holding a list. */
function bpop(name: string, end: End): Command {
  return {
    spec: specOf(name),
    run(args, ctx) {
      const words = args.rest();
      const timeoutMs = parseTimeoutSeconds(words[words.length - 1]);
      const keys = words.slice(0, -1);
      for (const key of keys) {
        const list = readList(ctx.db, key);
        if (list) return { t: 'array', v: [bulk(key), bulk(popItems(ctx.db, key, list, end, 1)[0])] };
      }
      return blockOr(ctx, NULL_ARRAY, [Buffer.from(name), ...words], keys, timeoutMs);
    },
  };
}

export const blpop = bpop('blpop', 'left');
export const brpop = bpop('brpop', 'right');

/**
 * What BLMOVE / BRPOPLPUSH answer when nothing came: Redis 7.0 answers a
 * timed-out blocked client with a null array (`*-1` on RESP2), as for BLPOP,
 * but a nil bulk (`$-1`) at once where it may not block (MULTI, scripts).
 */
const moveTimeout = (ctx: CommandContext): Reply => (ctx.mayBlock ? NULL_ARRAY : NIL);

/** BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout: the ends are checked before the timeout. */
export const blmove: Command = {
  spec: specOf('blmove'),
  run(args, ctx) {
    const src = args.key();
    const dst = args.key();
    const from = parseEnd(args);
    const to = parseEnd(args);
    const timeoutWord = args.next();
    const timeoutMs = parseTimeoutSeconds(timeoutWord);
    const item = moveOne(ctx.db, src, dst, from, to);
    if (item !== null) return bulk(item);
    return blockOr(ctx, moveTimeout(ctx), [Buffer.from('blmove'), src, dst, Buffer.from(from), Buffer.from(to), timeoutWord], [src], timeoutMs);
  },
};

/** BRPOPLPUSH source destination timeout: BLMOVE … RIGHT LEFT. */
export const brpoplpush: Command = {
  spec: specOf('brpoplpush'),
  run(args, ctx) {
    const src = args.key();
    const dst = args.key();
    const timeoutWord = args.next();
    const timeoutMs = parseTimeoutSeconds(timeoutWord);
    const item = moveOne(ctx.db, src, dst, 'right', 'left');
    if (item !== null) return bulk(item);
    return blockOr(ctx, moveTimeout(ctx), [Buffer.from('brpoplpush'), src, dst, timeoutWord], [src], timeoutMs);
  },
};

/** BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]. */
export const blmpop: Command = {
  spec: specOf('blmpop'),
  run(args, ctx) {
    const words = args.rest();
    // The words after the timeout parse as LMPOP's, and before it (Redis's order of errors).
    const req = parseMpop(new Args(words, 1));
    const timeoutMs = parseTimeoutSeconds(words[0]);
    return mpop(ctx.db, req) ?? blockOr(ctx, NULL_ARRAY, [Buffer.from('blmpop'), ...words], req.keys, timeoutMs);
  },
};
