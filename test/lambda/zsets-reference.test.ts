/**
 * The sorted-set commands against redis-server 7.0.15 itself (RESP3, so
 * WITHSCORES pairs are nested and scores are doubles): scripted edge cases
 * per command — options, their conflicts, error texts, WRONGTYPE, emptied
 * sets — then seeded random sequences over a few keys.
 */
import { prng } from '../support/prng';
import { referenceRedis } from './reference';

const { both } = referenceRedis();

const script = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => l.split(' ').map((w) => (w === "''" ? '' : w)));

const SCRIPTS: Record<string, string> = {
  zadd: `ZADD z 1 a 2 b 0.1 c -0 d inf e\nZADD z NX 5 a 6 f\nZADD z XX 7 a 8 g\nZADD z XX CH 7 a 9 b\nZADD z GT 1 a\nZADD z GT CH 10 a\nZADD z LT CH 10 a 1 b
    ZADD z XX GT 20 a 20 new\nZADD z INCR 2 a\nZADD z INCR NX 2 a\nZADD z INCR XX 2 nosuch\nZADD z INCR GT -100 a\nZADD z NX XX 1 a\nZADD z GT LT 1 a\nZADD z NX GT 1 a
    ZADD z INCR 1 a 2 b\nZADD z 1 a 2\nZADD z nan a\nZADD z x a\nZADD z ' 1' a\nZADD z 1e400 a\nZADD z 0x10 hex\nZADD z 1e-400 a\nZADD z INCR inf e\nZADD z INCR -inf e
    ZADD nokey XX 1 a\nZADD nokey XX INCR 1 a\nEXISTS nokey\nZADD z CH NX XX\nZADD z nx nx 1\nSET s v\nZADD s 1 a\nZADD s x a\nZRANGE z 0 -1 WITHSCORES`,
  zincrby: `ZINCRBY z 1.5 a\nZINCRBY z 1.5 a\nZINCRBY z nx a\nZINCRBY z x a\nZINCRBY z inf a\nZINCRBY z -inf a\nZSCORE z a\nSET s v\nZINCRBY s 1 a\nZRANGE z 0 -1 WITHSCORES`,
  reads: `ZADD z 1 a 2 b 3 c 3 d\nZSCORE z c\nZSCORE z q\nZSCORE nokey a\nZMSCORE z a q d\nZMSCORE nokey a b\nZCARD z\nZCARD nokey\nZRANK z d\nZREVRANK z d\nZRANK z q
    ZRANK nokey a\nZCOUNT z 2 3\nZCOUNT z (2 3\nZCOUNT z -inf +inf\nZCOUNT z '' (3\nZCOUNT z x 3\nZCOUNT z (nan 1\nZCOUNT nokey 1 2\nZCOUNT nokey x 2
    SET s v\nZSCORE s a\nZMSCORE s a\nZCARD s\nZRANK s a\nZCOUNT s 1 2\nZLEXCOUNT s - +`,
  lex: `ZADD l 0 a 0 b 0 c 0 d 0 e\nZLEXCOUNT l - +\nZLEXCOUNT l [b (d\nZLEXCOUNT l + -\nZLEXCOUNT l - -\nZLEXCOUNT l a b\nZLEXCOUNT l '' +\nZRANGEBYLEX l - +
    ZRANGEBYLEX l [b [d LIMIT 1 5\nZRANGEBYLEX l - + LIMIT -1 2\nZRANGEBYLEX l - + LIMIT 1 -1\nZREVRANGEBYLEX l + - LIMIT 1 2\nZREVRANGEBYLEX l (d [a
    ZRANGEBYLEX l - + WITHSCORES\nZRANGEBYLEX l - + LIMIT 1\nZRANGE l [a (c BYLEX\nZRANGE l (c [a BYLEX REV\nZADD m 1 a 2 b 0 z 3 c\nZRANGEBYLEX m [b +\nZREVRANGEBYLEX m + [b
    ZLEXCOUNT m [b [c\nZREMRANGEBYLEX m [b [c\nZRANGE m 0 -1\nZREMRANGEBYLEX l [b (d\nZRANGE l 0 -1\nZREMRANGEBYLEX l - +\nEXISTS l\nZREMRANGEBYLEX l x +`,
  range: `ZADD z 1 a 2 b 3 c 4 d 5 e\nZRANGE z 0 -1\nZRANGE z -2 -1 WITHSCORES\nZRANGE z 3 1\nZRANGE z -100 100\nZRANGE z 5 10\nZRANGE z 0 -1 REV WITHSCORES
    ZREVRANGE z 0 1 WITHSCORES\nZRANGE z 0 -1 LIMIT 0 1\nZRANGE z 0 -1 LIMIT 0 -1\nZRANGE z x 1\nZRANGE z 0 9223372036854775807\nZRANGE z 0 1 FOO\nZRANGE z (1 4 BYSCORE
    ZRANGE z 4 (1 BYSCORE REV\nZRANGE z -inf +inf BYSCORE LIMIT 1 2 WITHSCORES\nZRANGE z +inf -inf BYSCORE REV LIMIT 1 2\nZRANGE z 1 2 BYSCORE BYLEX\nZRANGE z 0 1 REV REV
    ZRANGEBYSCORE z -inf +inf WITHSCORES LIMIT 2 100\nZRANGEBYSCORE z 2 4 LIMIT 0 0\nZRANGEBYSCORE z 2 x\nZRANGEBYSCORE z -inf +inf REV\nZRANGEBYSCORE z (5 +inf
    ZREVRANGEBYSCORE z 4 2 WITHSCORES\nZREVRANGEBYSCORE z 2 4\nZRANGEBYSCORE z 1 5 LIMIT x 1\nZRANGEBYSCORE nokey 1 2\nZRANGEBYSCORE nokey x 2\nZRANGEBYSCORE z 1 5 LIMIT 1 2 LIMIT 0 1
    ZRANGESTORE d z 1 3\nZRANGE d 0 -1 WITHSCORES\nZRANGESTORE d z (2 +inf BYSCORE LIMIT 0 2\nZRANGE d 0 -1 WITHSCORES\nZRANGESTORE d z 0 -1 WITHSCORES\nZRANGESTORE d nokey 0 -1\nEXISTS d
    SET s v\nZRANGE s 0 1\nZRANGESTORE d s 0 1\nZRANGESTORE s z 0 1\nTYPE s\nEXPIRE z 100\nZRANGESTORE z z 0 0\nTTL z`,
  remove: `ZADD z 1 a 2 b 3 c 4 d 5 e\nEXPIRE z 100\nZREM z a q\nTTL z\nZREMRANGEBYSCORE z (2 3\nZREMRANGEBYSCORE z x 3\nZREMRANGEBYRANK z 0 0\nZREMRANGEBYRANK z x 0\nZRANGE z 0 -1 WITHSCORES
    ZREMRANGEBYRANK z -1 -1\nZREMRANGEBYRANK z 5 10\nZREMRANGEBYRANK z 0 9223372036854775807\nEXISTS z\nZREM nokey a\nZREMRANGEBYSCORE nokey 1 2\nSET s v\nZREM s a\nZREMRANGEBYRANK s 0 1
    ZADD y 1 a\nZREM y a\nEXISTS y`,
  pop: `ZADD z 1 a 2 b 3 c 4 d\nZPOPMIN z\nZPOPMAX z 2\nZPOPMIN z 0\nZPOPMIN z -1\nZPOPMIN z x\nZPOPMIN z 1 2\nZPOPMIN z 10\nEXISTS z\nZPOPMIN nokey\nZPOPMIN nokey 3
    ZADD z 1 a 2 b 3 c\nZMPOP 2 nokey z MAX COUNT 2\nZMPOP 1 z MIN COUNT 10\nZMPOP 1 z MIN\nZMPOP 0 z MIN\nZMPOP x z MIN\nZMPOP 2 z MIN\nZMPOP 1 z FOO\nZMPOP 1 z MIN COUNT 0
    ZMPOP 1 z MIN COUNT 1 COUNT 1\nZADD z 5 x\nBZPOPMIN nokey z 1\nZADD z 5 x 6 y\nBZPOPMAX z 1\nBZPOPMIN z -1\nBZPOPMIN z x\nBZMPOP 1 1 z MAX COUNT 5\nBZMPOP x 1 z MIN
    SET s v\nZPOPMIN s\nZPOPMIN s 0\nZMPOP 2 nokey s MIN\nBZPOPMIN s 1`,
  random: `ZRANDMEMBER nokey\nZRANDMEMBER nokey 5\nZADD z 1 a 2 b 3 c\nZRANDMEMBER z 3 WITHSCORES\nZRANDMEMBER z 10\nZRANDMEMBER z 0\nZRANDMEMBER z x\nZRANDMEMBER z 1 FOO
    ZRANDMEMBER z -9223372036854775808\nZRANDMEMBER z 9223372036854775807 WITHSCORES\nZRANDMEMBER z 1 WITHSCORES FOO\nSET s v\nZRANDMEMBER s\nZRANDMEMBER s 1`,
  scan: `ZADD z 1 a 2 b 3.5 c 0.1 d\nZSCAN z 0\nZSCAN z 7 MATCH [ab]\nZSCAN z 0 COUNT 0\nZSCAN z 0 COUNT x\nZSCAN z 0 TYPE zset\nZSCAN z 0 MATCH\nZSCAN z x\nZSCAN nokey 0 COUNT 0
    SET s v\nZSCAN s 0`,
  combine: `ZADD a 1 x 2 y 3 z\nZADD b 10 y 20 z 30 w\nZUNIONSTORE d 2 a b\nZRANGE d 0 -1 WITHSCORES\nZINTERSTORE d 2 a b WEIGHTS 2 0.5 AGGREGATE MAX\nZRANGE d 0 -1 WITHSCORES
    ZDIFFSTORE d 2 a b\nZRANGE d 0 -1 WITHSCORES\nZUNION 2 a b WITHSCORES AGGREGATE MIN\nZINTER 2 a b\nZDIFF 2 b a WITHSCORES\nZINTERCARD 2 a b\nZINTERCARD 2 a b LIMIT 1
    ZINTERCARD 0 a\nZINTERCARD 1 a LIMIT -1\nZUNION 0 a\nZUNIONSTORE d 0 a\nZUNIONSTORE d 3 a b\nZUNIONSTORE d x a\nZUNION 1 a WEIGHTS x\nZUNION 1 a AGGREGATE foo
    ZUNION 1 a WEIGHTS 1 2\nZDIFF 1 a WEIGHTS 1\nZUNIONSTORE d 1 a WITHSCORES\nZINTERSTORE d 2 a nokey\nEXISTS d\nZUNION 2 a nokey\nZADD i 1 p\nZADD j -1 p\nZUNION 2 i j WEIGHTS inf inf WITHSCORES
    ZUNION 2 i j WEIGHTS 0 inf WITHSCORES\nZINTER 2 a a WITHSCORES\nSET s v\nZUNION 2 a s\nZUNIONSTORE s 1 a\nTYPE s`,
};

