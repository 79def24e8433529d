/**
 * The stream commands against redis-server 7.0.15 itself: the same command
 * sequences go to a throw-away redis-server (RESP3) and to the engine, and
 * every reply must be equal — scripted edge cases (ids, bounds, options and
 * their error texts), then seeded random sequences. Ids are explicit or
 * `ms-*`: `*` takes each server's clock (streams-engine.test.ts covers it).
 * Approximate (`~`) trims appear only where they trim nothing or fail: what
 * they remove depends on Redis's node layout (lambda/commands/streams/trim.ts).
 */
import { prng } from '../support/prng';

import { referenceRedis } from './reference';

const { both } = referenceRedis();

const script = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => l.split(' ').map((w) => (w === "''" ? '' : w)));

const SCRIPTS: Record<string, string> = {
  xadd: `XADD s 1-1 a 1\nXADD s 1-1 a 1\nXADD s 1-0 a 1\nXADD s 1-* b 2\nXADD s 2-* c 3\nXADD s 1-* d 4\nXADD s 0-0 a 1\nXADD s 0 a 1\nXADD t 0-* a 1
    XADD s 007-1 a 1\nXADD s +8-1 a 1\nXADD s -1 a 1\nXADD s 9-x a 1\nXADD s 18446744073709551616-0 a 1\nXADD s 9-01 a 1\nXADD s 10-+ a 1\nXADD s 11 a\nXADD s 11 a 1 b
    XADD s NOMKSTREAM 12-1 a 1\nXADD none NOMKSTREAM 1-1 a 1\nEXISTS none\nXADD s 18446744073709551615-18446744073709551615 a 1\nXADD s * a 1\nXADD s 18446744073709551615-* a 1
    XLEN s\nXRANGE s - +\nSET str v\nXADD str 1-1 a 1\nXADD str 0-0 a 1\nXADD str NOMKSTREAM 1-1 a 1\nXADD s nomkstream nomkstream\nXADD s FOO 1 a\nTYPE s\nTYPE t`,
  trimOptions: `XADD s MAXLEN 2 1-1 a 1\nXADD s MAXLEN 2 2-1 a 1\nXADD s MAXLEN 2 3-1 a 1\nXRANGE s - +\nXADD s MAXLEN = 1 4-1 a 1\nXLEN s\nXADD s MINID 5 5-1 a 1\nXRANGE s - +
    XADD s MINID = 5-2 6-1 a 1\nXADD s LIMIT 5 7-1 a 1\nXADD s MAXLEN 1 LIMIT 5 7-1 a 1\nXADD s MAXLEN = -1 7-1 a 1\nXADD s MAXLEN 1 MINID 0 7-1 a 1
    XADD s LIMIT 0 7-1 a 1\nXADD s MAXLEN x 7-1 a 1\nXADD s MINID x 7-1 a 1\nXADD s MAXLEN 1 LIMIT -1 7-1 a 1\nXADD s MAXLEN ~ 100 LIMIT 5 7-1 a 1\nXADD s MAXLEN ~ 5 8-1 a 1
    XADD s MAXLEN 0 9-1 a 1\nXLEN s\nEXISTS s\nXRANGE s - +\nXADD s maxlen 9223372036854775807 10-1 a 1\nXADD s MAXLEN 9223372036854775808 11-1 a 1`,
  xtrim: `XTRIM none MAXLEN 1\nXTRIM none MINID x\nXTRIM none MAXLEN x\nXADD s 1-1 a 1\nXADD s 2-1 b 2\nXADD s 3-1 c 3\nXADD s 4-1 d 4\nXTRIM s MAXLEN 3\nXTRIM s MAXLEN 3
    XTRIM s MINID 3\nXTRIM s MINID 3-1\nXRANGE s - +\nXTRIM s\nXTRIM s foo\nXTRIM s MAXLEN 1 foo\nXTRIM s LIMIT 0 MAXLEN 1\nXTRIM s MAXLEN ~\nXTRIM s MAXLEN ~ x
    XTRIM s MAXLEN ~ 5 LIMIT 0\nXTRIM s MINID ~ 1 LIMIT 1\nXTRIM s MAXLEN 1 MAXLEN 1\nXTRIM s MAXLEN = 0\nXLEN s\nEXISTS s\nXRANGE s - +\nSET str v\nXTRIM str MAXLEN 1\nXTRIM str MAXLEN x
    XADD s 9-1 a 1\nXRANGE s - +\nXTRIM s MINID 18446744073709551615-18446744073709551615\nXLEN s`,
  xdel: `XDEL none 1-1\nXDEL none x\nXADD s 1-1 a 1\nXADD s 2-1 b 2\nXADD s 3-1 c 3\nXDEL s 2-1 2-1 9-9\nXDEL s 1 x\nXRANGE s - +\nXDEL s 1\nXDEL s 3-1\nXLEN s\nEXISTS s
    XADD s 3-1 a 1\nXADD s 3-2 a 1\nXRANGE s - +\nXDEL s -\nXDEL s +\nXDEL s 3-*\nSET str v\nXDEL str 1-1\nXDEL str x`,
  ranges: `XRANGE none - +\nXRANGE none x +\nXADD s 1-1 a 1\nXADD s 1-2 b 2\nXADD s 2-0 c 3\nXADD s 2-5 d 4 e 5\nXADD s 3-1 f 6\nXRANGE s - +\nXREVRANGE s + -
    XRANGE s 1 2\nXRANGE s (1-1 (2-5\nXREVRANGE s (2-5 (1-1\nXRANGE s 2 2\nXRANGE s 2-0 1-0\nXRANGE s - + COUNT 2\nXREVRANGE s + - COUNT 2\nXRANGE s - + COUNT 0
    XRANGE s - + COUNT -1\nXRANGE none - + COUNT 0\nXRANGE s - + COUNT 1 COUNT 3\nXRANGE s - + COUNT\nXRANGE s - + COUNT x\nXRANGE s - + FOO 1\nXRANGE s (- +
    XRANGE s ( +\nXRANGE s (18446744073709551615-18446744073709551615 +\nXRANGE s - (0-0\nXRANGE s - (0\nXRANGE s (0 +\nXREVRANGE s 1 +\nXRANGE s 2-x +
    XRANGE s - 18446744073709551615\nXREVRANGE s 18446744073709551615-18446744073709551615 0\nXRANGE s 1-2 1-2\nXRANGE s (1-2 (1-3\nSET str v\nXRANGE str - +\nXREVRANGE str + -
    XRANGE str x +\nXLEN str\nXLEN none\nXLEN s`,
  xread: `XREAD STREAMS none 0\nXREAD STREAMS none $\nXADD s 1-1 a 1\nXADD s 2-1 b 2\nXADD t 5-1 c 3\nXREAD STREAMS s 0\nXREAD STREAMS s t 1-1 0\nXREAD COUNT 1 STREAMS s t 0 0
    XREAD COUNT -5 STREAMS s 0\nXREAD COUNT 0 STREAMS s 0\nXREAD STREAMS s $\nXREAD STREAMS s 2-1\nXREAD STREAMS s t 2-1 5\nXREAD STREAMS s t\nXREAD STREAMS s t 0
    XREAD COUNT x STREAMS s 0\nXREAD BLOCK x STREAMS s 0\nXREAD BLOCK -1 STREAMS s 0\nXREAD FOO STREAMS s 0\nXREAD COUNT 1 COUNT\nXREAD STREAMS s >\nXREAD NOACK STREAMS s 0
    XREAD GROUP g c STREAMS s 0\nXREAD STREAMS s (0\nXREAD STREAMS s -\nXREAD STREAMS s 18446744073709551615-18446744073709551615\nSET str v\nXREAD STREAMS s str 0 0
    XREAD STREAMS str s 0 x\nXREAD STREAMS s none 0 x\nXREAD BLOCK 10 STREAMS s 0\nXREAD BLOCK 0 COUNT 1 STREAMS s 0\nXDEL s 2-1\nXREAD STREAMS s 1-1\nXREAD streams s 0`,
};

