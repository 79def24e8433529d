/**
 * The string commands against redis-server 7.0.15 itself: the same command
 * sequences go to a throw-away redis-server (RESP3, so LCS IDX is a map as
 * in the engine's reply) and to the engine, and every reply must be equal —
 * scripted edge cases first, then seeded random sequences.
 *
 * Times are chosen so no deadline falls near either clock (relative ones of
 * 100 s and more, absolute ones long past or far ahead): the two clocks
 * differ by the milliseconds the test takes.
 */
import { prng } from '../support/prng';

import { referenceRedis } from './reference';

const { both } = referenceRedis();

const script = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => l.split(' ').map((w) => (w === "''" ? '' : w)));

const SCRIPTS: Record<string, string> = {
  set: `SET k v EX 0\nSET k v EX -1\nSET k v EX abc\nSET k v EX 9223372036854775\nSET k v PX 9223372036854775807\nSET k v EXAT 9223372036854776
    SET k v EX 10 PX 10\nSET k v NX XX\nSET k v EX 10 KEEPTTL\nSET k v EX abc EX 100\nSET k v GET GET\nSET k v2 NX GET\nSET k2 v NX GET\nSET k3 v XX GET
    SET k v KEEPTTL KEEPTTL\nSET k v EX\nSET k v foo\nSET k v PXAT 1 GET\nGET k\nSET k v EXAT 9223372036854775\nSET k v PXAT 9223372036854775807\nGET k`,
  setex: `SETEX k 0 v\nPSETEX k 0 v\nSETEX k abc v\nSETEX k 9223372036854775 v\nPSETEX k -5 v\nSETEX k 100 v\nGET k\nSETNX k v\nSETNX new v\nSETNX new v w`,
  getex: `GETEX missing EX abc\nGETEX missing EX 0\nGETEX missing foo\nSET k v\nGETEX k EX 0\nGETEX k EX abc\nGETEX k PERSIST PERSIST\nGETEX k EX 100 PERSIST
    GETEX k PERSIST EX 100\nGETEX k EX 100 EX 200\nGETEX k PXAT 1\nGET k\nSET k v\nGETEX k KEEPTTL\nGETEX k NX\nGETEX k EX\nGETEX k PX 9223372036854775807
    GETEX k EXAT 9223372036854775\nGETDEL k\nGETDEL k\nGETSET k w\nGETSET k x`,
  multi: `MSET a\nMSET a 1 b\nMSETNX a 1 b\nMSETNX a 1 b 2\nMSETNX a 1 c 2\nMSETNX q 1 q 2\nMSET x 1 x 2\nMGET a b nothing x q`,
  ranges: `APPEND s abc\nAPPEND s def\nSTRLEN s\nSTRLEN none\nGETRANGE s 0 -1\nGETRANGE s -3 -1\nGETRANGE s -1 -3\nGETRANGE s 10 20\nGETRANGE s -100 1
    GETRANGE s 0 9223372036854775807\nGETRANGE s -9223372036854775808 -9223372036854775808\nGETRANGE s 0 9223372036854775808\nGETRANGE none a 1
    SUBSTR s 1 2\nSETRANGE s -1 x\nSETRANGE s a x\nSETRANGE s 536870912 x\nSETRANGE s 536870911 xy\nSETRANGE n2 536870912 ''\nSETRANGE s 1000 ''
    SETRANGE n3 3 ab\nGET n3\nSETRANGE s 9223372036854775807 x\nAPPEND e ''\nSTRLEN e`,
  counters: `INCRBY n 10\nDECRBY n -9223372036854775808\nDECRBY n 9223372036854775807\nDECRBY n 9223372036854775807\nINCRBY n abc\nDECR n\nDECR n
    SET n 9223372036854775807\nINCR n\nINCRBY n -1\nSET f 10.5\nINCRBYFLOAT f 0.1\nINCRBYFLOAT f 1e400\nINCRBYFLOAT f 0x1p-20\nINCRBYFLOAT f nan
    INCRBYFLOAT f inf\nINCRBYFLOAT g 5.0e3\nINCRBYFLOAT g -5000\nINCRBY f 1`,
  lcs: `MSET key1 ohmytext key2 mynewtext\nLCS key1 key2\nLCS key1 key2 LEN\nLCS key1 key2 IDX\nLCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN
    LCS key1 key2 IDX WITHMATCHLEN\nLCS key1 key2 LEN IDX\nLCS key1 key2 MINMATCHLEN\nLCS key1 key2 MINMATCHLEN abc\nLCS key1 nokey
    LCS nokey nokey2 IDX\nMSET a abcabcabcxyz b xyzabcxxabc\nLCS a b IDX WITHMATCHLEN\nLCS b a IDX MINMATCHLEN 2\nLCS a b MINMATCHLEN 99999999999 IDX`,
};

test.each(Object.keys(SCRIPTS))('script %s: every reply as redis-server', async (name) => {
  const { mine, reference } = await both(script(SCRIPTS[name]));
  expect(mine).toEqual(reference);
});

/** A random string command over a few keys, values and options, including wrong ones. */
function randomCommand(rnd: () => number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const key = () => pick(['a', 'b', 'c', 'n', 'f']);
  const val = () => pick(['', 'x', 'hello', '10', '-3', '2.5', '1e3', '9223372036854775807', 'abc\u00ff\u0000']);
  const num = () => pick(['0', '1', '-1', '3', '-7', '100', '9223372036854775807', '-9223372036854775808', 'x', '1.5']);
  const time = () => pick([['EX', '100'], ['PX', '500000'], ['EXAT', '1'], ['PXAT', '99999999999999'], ['EX', '0'], ['PX', 'z'], ['KEEPTTL'], ['PERSIST']]);
  const opts = (n: number) => Array.from({ length: Math.floor(rnd() * n) }, () => (rnd() < 0.5 ? time() : [pick(['NX', 'XX', 'GET'])])).flat();
  const commands: (() => string[])[] = [
    () => ['SET', key(), val(), ...opts(3)],
    () => ['GETEX', key(), ...opts(2)],
    () => [pick(['GET', 'GETDEL', 'STRLEN', 'INCR', 'DECR']), key()],
    () => [pick(['GETSET', 'SETNX', 'APPEND']), key(), val()],
    () => [pick(['SETEX', 'PSETEX']), key(), pick(['100', '200000', '0', '-1', 'q']), val()],
    () => [pick(['INCRBY', 'DECRBY']), key(), num()],
    () => ['INCRBYFLOAT', key(), pick(['0.1', '-2.5', '1e-3', '3', 'x', 'inf', '0x10'])],
    () => [pick(['GETRANGE', 'SUBSTR']), key(), num(), num()],
    () => ['SETRANGE', key(), pick(['0', '2', '7', '-1', 'x']), val()],
    () => ['MGET', key(), key(), key()],
    () => [pick(['MSET', 'MSETNX']), key(), val(), key(), val()],
    () => ['LCS', key(), key(), ...pick([[], ['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN', 'MINMATCHLEN', '1']])],
  ];
  return pick(commands)();
}

test.each([1, 2, 3, 4, 5])('random sequence (seed %d): every reply as redis-server', async (seed) => {
  const rnd = prng(seed);
  const { mine, reference } = await both(Array.from({ length: 300 }, () => randomCommand(rnd)));
  expect(mine).toEqual(reference);
});
