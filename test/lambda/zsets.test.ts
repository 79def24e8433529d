/**
 * Sorted sets in the engine, beyond what the redis-server comparison
 * (zsets-reference.test.ts) covers: the TTL a change keeps, the key an
 * emptied set removes, blocking pops (blocked, or a null at once inside
 * MULTI and scripts), plain sets as ZUNION inputs, the Lua types scripts
 * see, the "%.17g" texts, and that one ZADD on a 100k-member set shares the
 * set's chunks instead of copying them.
 */
import type { WireReply } from '../../lambda/contract';
import { toWire } from '../../lambda/contract-wire';
import { entryOf } from '../../lambda/document';
import { SetValue } from '../../lambda/document-values';
import { contextFor, executeOne } from '../../lambda/engine';
import { Keyspace } from '../../lambda/commands/context';
import { formatScore, parseScore } from '../../lambda/commands/zsets/score';
import { zsetOf, type ZSetValue } from '../../lambda/commands/zsets/zset';
import { harness, T0 } from './keyspace-harness';
import { argv, b, bulk, err, int, NIL } from './util';

const WRONGTYPE = err('WRONGTYPE Operation against a key holding the wrong kind of value');
const dbl = (v: string): WireReply => ({ t: 'double', v });
const text = (r: WireReply): string => (r.t === 'bulk' ? Buffer.from(r.v, 'base64').toString('latin1') : `?${JSON.stringify(r)}`);

describe('scores', () => {
  test('printed as redis-server 7.0.15 prints them (%.17g; 7.2 would print 0.1)', () => {
    const cases: [number, string][] = [
      [0.1, '0.10000000000000001'], [2.5, '2.5'], [1e17, '1e+17'], [1e16, '10000000000000000'], [-1.5e-7, '-1.4999999999999999e-07'],
      [1e-300, '1e-300'], [1e300, '1.0000000000000001e+300'], [123456789012345678, '1.2345678901234568e+17'], [5e-324, '4.9406564584124654e-324'],
      [10000000000000.0625, '10000000000000.062'], [Infinity, 'inf'], [-Infinity, '-inf'], [0, '0'], [-0, '-0'], [1e-5, '1.0000000000000001e-05'], [0.0001, '0.0001'],
    ];
    for (const [x, s] of cases) expect([x, formatScore(x)]).toEqual([x, s]);
  });
  test('read as strtod reads them, the whole argument, no NaN, no overflow, no underflow to zero', () => {
    const ok: [string, number][] = [['1', 1], ['-0', -0], ['0x10', 16], ['0x1p-2', 0.25], ['inf', Infinity], ['-Infinity', -Infinity], ['1.', 1], ['.5', 0.5], ['+3', 3], ['1e-310', 1e-310]];
    for (const [s, x] of ok) expect([s, parseScore(b(s))]).toEqual([s, x]);
    for (const s of ['', ' 1', '1 ', 'nan', '1e400', '1e-400', '1e', '0x', '1\x002', 'x', '(1']) expect([s, parseScore(b(s))]).toEqual([s, null]);
  });
});

