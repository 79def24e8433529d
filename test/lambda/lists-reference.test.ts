/**
 * The list commands against redis-server 7.0.15 itself: scripted edge cases
 * (every option and error text) and seeded random sequences over a few keys,
 * one of them a string (WRONGTYPE), with every reply equal. The blocking
 * commands run here as Redis runs them inside MULTI: the engine alone never
 * waits, so they use timeouts of 10 ms and Redis waits that long for nothing.
 */
import { prng } from '../support/prng';
import { referenceRedis } from './reference';

const { both } = referenceRedis();

const script = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => l.split(' ').map((w) => (w === "''" ? '' : w)));

const SCRIPTS: Record<string, string> = {
  push: `LPUSH l a b c\nRPUSH l d e\nLRANGE l 0 -1\nLPUSHX none a\nRPUSHX none a\nLPUSHX l x y\nRPUSHX l z\nLRANGE l 0 -1\nSET s v\nLPUSH s a\nLPUSHX s a\nRPUSHX s a\nLLEN s\nLLEN none\nLLEN l`,
  pop: `RPUSH l a b c d e\nLPOP l\nRPOP l\nLPOP l 2\nRPOP l 0\nLPOP l -1\nLPOP l x\nLPOP none\nLPOP none 1\nLPOP none 0\nLPOP none x\nRPOP l 9\nEXISTS l
    SET s v\nLPOP s\nRPOP s 1\nLPOP s x\nRPUSH l a\nRPOP l 9223372036854775807\nRPUSH l a b\nLPOP l 9223372036854775808`,
  range: `RPUSH l a b c d e\nLRANGE l 1 2\nLRANGE l -2 -1\nLRANGE l -100 100\nLRANGE l 3 1\nLRANGE l 5 10\nLRANGE l x 1\nLRANGE none x 1\nLRANGE none 0 -1
    LRANGE l -9223372036854775808 9223372036854775807\nLINDEX l 0\nLINDEX l -1\nLINDEX l 5\nLINDEX l -6\nLINDEX l x\nLINDEX none x\nSET s v\nLINDEX s x\nLRANGE s 0 1\nLRANGE s x 1`,
  set: `LSET none 0 v\nLSET none x v\nRPUSH l a b c\nLSET l 1 B\nLSET l -1 C\nLSET l 3 v\nLSET l -4 v\nLSET l x v\nLRANGE l 0 -1\nSET s v\nLSET s 0 v`,
  insert: `LINSERT none before a b\nRPUSH l a b a\nLINSERT l before a x\nLINSERT l AFTER a y\nLINSERT l after nope z\nLINSERT l middle a z\nLINSERT none middle a z
    LRANGE l 0 -1\nSET s v\nLINSERT s before a b\nLINSERT s foo a b`,
  rem: `RPUSH l a b a c a b a\nLREM l 2 a\nLRANGE l 0 -1\nLREM l -1 a\nLRANGE l 0 -1\nLREM l 0 b\nLREM l x a\nLREM none x a\nLREM none 0 a\nLREM l 0 zz
    LREM l 0 a\nLREM l 0 c\nEXISTS l\nSET s v\nLREM s 0 a`,
  trim: `RPUSH l a b c d e\nLTRIM l 1 -2\nLRANGE l 0 -1\nLTRIM l x 1\nLTRIM none x 1\nLTRIM none 0 1\nLTRIM l 0 -1\nLTRIM l -100 100\nLRANGE l 0 -1
    LTRIM l 2 1\nEXISTS l\nRPUSH l a b\nLTRIM l 5 10\nEXISTS l\nSET s v\nLTRIM s 0 1`,
  lpos: `RPUSH l a b c a b a\nLPOS l a\nLPOS l a RANK 2\nLPOS l a RANK -1\nLPOS l a RANK -2 COUNT 2\nLPOS l a COUNT 0\nLPOS l a COUNT 2 MAXLEN 4
    LPOS l a RANK 0\nLPOS l a RANK x\nLPOS l a COUNT -1\nLPOS l a COUNT x\nLPOS l a MAXLEN -1\nLPOS l a FOO\nLPOS l a RANK\nLPOS l a RANK 2 MAXLEN 3
    LPOS l zz\nLPOS l zz COUNT 1\nLPOS none a\nLPOS none a COUNT 1\nLPOS l a RANK -9223372036854775808\nLPOS l a RANK 9 COUNT 1\nSET s v\nLPOS s a\nLPOS s a RANK 0
    LPOS l a rank 1 count 1 rank -1`,
  move: `RPUSH l a b c\nLMOVE l d LEFT RIGHT\nLMOVE l d right left\nLRANGE d 0 -1\nLMOVE l l LEFT RIGHT\nLMOVE none d LEFT LEFT\nLMOVE l d up LEFT
    LMOVE l d LEFT down\nSET s v\nLMOVE l s LEFT LEFT\nLMOVE s l LEFT LEFT\nLMOVE none s LEFT LEFT\nRPOPLPUSH l d\nRPOPLPUSH l d\nEXISTS l\nLRANGE d 0 -1
    RPOPLPUSH d d\nLRANGE d 0 -1\nRPOPLPUSH d s\nRPOPLPUSH s d`,
  lmpop: `RPUSH a 1 2 3\nRPUSH b 4 5\nLMPOP 2 none a LEFT\nLMPOP 2 none b RIGHT COUNT 5\nLMPOP 1 none LEFT\nLMPOP 0 a LEFT\nLMPOP x a LEFT\nLMPOP -1 a LEFT
    LMPOP 2 a LEFT\nLMPOP 1 a UP\nLMPOP 1 a LEFT COUNT 0\nLMPOP 1 a LEFT COUNT x\nLMPOP 1 a LEFT COUNT 1 COUNT 1\nLMPOP 1 a LEFT FOO\nLMPOP 1 a LEFT COUNT
    LMPOP 1 a left count 9223372036854775807\nSET s v\nRPUSH b 1\nLMPOP 2 s b LEFT\nLMPOP 2 b s LEFT\nLMPOP 9223372036854775807 a LEFT`,
  blocking: `RPUSH l a b c\nBLPOP l 0\nBRPOP none l 0.01\nBLPOP none 0.01\nBLPOP l x\nBLPOP l -1\nBLPOP l ''\nBLPOP l ' 1'\nSET s v\nBLPOP s 0.01\nBLPOP none s 0.01
    BRPOPLPUSH l d 0\nBRPOPLPUSH none d 0.01\nBRPOPLPUSH s d 0.01\nRPUSH l a\nBRPOPLPUSH l s 0.01\nBLMOVE l d up LEFT 0.01\nBLMOVE l d LEFT LEFT x
    BLMOVE none d LEFT LEFT x\nBLMOVE l d RIGHT RIGHT 0.01\nBLMOVE none d LEFT LEFT 0.01\nLRANGE d 0 -1\nBLMPOP x 1 d LEFT\nBLMPOP 0.01 0 d LEFT
    BLMPOP 0.01 1 none LEFT\nBLMPOP 0 2 none d RIGHT COUNT 2\nBLMPOP 0.01 1 d LEFT COUNT 0\nBLMPOP -1 1 d LEFT\nBLMPOP 0.01 2 s d LEFT\nBLPOP d 1.5`,
};

