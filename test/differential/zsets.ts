/**
 * Generator entries for the sorted-set commands (spread into GENERATORS in
 * commands.ts). Scores include what Redis refuses (nan, '', x) and what it
 * reads oddly (+inf, 0x10, -0, 0.1, whose "%.17g" text is compared byte for
 * byte on RESP2); ranges include exclusive and malformed bounds; the keys
 * are the shared pool, so sorted sets meet strings (WRONGTYPE) and each other.
 */
import fc from 'fast-check';
import type { Arg, CommandGenerator, Form } from './commands';

/** The shared key pool (commands.ts KEYS; repeated here, as commands.ts imports this file). */
const KEYS: readonly Buffer[] = [Buffer.from('a'), Buffer.from('b'), Buffer.from('c'), Buffer.from([0xff, 0x00, 0x0a])];
const key = fc.constantFrom(...KEYS);
const member = fc.constantFrom<Arg>('m', 'n', 'o', 'a', '', 'mm', Buffer.from([0xff, 0x00]));
const score = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<Arg>('0', '1', '2', '-1', '2.5', '0.1', '3', '1e3', 'inf', '-inf') },
  { weight: 1, arbitrary: fc.constantFrom<Arg>('+inf', '-0', '0x10', 'x', 'nan', '', '(1', '1e400') },
);
const bound = fc.constantFrom<Arg>('-inf', '+inf', '0', '1', '(1', '2.5', '(3', '0.1', 'x', '(', '', '(inf', 'nan');
const lex = fc.constantFrom<Arg>('-', '+', '[m', '(n', '[o', '(', '[', '[a', 'm', '');
const index = fc.constantFrom<Arg>('0', '1', '-1', '2', '-2', '10', '-100', 'x', '9223372036854775807');
const count = fc.constantFrom<Arg>('1', '2', '0', '-1', '5', 'x');
const numkeys = fc.constantFrom<Arg>('1', '2', '2', '0', '-1', 'x', '3');

const word = (w: string) => fc.constantFrom(w.toUpperCase(), w.toLowerCase());
const tok = (...parts: fc.Arbitrary<Arg>[]) => fc.tuple(...parts) as fc.Arbitrary<Arg[]>;
const tokens = (choices: fc.Arbitrary<Arg[]>[], max: number) => fc.array(fc.oneof(...choices), { maxLength: max }).map((ts) => ts.flat());
const f = (arb: fc.Arbitrary<Arg[]>): Form => ({ arb });
const seq = (...parts: fc.Arbitrary<Arg | Arg[]>[]) => fc.tuple(...parts).map((xs) => xs.flat() as Arg[]);

const LIMIT = tok(word('limit'), fc.constantFrom<Arg>('0', '1', '-1', 'x'), fc.constantFrom<Arg>('1', '2', '-1', '0'));
const ZADD_OPTION = ['nx', 'xx', 'gt', 'lt', 'ch', 'incr'].map((w) => tok(word(w)));
const RANGE_OPTION = [tok(word('byscore')), tok(word('bylex')), tok(word('rev')), tok(word('withscores')), LIMIT, tok(fc.constant<Arg>('FOO'))];
const pairs = fc.array(fc.tuple(score, member), { minLength: 1, maxLength: 3 }).map((ps) => ps.flat());
const keyList = fc.array(key, { minLength: 1, maxLength: 2 });
/** numkeys and keys that usually agree with it (and sometimes do not). */
const keysWithCount = fc.oneof(
  { weight: 5, arbitrary: keyList.map((ks): Arg[] => [String(ks.length), ...ks]) },
  { weight: 1, arbitrary: fc.tuple(numkeys, keyList).map(([n, ks]): Arg[] => [n, ...ks]) },
);
const COMBINE_OPTION = [
  tok(word('weights'), fc.constantFrom<Arg>('1', '2', '0', '-1', 'inf', 'x'), fc.constantFrom<Arg>('1', '0.5', '3')),
  tok(word('aggregate'), fc.constantFrom<Arg>('SUM', 'min', 'MAX', 'foo')),
  tok(word('withscores')),
];
const popWhere = fc.constantFrom<Arg>('MIN', 'max', 'FOO');
const popCount = fc.oneof(fc.constant<Arg[]>([]), tok(word('count'), count));
/** Blocking timeouts are short: an empty key answers a null on both servers (Redis after 10 ms). Never 0: Redis would block for ever. */
const timeout = fc.constantFrom<Arg>('0.01', '0.01', '0.01', 'x', '-1');