describe('keys', () => {
  test('a change keeps the TTL; an emptied set removes the key (ZREM, ZPOPMIN, ZREMRANGEBY*, ZMPOP)', () => {
    const h = harness();
    h.run('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
    h.run('PEXPIRE', 'z', '100000');
    for (const c of [['ZADD', 'z', '6', 'f'], ['ZINCRBY', 'z', '1', 'a'], ['ZREM', 'z', 'f'], ['ZPOPMIN', 'z'], ['ZREMRANGEBYSCORE', 'z', '3', '3'], ['ZREMRANGEBYRANK', 'z', '0', '0'], ['ZREMRANGEBYLEX', 'z', '-', '(b']]) {
      h.run(...c);
      expect([c.join(' '), h.run('PTTL', 'z')]).toEqual([c.join(' '), int(100000)]);
    }
    // a (now 2, tied with b, a first) popped, c by score, b by rank; the lex range on mixed scores walks from d and stops at once.
    expect(h.run('ZCARD', 'z')).toEqual(int(2));
    const pair = (m: string, s: string): WireReply => ({ t: 'array', v: [bulk(m), dbl(s)] });
    expect(h.run('ZMPOP', '1', 'z', 'MAX', 'COUNT', '5')).toEqual({ t: 'array', v: [bulk('z'), { t: 'array', v: [pair('e', '5'), pair('d', '4')] }] });
    expect(h.run('EXISTS', 'z')).toEqual(int(0));
    for (const c of [['ZREM', 'y', 'a'], ['ZREMRANGEBYRANK', 'y', '0', '-1'], ['ZPOPMAX', 'y', '5'], ['ZREMRANGEBYSCORE', 'y', '-inf', '+inf'], ['ZREMRANGEBYLEX', 'y', '-', '+']]) {
      h.run('ZADD', 'y', '1', 'a');
      h.run(...c);
      expect([c.join(' '), h.run('EXISTS', 'y')]).toEqual([c.join(' '), int(0)]);
    }
  });
  test('…STORE replaces whatever the destination held, type and TTL, and an empty result deletes it', () => {
    const h = harness();
    h.run('ZADD', 'src', '1', 'a', '2', 'b');
    h.run('SET', 'dst', 'v', 'EX', '100');
    expect(h.run('ZUNIONSTORE', 'dst', '1', 'src')).toEqual(int(2));
    expect(h.run('TYPE', 'dst')).toEqual({ t: 'simple', v: 'zset' });
    expect(h.run('PTTL', 'dst')).toEqual(int(-1));
    expect(h.run('ZRANGESTORE', 'dst', 'src', '5', '10')).toEqual(int(0));
    expect(h.run('EXISTS', 'dst')).toEqual(int(0));
    expect(h.run('ZINTERSTORE', 'src', '2', 'src', 'nokey')).toEqual(int(0));
    expect(h.run('EXISTS', 'src')).toEqual(int(0));
  });
  test('every command answers WRONGTYPE on a string', () => {
    const h = harness();
    h.run('SET', 's', 'v');
    const cases = [['ZADD', 's', '1', 'a'], ['ZINCRBY', 's', '1', 'a'], ['ZREM', 's', 'a'], ['ZSCORE', 's', 'a'], ['ZMSCORE', 's', 'a'], ['ZCARD', 's'], ['ZCOUNT', 's', '0', '1'],
      ['ZLEXCOUNT', 's', '-', '+'], ['ZRANK', 's', 'a'], ['ZREVRANK', 's', 'a'], ['ZRANGE', 's', '0', '1'], ['ZRANGEBYSCORE', 's', '0', '1'], ['ZREVRANGEBYLEX', 's', '+', '-'],
      ['ZRANGESTORE', 'd', 's', '0', '1'], ['ZREMRANGEBYRANK', 's', '0', '1'], ['ZPOPMIN', 's'], ['ZMPOP', '1', 's', 'MIN'], ['BZPOPMAX', 's', '1'], ['ZRANDMEMBER', 's'], ['ZSCAN', 's', '0'],
      ['ZUNION', '1', 's'], ['ZINTERCARD', '1', 's'], ['ZDIFFSTORE', 'd', '1', 's']];
    for (const c of cases) expect([c.join(' '), h.run(...c)]).toEqual([c.join(' '), WRONGTYPE]);
  });
  test('plain sets are inputs of ZUNION / ZINTER / ZDIFF, every member scored 1', () => {
    const h = harness();
    h.doc.put(b('set'), entryOf(SetValue.of(['a', 'x'])));
    h.run('ZADD', 'z', '5', 'a', '7', 'b');
    expect(h.run('ZUNION', '2', 'z', 'set', 'WITHSCORES')).toEqual({ t: 'pairs', v: [[bulk('x'), dbl('1')], [bulk('a'), dbl('6')], [bulk('b'), dbl('7')]] });
    expect(h.run('ZINTER', '2', 'z', 'set', 'WEIGHTS', '1', '10', 'AGGREGATE', 'MAX', 'WITHSCORES')).toEqual({ t: 'pairs', v: [[bulk('a'), dbl('10')]] });
    expect(h.run('ZDIFF', '2', 'set', 'z')).toEqual({ t: 'array', v: [bulk('x')] });
  });
});

describe('blocking pops', () => {
  const blockingRun = (h: ReturnType<typeof harness>, ...words: string[]) => toWire(executeOne(contextFor(new Keyspace(h.doc, h.touched, 0, h.now), undefined, true), argv(...words)));

  test('nothing to pop: "blocked" for a client, with the command to retry, its keys and timeout', () => {
    const h = harness();
    expect(blockingRun(h, 'BZPOPMIN', 'k1', 'k2', '1.5')).toEqual({ t: 'blocked', retry: argv('bzpopmin', 'k1', 'k2', '1.5').map((x) => x.toString('base64')), keys: [b('k1').toString('base64'), b('k2').toString('base64')], timeoutMs: 1500, onTimeout: { t: 'null', array: true } });
    const r = blockingRun(h, 'BZMPOP', '0', '2', 'k1', 'k2', 'MAX', 'COUNT', '2');
    expect(r).toMatchObject({ t: 'blocked', keys: [b('k1').toString('base64'), b('k2').toString('base64')], timeoutMs: 0 });
  });
  test('something to pop: the first non-empty key, at once', () => {
    const h = harness();
    h.run('ZADD', 'k2', '1', 'a', '2', 'b');
    expect(blockingRun(h, 'BZPOPMAX', 'k1', 'k2', '0')).toEqual({ t: 'array', v: [bulk('k2'), bulk('b'), dbl('2')] });
  });
  test('inside MULTI (a queued command never blocks) and from a script: a null at once', () => {
    const h = harness();
    expect(h.run('BZPOPMIN', 'k', '0')).toEqual({ t: 'null', array: true });
    expect(h.run('BZMPOP', '0', '1', 'k', 'MIN')).toEqual({ t: 'null', array: true });
    expect(h.run('EVAL', "return redis.call('BZMPOP', '0', '1', KEYS[1], 'MIN')", '1', 'k')).toEqual(NIL);
    expect(h.run('EVAL', "return redis.pcall('BZPOPMIN', KEYS[1], '0')", '1', 'k')).toEqual(err('ERR This Redis command is not allowed from script'));
  });
});

describe('scripts', () => {
  test('Lua sees members and scores as strings, counts as numbers, a missing score or rank as false', () => {
    const h = harness();
    const script = `
      redis.call('ZADD', KEYS[1], 1.5, 'a', 2, 'b', 0.1, 'c')
      local r = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '+inf', 'WITHSCORES')
      return {type(r[1]), r[1], type(r[2]), r[2], r[6], type(redis.call('ZCARD', KEYS[1])), tostring(redis.call('ZRANK', KEYS[1], 'nope')),
              redis.call('ZSCORE', KEYS[1], 'a'), redis.call('ZINCRBY', KEYS[1], 1, 'a'), #redis.call('ZPOPMIN', KEYS[1], 2)}`;
    const r = h.run('EVAL', script, '1', 'z');
    expect(r.t).toBe('array');
    const v = (r as { v: WireReply[] }).v;
    expect(v.map((x) => (x.t === 'bulk' ? text(x) : x))).toEqual(['string', 'c', 'string', '0.10000000000000001', '2', 'number', 'false', '1.5', '2.5', int(4)]);
  });
  test('after redis.setresp(3) a WITHSCORES reply is nested pairs with double scores', () => {
    const h = harness();
    h.run('ZADD', 'z', '1.5', 'a');
    const r = h.run('EVAL', "redis.setresp(3) local r = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES') return {#r, #r[1], r[1][1], r[1][2]['double'] * 2}", '1', 'z');
    expect(r).toEqual({ t: 'array', v: [int(1), int(2), bulk('a'), int(3)] });
  });
});

describe('cost on a 100k-member set', () => {
  function big(): ZSetValue {
    const m = new Map<string, number>();
    for (let i = 0; i < 100_000; i++) m.set(`member:${i}`, i * 1.5);
    return zsetOf(m);
  }

  test('ZADD and ZREM change a chunk or two of the order; every other chunk (and its cached JSON) is shared', () => {
    const h = harness(T0);
    let before = big();
    h.doc.put(b('big'), entryOf(before));
    for (const c of [['ZADD', 'big', '-5', 'member:777'], ['ZADD', 'big', '12.25', 'new'], ['ZREM', 'big', 'member:99999'], ['ZREMRANGEBYSCORE', 'big', '(3000', '3006']]) {
      const beforeParts = new Set(before.encoded().parts);
      h.run(...c);
      const after = h.doc.entry(b('big'))?.value as ZSetValue;
      const parts = after.encoded().parts.filter((p) => p.length > 1);
      const fresh = parts.filter((p) => !beforeParts.has(p)).length;
      expect([c.join(' '), fresh, parts.length > 300]).toEqual([c.join(' '), expect.any(Number), true]);
      expect([c.join(' '), fresh <= 3]).toEqual([c.join(' '), true]);
      before = after;
    }
    expect(h.run('ZCARD', 'big')).toEqual(int(100_000 - 4));
    expect(h.run('ZRANK', 'big', 'member:777')).toEqual(int(0));
    expect(h.run('ZRANGE', 'big', '(1.5', '4.5', 'BYSCORE')).toEqual({ t: 'array', v: [bulk('member:2'), bulk('member:3')] });
    expect(h.run('ZSCORE', 'big', 'new')).toEqual(dbl('12.25'));
  });

  test('ZSCAN of a large set pages through by hash: every member once, then cursor 0', () => {
    const h = harness();
    h.doc.put(b('big'), entryOf(big()));
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const r = h.run('ZSCAN', 'big', cursor, 'COUNT', '5000') as { t: 'array'; v: [WireReply, { t: 'array'; v: WireReply[] }] };
      cursor = text(r.v[0]);
      for (let i = 0; i < r.v[1].v.length; i += 2) seen.add(text(r.v[1].v[i]));
      calls++;
    } while (cursor !== '0' && calls < 1000);
    expect(cursor).toBe('0');
    expect(seen.size).toBe(100_000);
    expect(calls).toBeGreaterThan(5);
  });
});