test.each(Object.keys(SCRIPTS))('script %s: every reply as redis-server', async (name) => {
  const { mine, reference } = await both(script(SCRIPTS[name]));
  expect(mine).toEqual(reference);
});

/** A random sorted-set command over a few keys, members and scores, including wrong ones. */
function randomCommand(rnd: () => number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const key = () => pick(['a', 'b', 'c', 's']);
  const member = () => pick(['m', 'n', 'o', 'p', 'q', 'aa', '', 'm\u00ff']);
  const score = () => pick(['0', '1', '-1', '2.5', '1e3', 'inf', '-inf', '(1', '3', '0.1', 'x']);
  const bound = () => pick(['-inf', '+inf', '0', '1', '(1', '2.5', '(3', 'x', '(inf']);
  const lex = () => pick(['-', '+', '[m', '(n', '[o', '(', '[', 'x']);
  const idx = () => pick(['0', '1', '-1', '2', '-3', '10', 'x']);
  const limit = () => (rnd() < 0.3 ? ['LIMIT', pick(['0', '1', '-1']), pick(['1', '2', '-1', '0'])] : []);
  const commands: (() => string[])[] = [
    () => ['ZADD', key(), ...(rnd() < 0.3 ? [pick(['NX', 'XX', 'GT', 'LT', 'CH', 'INCR'])] : []), score(), member(), ...(rnd() < 0.5 ? [score(), member()] : [])],
    () => ['ZINCRBY', key(), score(), member()],
    () => ['ZREM', key(), member(), member()],
    () => [pick(['ZSCORE', 'ZRANK', 'ZREVRANK']), key(), member()],
    () => ['ZMSCORE', key(), member(), member()],
    () => ['ZCARD', key()],
    () => ['ZCOUNT', key(), bound(), bound()],
    () => ['ZLEXCOUNT', key(), lex(), lex()],
    () => ['ZRANGE', key(), idx(), idx(), ...(rnd() < 0.5 ? ['WITHSCORES'] : []), ...(rnd() < 0.3 ? ['REV'] : [])],
    () => ['ZRANGE', key(), bound(), bound(), 'BYSCORE', ...(rnd() < 0.5 ? ['REV'] : []), ...limit()],
    () => ['ZRANGE', key(), lex(), lex(), 'BYLEX', ...(rnd() < 0.5 ? ['REV'] : []), ...limit()],
    () => [pick(['ZRANGEBYSCORE', 'ZREVRANGEBYSCORE']), key(), bound(), bound(), ...(rnd() < 0.5 ? ['WITHSCORES'] : []), ...limit()],
    () => [pick(['ZRANGEBYLEX', 'ZREVRANGEBYLEX']), key(), lex(), lex(), ...limit()],
    () => ['ZREVRANGE', key(), idx(), idx()],
    () => ['ZRANGESTORE', key(), key(), idx(), idx()],
    () => ['ZREMRANGEBYSCORE', key(), bound(), bound()],
    () => ['ZREMRANGEBYRANK', key(), idx(), idx()],
    () => ['ZREMRANGEBYLEX', key(), lex(), lex()],
    () => [pick(['ZPOPMIN', 'ZPOPMAX']), key(), ...(rnd() < 0.5 ? [pick(['1', '2', '0', '-1'])] : [])],
    () => ['ZMPOP', '2', key(), key(), pick(['MIN', 'MAX']), ...(rnd() < 0.5 ? ['COUNT', pick(['1', '3', '0'])] : [])],
    () => [pick(['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']), key(), '2', key(), key(), ...(rnd() < 0.3 ? ['AGGREGATE', pick(['MIN', 'MAX', 'SUM'])] : [])],
    () => [pick(['ZUNION', 'ZINTER', 'ZDIFF']), '2', key(), key(), ...(rnd() < 0.5 ? ['WITHSCORES'] : [])],
    () => ['ZINTERCARD', '2', key(), key()],
    () => ['ZRANDMEMBER', key(), pick(['10', '0'])],
    () => ['SET', 's', 'v'],
    () => ['DEL', key()],
  ];
  return pick(commands)();
}

test.each([1, 2, 3, 4, 5])('random sequence (seed %d): every reply as redis-server', async (seed) => {
  const rnd = prng(seed);
  const { mine, reference } = await both(Array.from({ length: 300 }, () => randomCommand(rnd)));
  expect(mine).toEqual(reference);
});
