/**
 * The hash commands against redis-server 7.0.15 (RESP3): scripted edge cases
 * (options, error texts, WRONGTYPE, the key removed with its last field, TTL
 * kept), every reply equal. Replies Redis gives in hash-table order (HGETALL,
 * HKEYS, HVALS) are compared sorted; random ones (HRANDFIELD) are checked in
 * hashes.test.ts.
 */
import { referenceRedis } from './reference';
import { script, unordered } from './reference-scripts';

const { both } = referenceRedis();

const UNORDERED = new Set(['HGETALL', 'HKEYS', 'HVALS']);

const SCRIPTS: Record<string, string> = {
  set: `HSET h f v\nHSET h f v2 g w\nHSET h f\nHSET h f v g\nHMSET h a\nHMSET h a 1 b 2\nHGET h a\nHGET h nofield\nHGET nokey f\nHLEN h\nHLEN nokey
    HSETNX h a 9\nHSETNX h new 9\nHSETNX h new\nHGET h new\nHMGET h a nofield b\nHMGET nokey a b\nHEXISTS h a\nHEXISTS h zz\nHEXISTS nokey a
    HSTRLEN h f\nHSTRLEN h zz\nHSTRLEN nokey f\nHSET e '' ''\nHGET e ''\nHSTRLEN e ''`,
  del: `HSET h a 1 b 2 c 3\nHDEL h a a zz\nHDEL nokey a\nHDEL h\nHDEL h b c\nEXISTS h\nTYPE h\nHLEN h\nHGETALL h\nHKEYS h\nHVALS h`,
  ttl: `HSET h a 1\nEXPIRE h 100\nHSET h b 2\nTTL h\nHDEL h a\nTTL h\nHINCRBY h n 1\nTTL h\nHDEL h b n\nTTL h\nEXISTS h`,
  wrongtype: `SET s v\nHSET s f v\nHGET s f\nHMGET s f\nHGETALL s\nHDEL s f\nHLEN s\nHEXISTS s f\nHKEYS s\nHVALS s\nHSTRLEN s f\nHSETNX s f v\nHINCRBY s f 1
    HINCRBYFLOAT s f 1\nHINCRBY s f x\nHINCRBYFLOAT s f x\nHRANDFIELD s\nHRANDFIELD s 1\nHSCAN s 0\nHSCAN s x\nHSET h f v\nGET h\nAPPEND h x\nTYPE h\nOBJECT ENCODING h`,
  incr: `HINCRBY h n 5\nHINCRBY h n -10\nHINCRBY h n x\nHINCRBY h n 9223372036854775807\nHSET h big 9223372036854775807\nHINCRBY h big 1\nHINCRBY h big -1
    HSET h s abc\nHINCRBY h s 1\nHSET h z 007\nHINCRBY h z 1\nHINCRBY h n 9223372036854775808\nHINCRBYFLOAT h f 10.5\nHINCRBYFLOAT h f 0.1\nHINCRBYFLOAT h f x
    HINCRBYFLOAT h f inf\nHINCRBYFLOAT h f -inf\nHINCRBYFLOAT h f nan\nHINCRBYFLOAT h s 1\nHINCRBYFLOAT h n 1.5\nHINCRBYFLOAT h g 5.0e3\nHGET h g
    HSET h i inf\nHINCRBYFLOAT h i 1\nHINCRBYFLOAT h e 1e308\nHINCRBYFLOAT h e 0x10\nHINCRBYFLOAT nokey f x\nEXISTS nokey\nHINCRBYFLOAT h q ''\nHINCRBY h q ''`,
  scan: `HSET h a 1 b 2 c 3\nHSCAN h 0\nHSCAN h 0 COUNT 1\nHSCAN h 0 MATCH a*\nHSCAN h 0 MATCH\nHSCAN h 0 COUNT 0\nHSCAN h 0 COUNT x\nHSCAN h 0 TYPE string
    HSCAN h x\nHSCAN h -1\nHSCAN h 18446744073709551616\nHSCAN nokey 0\nHSCAN nokey 0 FOO\nHSCAN nokey x\nHSCAN h 0 FOO\nHSCAN h 5`,
  random: `HRANDFIELD nokey\nHRANDFIELD nokey 2\nHRANDFIELD nokey 2 WITHVALUES\nHSET h a 1\nHRANDFIELD h\nHRANDFIELD h 5\nHRANDFIELD h -3
    HRANDFIELD h -2 WITHVALUES\nHRANDFIELD h 1 WITHVALUES\nHRANDFIELD h 0\nHRANDFIELD h 0 WITHVALUES\nHRANDFIELD h x\nHRANDFIELD h 1 FOO\nHRANDFIELD h 1 WITHVALUES x
    HRANDFIELD h -9223372036854775808\nHRANDFIELD h -4611686018427387904 WITHVALUES\nHRANDFIELD h 4611686018427387904 WITHVALUES\nHRANDFIELD nokey x`,
  encoding: `HSET h a 1\nOBJECT ENCODING h\nHSET h long 01234567890123456789012345678901234567890123456789012345678901234\nOBJECT ENCODING h`,
};

test.each(Object.keys(SCRIPTS))('script %s: every reply as redis-server', async (name) => {
  const { mine, reference } = await both(script(SCRIPTS[name]));
  expect(unordered(mine, UNORDERED)).toEqual(unordered(reference, UNORDERED));
});