const z = (...forms: Form[]): CommandGenerator => ({ family: 'zsets', forms });

export const ZSET_GENERATORS: Readonly<Record<string, CommandGenerator>> = {
  zadd: z(f(seq(key, pairs)), f(seq(key, tokens(ZADD_OPTION, 2), pairs)), f(seq(key, tokens(ZADD_OPTION, 1), score))),
  zincrby: z(f(seq(key, score, member))),
  zrem: z(f(seq(key, fc.array(member, { minLength: 1, maxLength: 3 })))),
  zscore: z(f(seq(key, member))),
  zmscore: z(f(seq(key, fc.array(member, { minLength: 1, maxLength: 3 })))),
  zcard: z(f(seq(key))),
  zcount: z(f(seq(key, bound, bound))),
  zlexcount: z(f(seq(key, lex, lex))),
  zrank: z(f(seq(key, member))),
  zrevrank: z(f(seq(key, member))),
  zrange: z(f(seq(key, index, index, tokens(RANGE_OPTION, 2))), f(seq(key, bound, bound, word('byscore'), tokens(RANGE_OPTION, 2))), f(seq(key, lex, lex, word('bylex'), tokens(RANGE_OPTION, 2)))),
  zrangebyscore: z(f(seq(key, bound, bound, tokens([tok(word('withscores')), LIMIT], 2)))),
  zrevrangebyscore: z(f(seq(key, bound, bound, tokens([tok(word('withscores')), LIMIT], 2)))),
  zrangebylex: z(f(seq(key, lex, lex, tokens([LIMIT, tok(word('withscores'))], 1)))),
  zrevrangebylex: z(f(seq(key, lex, lex, tokens([LIMIT], 1)))),
  zrevrange: z(f(seq(key, index, index, tokens([tok(word('withscores'))], 1)))),
  zrangestore: z(f(seq(key, key, index, index, tokens(RANGE_OPTION, 2))), f(seq(key, key, bound, bound, word('byscore'), tokens([LIMIT, tok(word('rev'))], 2)))),
  zremrangebyscore: z(f(seq(key, bound, bound))),
  zremrangebyrank: z(f(seq(key, index, index))),
  zremrangebylex: z(f(seq(key, lex, lex))),
  zpopmin: z(f(seq(key, fc.oneof(fc.constant<Arg[]>([]), count.map((c) => [c]))))),
  zpopmax: z(f(seq(key, fc.oneof(fc.constant<Arg[]>([]), count.map((c) => [c]))))),
  bzpopmin: z(f(seq(keyList, timeout))),
  bzpopmax: z(f(seq(keyList, timeout))),
  zmpop: z(f(seq(keysWithCount, popWhere, popCount))),
  bzmpop: z(f(seq(timeout, keysWithCount, popWhere, popCount))),
  zrandmember: z(f(seq(key)), f(seq(key, count)), f(seq(key, count, fc.constantFrom<Arg[]>(['WITHSCORES'], ['withscores'], ['FOO'])))),
  zscan: z(f(seq(key, fc.constantFrom<Arg>('0', '0', 'x'), tokens([tok(word('match'), fc.constantFrom<Arg>('*', 'm*', '[ab]', '?')), tok(word('count'), fc.constantFrom<Arg>('1', '10', '0', 'x')), tok(fc.constant<Arg>('TYPE'), fc.constant<Arg>('zset'))], 2)))),
  zunionstore: z(f(seq(key, keysWithCount, tokens(COMBINE_OPTION, 2)))),
  zinterstore: z(f(seq(key, keysWithCount, tokens(COMBINE_OPTION, 2)))),
  zdiffstore: z(f(seq(key, keysWithCount, tokens(COMBINE_OPTION, 1)))),
  zunion: z(f(seq(keysWithCount, tokens(COMBINE_OPTION, 2)))),
  zinter: z(f(seq(keysWithCount, tokens(COMBINE_OPTION, 2)))),
  zdiff: z(f(seq(keysWithCount, tokens(COMBINE_OPTION, 1)))),
  zintercard: z(f(seq(keysWithCount, fc.oneof(fc.constant<Arg[]>([]), tok(word('limit'), fc.constantFrom<Arg>('0', '1', '-1', 'x')))))),
};
