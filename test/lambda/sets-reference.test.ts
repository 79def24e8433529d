/**
 * The set commands against redis-server 7.0.15 (RESP3): scripted edge cases
 * (options, error texts, WRONGTYPE in Redis's order, the key removed with
 * its last member, TTL kept by changes and dropped by STORE), every reply
 * equal. Replies in hash-table order are compared sorted; random ones are
 * used only where the answer is forced (all members, or a one-member set).
 */
import { referenceRedis } from './reference';
import { script, unordered } from './reference-scripts';

const { both } = referenceRedis();

const UNORDERED = new Set(['SMEMBERS', 'SINTER', 'SUNION', 'SDIFF', 'SPOP', 'SRANDMEMBER', 'SSCAN']);

const SCRIPTS: Record<string, string> = {
  members: `SADD s a b c\nSADD s a d\nSADD s a\nSCARD s\nSCARD nokey\nSISMEMBER s a\nSISMEMBER s z\nSISMEMBER nokey a\nSMISMEMBER s a z b\nSMISMEMBER nokey a
    SMEMBERS s\nSMEMBERS nokey\nSREM s a z\nSREM nokey a\nSREM s b c d\nEXISTS s\nSADD e ''\nSISMEMBER e ''\nSMEMBERS e`,
  ttl: `SADD s a b\nEXPIRE s 100\nSADD s c\nTTL s\nSREM s a\nTTL s\nSADD m a\nSMOVE m s a\nTTL s\nSPOP s 5\nTTL s\nSADD s a b c\nSADD d x\nEXPIRE d 100\nSUNIONSTORE d s\nTTL d\nSREM s b c\nEXISTS s`,
  wrongtype: `SET str v\nSADD str a\nSREM str a\nSMEMBERS str\nSISMEMBER str a\nSMISMEMBER str a\nSCARD str\nSPOP str\nSPOP str 2\nSRANDMEMBER str
    SRANDMEMBER str 2\nSINTER nokey str\nSUNION str\nSDIFF nokey str\nSINTERSTORE d nokey str\nSUNIONSTORE d str\nSDIFFSTORE d str\nSINTERCARD 2 nokey str
    SSCAN str 0\nSMOVE nokey str a\nSADD s a\nSMOVE s str a\nSMOVE str s a\nSADD s2 b\nGET s\nINCR s\nTYPE s`,
  algebra: `SADD a 1 2 3 4\nSADD b 3 4 5\nSADD c 4 6\nSINTER a b\nSINTER a b c\nSINTER a nokey\nSUNION a b c\nSUNION nokey\nSDIFF a b\nSDIFF a b c\nSDIFF nokey a
    SDIFF a nokey\nSINTERSTORE d a b\nSMEMBERS d\nSINTERSTORE d a nokey\nEXISTS d\nSUNIONSTORE d a c\nSMEMBERS d\nSDIFFSTORE d a a\nEXISTS d\nSET str v
    SUNIONSTORE str a\nTYPE str\nSDIFFSTORE a a b\nSMEMBERS a\nOBJECT ENCODING a\nSINTERCARD 2 a b\nSINTERCARD 1 b LIMIT 2\nSINTERCARD 1 b LIMIT 0
    SINTERCARD 1 b limit 1 LIMIT 5\nSINTERCARD 0 a\nSINTERCARD x a\nSINTERCARD 3 a b\nSINTERCARD 1 a LIMIT -1\nSINTERCARD 1 a LIMIT x\nSINTERCARD 1 a LIMIT
    SINTERCARD 1 a FOO\nSINTERCARD 2 a nokey`,
  move: `SADD a x y\nSMOVE a b x\nSMEMBERS b\nSMOVE a b z\nSMOVE a a y\nSMOVE a a z\nSMOVE a b y\nEXISTS a\nSMOVE nokey b x\nSADD c x\nSMOVE b c x\nSMEMBERS c\nSMEMBERS b`,
  random: `SPOP nokey\nSPOP nokey 2\nSRANDMEMBER nokey\nSRANDMEMBER nokey 2\nSADD s a\nSRANDMEMBER s\nSRANDMEMBER s 5\nSRANDMEMBER s -3\nSRANDMEMBER s 0
    SRANDMEMBER s x\nSRANDMEMBER s -9223372036854775808\nSRANDMEMBER s 1 2\nSPOP s x\nSPOP s -1\nSPOP s 1 2\nSPOP s 0\nSPOP s\nEXISTS s\nSADD s a b c
    SPOP s 5\nEXISTS s\nSADD s q\nSPOP s 1\nSPOP s 9223372036854775807\nSPOP s 9223372036854775808`,
  scan: `SADD s 1 2 3\nSSCAN s 0\nSSCAN s 7 COUNT 1\nSSCAN s 0 MATCH 1*\nSSCAN s 0 COUNT 0\nSSCAN s 0 TYPE set\nSSCAN s x\nSSCAN nokey 0\nSSCAN nokey 0 FOO\nSSCAN s 0 FOO`,
  encoding: `SADD s 1 2 -3\nOBJECT ENCODING s\nSADD s a\nOBJECT ENCODING s\nSADD t 01\nOBJECT ENCODING t\nSADD u 9223372036854775807\nOBJECT ENCODING u
    SUNIONSTORE v s\nOBJECT ENCODING v\nSINTERSTORE w u u\nOBJECT ENCODING w`,
};

test.each(Object.keys(SCRIPTS))('script %s: every reply as redis-server', async (name) => {
  const { mine, reference } = await both(script(SCRIPTS[name]));
  expect(unordered(mine, UNORDERED)).toEqual(unordered(reference, UNORDERED));
});
