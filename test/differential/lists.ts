/**
 * The list commands' generator entries for the differential test: every
 * option, the wrong words and numbers among the right ones, over the same
 * small keyspace as the other families (so lists meet strings: WRONGTYPE).
 * Blocking pops only ever wait 10 ms (never 0: Redis would wait for ever on
 * an empty list), or carry a timeout Redis refuses.
 */
import fc from 'fast-check';
import type { Arg, CommandGenerator, Form } from './commands';

const KEYS = [Buffer.from('a'), Buffer.from('b'), Buffer.from('c'), Buffer.from([0xff, 0x00, 0x0a])];
const key = fc.constantFrom(...KEYS);
const element = fc.constantFrom<Arg>('', 'x', 'y', 'hello', '1', Buffer.from([0x00, 0xff, 0x0d, 0x0a]));
const index = fc.constantFrom('0', '1', '-1', '2', '-3', '10', '9223372036854775807', '-9223372036854775808', 'x', '1.5', '');
const count = fc.constantFrom('0', '1', '2', '5', '-1', 'x', '9223372036854775807');
const end = fc.constantFrom('LEFT', 'RIGHT', 'left', 'Right', 'up');
const timeout = fc.constantFrom('0.01', '0.01', '0.01', 'x', '-1', '');
const f = (arb: fc.Arbitrary<Arg[]>): Form => ({ arb });
const args = (...parts: fc.Arbitrary<Arg>[]): fc.Arbitrary<Arg[]> => fc.tuple(...parts);
const elements = fc.array(element, { minLength: 1, maxLength: 3 });
const keys = fc.array(key, { minLength: 1, maxLength: 3 });
const lposOption = fc.oneof(
  fc.tuple(fc.constantFrom('RANK', 'rank'), fc.constantFrom('1', '2', '-1', '-2', '0', 'x')),
  fc.tuple(fc.constantFrom('COUNT', 'count'), fc.constantFrom('0', '1', '2', '-1')),
  fc.tuple(fc.constantFrom('MAXLEN', 'maxlen'), fc.constantFrom('0', '1', '3', '-1')),
  fc.constant(['FOO'] as Arg[]),
);
const mpopTail = fc.constantFrom<Arg[]>([], ['COUNT', '2'], ['count', '9'], ['COUNT', '0'], ['COUNT'], ['COUNT', '1', 'COUNT', '1'], ['FOO']);
const mpop = fc.tuple(keys, end, mpopTail).map(([ks, e, t]) => [String(ks.length), ...ks, e, ...t]);
const badNumkeys = fc.tuple(fc.constantFrom('0', 'x', '-1', '5'), key, end).map((a) => [...a]);

const push: CommandGenerator = { family: 'lists', forms: [f(fc.tuple(key, elements).map(([k, e]) => [k, ...e]))] };
const pop: CommandGenerator = { family: 'lists', forms: [f(args(key)), f(args(key, count))] };

export const LIST_GENERATORS: Readonly<Record<string, CommandGenerator>> = {
  lpush: push,
  rpush: push,
  lpushx: push,
  rpushx: push,
  lpop: pop,
  rpop: pop,
  llen: { family: 'lists', forms: [f(args(key))] },
  lrange: { family: 'lists', forms: [f(args(key, index, index)), f(args(key, fc.constantFrom('0', '1', '-2'), fc.constantFrom('-1', '2', '100')))] },
  lindex: { family: 'lists', forms: [f(args(key, index))] },
  lset: { family: 'lists', forms: [f(args(key, index, element))] },
  linsert: { family: 'lists', forms: [f(args(key, fc.constantFrom('BEFORE', 'after', 'middle'), element, element))] },
  lrem: { family: 'lists', forms: [f(args(key, fc.constantFrom('0', '1', '-1', '2', 'x'), element))] },
  ltrim: { family: 'lists', forms: [f(args(key, index, index)), f(args(key, fc.constantFrom('0', '1'), fc.constantFrom('-1', '-2', '0')))] },
  lpos: { family: 'lists', forms: [f(fc.tuple(key, element, fc.array(lposOption, { maxLength: 3 })).map(([k, e, o]) => [k, e, ...o.flat()]))] },
  lmove: { family: 'lists', forms: [f(args(key, key, end, end))] },
  rpoplpush: { family: 'lists', forms: [f(args(key, key))] },
  lmpop: { family: 'lists', forms: [f(mpop), f(badNumkeys)] },
  blpop: { family: 'lists', forms: [f(fc.tuple(keys, timeout).map(([ks, t]) => [...ks, t]))] },
  brpop: { family: 'lists', forms: [f(fc.tuple(keys, timeout).map(([ks, t]) => [...ks, t]))] },
  blmove: { family: 'lists', forms: [f(args(key, key, end, end, timeout))] },
  brpoplpush: { family: 'lists', forms: [f(args(key, key, timeout))] },
  blmpop: { family: 'lists', forms: [f(fc.tuple(timeout, mpop).map(([t, m]) => [t, ...m])), f(fc.tuple(timeout, badNumkeys).map(([t, m]) => [t, ...m]))] },
};