test.each(Object.keys(SCRIPTS))('script %s: every reply as redis-server', async (name) => {
  const { mine, reference } = await both(script(SCRIPTS[name]));
  expect(mine).toEqual(reference);
});

test('scripts: XREAD … BLOCK is refused from a script; without BLOCK it runs (RESP2 form inside the script)', async () => {
  const { mine, reference } = await both([
    ['XADD', 's', '1-1', 'a', '1'],
    ['EVAL', "return redis.call('XREAD','BLOCK','0','STREAMS','s','1-1')", '0'],
    ['EVAL', "return redis.pcall('xread','block','0','STREAMS','s','0')", '0'],
    ['EVAL', "return redis.pcall('XREAD','COUNT','x','BLOCK','0','STREAMS','s','0')", '0'],
    ['EVAL', "return redis.call('XREAD','STREAMS','s','0')", '0'],
    ['EVAL', "redis.setresp(3) return redis.call('XREAD','STREAMS','s','0')", '0'],
    ['EVAL', "return redis.call('XRANGE','s','-','+')", '0'],
    ['EVAL', "return redis.call('XADD','s','MAXLEN','1','2-*','b','2')", '0'],
    ['XRANGE', 's', '-', '+'],
  ]);
  expect(mine).toEqual(reference);
});