test.each(Object.keys(SCRIPTS))('script %s: every reply as redis-server', async (name) => {
  const { mine, reference } = await both(script(SCRIPTS[name]));
  expect(mine).toEqual(reference);
});

/** A random list command over a few keys (s holds a string), with wrong arguments among the right ones. */
function randomCommand(rnd: () => number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const key = () => pick(['a', 'b', 'c', 's']);
  const val = () => pick(['', 'x', 'y', 'hello', '1', 'abc\u00ff\u0000']);
  const num = () => pick(['0', '1', '-1', '2', '-3', '10', '9223372036854775807', '-9223372036854775808', 'x']);
  const end = () => pick(['LEFT', 'RIGHT', 'left', 'up']);
  const commands: (() => string[])[] = [
    () => [pick(['LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX']), key(), val(), ...(rnd() < 0.5 ? [val()] : [])],
    () => [pick(['LPOP', 'RPOP']), key(), ...(rnd() < 0.5 ? [pick(['0', '1', '2', '5', '-1', 'x'])] : [])],
    () => ['LRANGE', key(), num(), num()],
    () => ['LINDEX', key(), num()],
    () => ['LLEN', key()],
    () => ['LSET', key(), num(), val()],
    () => ['LINSERT', key(), pick(['BEFORE', 'after', 'x']), val(), val()],
    () => ['LREM', key(), num(), val()],
    () => ['LTRIM', key(), num(), num()],
    () => ['LPOS', key(), val(), ...pick([[], ['RANK', num()], ['COUNT', pick(['0', '1', '2'])], ['MAXLEN', '2', 'RANK', '-1', 'COUNT', '0']])],
    () => ['LMOVE', key(), key(), end(), end()],
    () => ['RPOPLPUSH', key(), key()],
    () => ['LMPOP', pick(['1', '2', '0']), key(), key(), end(), ...pick([[], ['COUNT', '2'], ['COUNT', '0']])],
    () => [pick(['BLPOP', 'BRPOP']), key(), key(), pick(['0.01', 'x', '-1'])],
    () => ['BLMOVE', key(), key(), end(), end(), pick(['0.01', 'x'])],
    () => ['BLMPOP', pick(['0.01', '-1']), pick(['1', '2']), key(), key(), end()],
    () => ['SET', 's', 'str'],
  ];
  return pick(commands)();
}

test.each([1, 2, 3])('random sequence (seed %d): every reply as redis-server', async (seed) => {
  const rnd = prng(seed);
  const { mine, reference } = await both(Array.from({ length: 250 }, () => randomCommand(rnd)).filter((c) => c.length > 0));
  expect(mine).toEqual(reference);
}, 30_000);
