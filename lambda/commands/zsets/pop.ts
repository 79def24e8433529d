/**
 * ZPOPMIN / ZPOPMAX key [count], ZMPOP numkeys key... MIN|MAX [COUNT n], and
 * their blocking forms BZPOPMIN / BZPOPMAX key... timeout and BZMPOP timeout
 * numkeys key... MIN|MAX [COUNT n] (Redis's genericZpopCommand).
 *
 * A blocking pop runs as its non-blocking form; only when every key is
 * missing does it answer blockOr() — "blocked" to a client's own command
 * (the proxy parks it and retries), a null array at once inside MULTI or a
 * script, as Redis does.
 */
import type { Reply } from '../../contract';
import { CommandError, SYNTAX_ERROR } from '../../errors';
import { Args, parseInteger } from '../args';
import { blockOr, parseTimeoutSeconds } from '../blocking';
import type { CommandContext } from '../context';
import { specOf, type Command } from '../types';
import { EMPTY_ARRAY, memberReply, scoreReply, withoutRun, type ZItem, type ZSetValue } from './zset';

export const MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';
export const NUMKEYS_POSITIVE = 'ERR numkeys should be greater than 0';
export const COUNT_POSITIVE = 'ERR count should be greater than 0';
const NULL_ARRAY: Reply = { t: 'null', array: true };

/** Removes up to `count` members from the low (min) or high end; returns them lowest-first for min, highest-first for max. */
function popFrom(ctx: CommandContext, key: Buffer, z: ZSetValue, max: boolean, count: number): ZItem[] {
  const n = Math.min(count, z.size);
  const from = max ? z.size - n : 0;
  const items = max ? [...z.order.reverse(z.size - 1, from)] : [...z.order.range(0, n)];
  ctx.db.update(key, withoutRun(z, from, from + n));
  return items;
}

/** The first of `keys` that holds a sorted set (WRONGTYPE stops the search, as in Redis), or undefined. */
function firstZSet(ctx: CommandContext, keys: Buffer[]): { key: Buffer; z: ZSetValue } | undefined {
  for (const key of keys) {
    const z = ctx.db.read(key, 'zset');
    if (z) return { key, z };
  }
  return undefined;
}

/** ZPOPMIN / ZPOPMAX: flat [m, s, ...] without a count (and on RESP2), nested pairs with a count on RESP3. */
function zpop(name: string, max: boolean): Command {
  return {
    spec: specOf(name),
    run(args, ctx) {
      const key = args.key();
      let count: number | null = null;
      if (args.left > 1) throw new CommandError(SYNTAX_ERROR);
      if (args.left === 1) {
        const n = parseInteger(args.next());
        if (n === null || n < 0n) throw new CommandError(MUST_BE_POSITIVE);
        count = Number(n);
      }
      const z = ctx.db.read(key, 'zset');
      if (!z || count === 0) return EMPTY_ARRAY;
      const items = popFrom(ctx, key, z, max, count ?? 1);
      if (count === null) return { t: 'array', v: items.flatMap((x) => [memberReply(x.m), scoreReply(x.s)]) };
      return { t: 'pairs', v: items.map((x) => [memberReply(x.m), scoreReply(x.s)]) };
    },
  };
}

export const zpopmin = zpop('zpopmin', false);
export const zpopmax = zpop('zpopmax', true);

/** BZPOPMIN / BZPOPMAX key [key ...] timeout: [key, member, score] from the first non-empty key. */
function bzpop(name: string, max: boolean): Command {
  return {
    spec: specOf(name),
    run(args, ctx) {
      const words = args.rest();
      const timeoutMs = parseTimeoutSeconds(words[words.length - 1]);
      const keys = words.slice(0, -1);
      const found = firstZSet(ctx, keys);
      if (!found) return blockOr(ctx, NULL_ARRAY, [Buffer.from(name), ...words], keys, timeoutMs);
      const [x] = popFrom(ctx, found.key, found.z, max, 1);
      return { t: 'array', v: [{ t: 'bulk', v: found.key }, memberReply(x.m), scoreReply(x.s)] };
    },
  };
}

export const bzpopmin = bzpop('bzpopmin', false);
export const bzpopmax = bzpop('bzpopmax', true);

interface MPop {
  keys: Buffer[];
  max: boolean;
  count: number;
}

/** numkeys key... MIN|MAX [COUNT n] (zmpopGenericCommand). */
function parseMPop(args: Args): MPop {
  const numkeys = parseInteger(args.next());
  if (numkeys === null || numkeys < 1n) throw new CommandError(NUMKEYS_POSITIVE);
  if (numkeys >= BigInt(args.left)) throw new CommandError(SYNTAX_ERROR);
  const keys = Array.from({ length: Number(numkeys) }, () => args.key());
  const where = args.word();
  if (where !== 'min' && where !== 'max') throw new CommandError(SYNTAX_ERROR);
  let count = -1;
  while (args.left > 0) {
    const w = args.word();
    if (count !== -1 || w !== 'count' || args.left === 0) throw new CommandError(SYNTAX_ERROR);
    const n = parseInteger(args.next());
    if (n === null || n < 1n) throw new CommandError(COUNT_POSITIVE);
    count = Number(n);
  }
  return { keys, max: where === 'max', count: count === -1 ? 1 : count };
}

/** [key, [[member, score], ...]]: nested on RESP2 too, as Redis answers ZMPOP. */
function mpopReply(ctx: CommandContext, q: MPop): Reply | null {
  const found = firstZSet(ctx, q.keys);
  if (!found) return null;
  const items = popFrom(ctx, found.key, found.z, q.max, q.count);
  return {
    t: 'array',
    v: [{ t: 'bulk', v: found.key }, { t: 'array', v: items.map((x): Reply => ({ t: 'array', v: [memberReply(x.m), scoreReply(x.s)] })) }],
  };
}

export const zmpop: Command = {
  spec: specOf('zmpop'),
  run(args, ctx) {
    return mpopReply(ctx, parseMPop(args)) ?? NULL_ARRAY;
  },
};

export const bzmpop: Command = {
  spec: specOf('bzmpop'),
  run(args, ctx) {
    // The whole command is what the proxy sends again while it waits.
    const argv = [Buffer.from('bzmpop'), ...args.rest()];
    // Redis reads the timeout after numkeys, the keys and the options.
    const q = parseMPop(new Args(argv, 2));
    const timeoutMs = parseTimeoutSeconds(argv[1]);
    return mpopReply(ctx, q) ?? blockOr(ctx, NULL_ARRAY, argv, q.keys, timeoutMs);
  },
};