/** A random stream command over a few keys and small ids (explicit or `ms-*`), including wrong ones. */
function randomCommand(rnd: () => number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const key = () => pick(['s', 't', 'u', 'str']);
  const ms = () => String(Math.floor(rnd() * 8));
  const id = () => pick([`${ms()}-${ms()}`, `${ms()}-*`, ms(), '0-0', 'x', `${ms()}-${ms()}`]);
  const bound = () => pick(['-', '+', `${ms()}-${ms()}`, ms(), `(${ms()}-${ms()}`, `(${ms()}`, '(', 'x']);
  const fields = () => pick([['f', 'v'], ['a', '1', 'b', '2'], ['f', ''], ['f']]);
  const trim = () =>
    pick([[], [], ['MAXLEN', pick(['0', '1', '2', '5'])], ['MAXLEN', '=', pick(['1', '3'])], ['MINID', `${ms()}-${ms()}`], ['MINID', '=', ms()], ['MAXLEN', '-1'], ['LIMIT', '2'], ['MAXLEN', '1', 'LIMIT', '1']]);
  const commands: (() => string[])[] = [
    () => ['XADD', key(), ...(rnd() < 0.2 ? ['NOMKSTREAM'] : []), ...trim(), id(), ...fields()],
    () => ['XADD', key(), `${ms()}-*`, ...fields()],
    () => ['XLEN', key()],
    () => ['XRANGE', key(), bound(), bound(), ...pick([[], ['COUNT', pick(['0', '1', '2', '-1', 'x'])]])],
    () => ['XREVRANGE', key(), bound(), bound(), ...pick([[], ['COUNT', pick(['0', '1', '2'])]])],
    () => ['XDEL', key(), id(), ...(rnd() < 0.5 ? [id()] : [])],
    () => ['XTRIM', key(), ...pick([['MAXLEN', pick(['0', '1', '3', 'x'])], ['MINID', `${ms()}-${ms()}`], ['MAXLEN', '=', '2'], ['FOO'], []])],
    () => ['XREAD', ...pick([[], ['COUNT', pick(['1', '2', '0'])]]), 'STREAMS', ...(rnd() < 0.5 ? [key(), pick(['0', '$', `${ms()}-${ms()}`])] : [key(), key(), pick(['0', '$']), pick(['0', ms()])])],
    () => ['SET', 'str', 'v'],
    () => ['DEL', key()],
  ];
  return pick(commands)();
}

test.each([1, 2, 3, 4, 5, 6])('random sequence (seed %d): every reply as redis-server', async (seed) => {
  const rnd = prng(seed);
  const { mine, reference } = await both(Array.from({ length: 300 }, () => randomCommand(rnd)));
  expect(mine).toEqual(reference);
});
