/**
 * Hashes and sets beyond what the reference tests can compare: random picks
 * on big aggregates, HSCAN/SSCAN over many chunks, WATCH marks, OOM, a big
 * aggregate through a commit, and Lua's view of the replies.
 */
import { keyMark } from '../../lambda/changes';
import type { WireReply } from '../../lambda/contract';
import { Document } from '../../lambda/document';
import { harness } from './keyspace-harness';
import { b, bulk, err, int } from './util';

const text = (r: WireReply): string => (r.t === 'bulk' ? Buffer.from(r.v, 'base64').toString('latin1') : `?${JSON.stringify(r)}`);
const items = (r: WireReply): string[] => {
  if (r.t !== 'array' && r.t !== 'set') throw new Error(`not a list: ${JSON.stringify(r)}`);
  return r.v.map(text);
};

function bigHash(n: number) {
  const h = harness();
  for (let i = 0; i < n; i += 500) h.run('HSET', 'h', ...Array.from({ length: Math.min(500, n - i) }, (_, j) => [`f${i + j}`, `v${i + j}`]).flat());
  return h;
}

describe('random picks', () => {
  it('HRANDFIELD with a positive count gives distinct fields, with a negative one exactly |count| that may repeat, WITHVALUES as pairs', () => {
    const h = bigHash(2000);
    const distinct = items(h.run('HRANDFIELD', 'h', '300'));
    expect(new Set(distinct).size).toBe(300);
    expect(distinct.every((f) => /^f\d+$/.test(f) && Number(f.slice(1)) < 2000)).toBe(true);
    expect(items(h.run('HRANDFIELD', 'h', '-2500'))).toHaveLength(2500);
    const pairs = h.run('HRANDFIELD', 'h', '5', 'WITHVALUES');
    expect(pairs.t).toBe('pairs');
    if (pairs.t === 'pairs') for (const [f, v] of pairs.v) expect(text(v)).toBe(text(f).replace('f', 'v'));
    // Every field can come up: 200 single picks from a 3-field hash see all three.
    h.run('HSET', 'small', 'a', '1', 'b', '2', 'c', '3');
    expect(new Set(Array.from({ length: 200 }, () => text(h.run('HRANDFIELD', 'small')))).size).toBe(3);
  });

  it('a count past what one reply can carry is refused, not built', () => {
    const h = bigHash(10);
    expect(h.run('HRANDFIELD', 'h', '-100000000')).toEqual(err('ERR value is out of range'));
    expect(h.run('SADD', 's', 'a', 'b')).toEqual(int(2));
    expect(h.run('SRANDMEMBER', 's', '-100000000')).toEqual(err('ERR value is out of range'));
  });

  it('SPOP removes exactly what it returns; the last member removes the key', () => {
    const h = harness();
    h.run('SADD', 's', ...Array.from({ length: 1000 }, (_, i) => `m${i}`));
    const popped = items(h.run('SPOP', 's', '400'));
    expect(new Set(popped).size).toBe(400);
    expect(h.run('SCARD', 's')).toEqual(int(600));
    expect(h.run('SMISMEMBER', 's', ...popped.slice(0, 5))).toEqual({ t: 'array', v: [int(0), int(0), int(0), int(0), int(0)] });
    const one = text(h.run('SPOP', 's'));
    expect(h.run('SISMEMBER', 's', one)).toEqual(int(0));
    expect(items(h.run('SPOP', 's', '1000'))).toHaveLength(599);
    expect(h.run('EXISTS', 's')).toEqual(int(0));
  });
});

describe('HSCAN and SSCAN on big aggregates', () => {
  it('a full iteration returns every field once at least, in several calls, and MATCH filters', () => {
    const h = bigHash(3000);
    const seen = new Map<string, string>();
    let cursor = '0';
    let calls = 0;
    do {
      const r = h.run('HSCAN', 'h', cursor, 'COUNT', '100');
      if (r.t !== 'array') throw new Error('not an array');
      cursor = text(r.v[0]);
      const flat = items(r.v[1]);
      for (let i = 0; i < flat.length; i += 2) seen.set(flat[i], flat[i + 1]);
      calls++;
    } while (cursor !== '0');
    expect(seen.size).toBe(3000);
    expect(seen.get('f2999')).toBe('v2999');
    expect(calls).toBeGreaterThan(5);
    const matched = h.run('HSCAN', 'h', '0', 'MATCH', 'f1?', 'COUNT', '100000');
    expect(matched.t === 'array' && items(matched.v[1]).filter((_, i) => i % 2 === 0).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `f1${i}`));
  });

  it('SSCAN of a set that is not an intset iterates with cursors; an intset comes whole', () => {
    const h = harness();
    h.run('SADD', 's', ...Array.from({ length: 1500 }, (_, i) => `m${i}`));
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const r = h.run('SSCAN', 's', cursor);
      if (r.t !== 'array') throw new Error('not an array');
      cursor = text(r.v[0]);
      for (const m of items(r.v[1])) seen.add(m);
    } while (cursor !== '0');
    expect(seen.size).toBe(1500);
    h.run('SADD', 'ints', ...Array.from({ length: 300 }, (_, i) => String(i)));
    const whole = h.run('SSCAN', 'ints', '12345', 'COUNT', '1');
    expect(whole.t === 'array' && [text(whole.v[0]), items(whole.v[1]).length]).toEqual(['0', 300]);
  });
});

describe('changes, memory, commits', () => {
  it('writes record change marks (WATCH); a command that changes nothing records none', () => {
    const h = harness();
    h.run('SADD', 's', 'a');
    h.run('HSET', 'h', 'f', 'v');
    h.touched.changes.length = 0;
    h.run('SADD', 's', 'a');
    h.run('SREM', 's', 'zz');
    h.run('HDEL', 'h', 'zz');
    h.run('HSETNX', 'h', 'f', 'x');
    expect(h.touched.changes).toEqual([]);
    // HSET signals even an unchanged value, as Redis does.
    h.run('HSET', 'h', 'f', 'v');
    h.run('SMOVE', 's', 'd', 'a');
    expect(h.touched.changes).toEqual([keyMark(0, b('h')), keyMark(0, b('s')), keyMark(0, b('d'))]);
  });

  it('a write past the document cap answers OOM and changes nothing', () => {
    const h = harness();
    h.run('HSET', 'h', 'f', 'v');
    h.doc.maxBytes = h.doc.approxBytes + 20;
    expect(h.run('HSET', 'h', 'g', 'x'.repeat(100))).toEqual(err("OOM command not allowed when used memory > 'maxmemory'."));
    expect(h.run('SADD', 's', 'y'.repeat(100))).toEqual(err("OOM command not allowed when used memory > 'maxmemory'."));
    expect([h.run('HLEN', 'h'), h.run('EXISTS', 's')]).toEqual([int(1), int(0)]);
  });

  it('a hash and a set written by commands survive encode and decode', () => {
    const h = bigHash(1000);
    h.run('SADD', 's', 'a', '\xff');
    h.run('HINCRBYFLOAT', 'h', 'float', '1.5');
    const back = Document.decode(Buffer.from(h.doc.encode()));
    const e = back.entry(b('h'));
    expect(e?.type === 'hash' && [e.value.size, e.value.get('f999')?.toString(), e.value.get('float')?.toString()]).toEqual([1001, 'v999', '1.5']);
    const s = back.entry(b('s'));
    expect(s?.type === 'set' && [...s.value.members.keys()].sort()).toEqual(['\xff', 'a'].sort());
  });

  it('Lua sees HGETALL as a flat table and HRANDFIELD WITHVALUES flat on RESP2', () => {
    const h = harness();
    h.run('HSET', 'h', 'f', 'v');
    h.run('SADD', 's', 'm');
    expect(h.run('EVAL', "return redis.call('HGETALL', KEYS[1])", '1', 'h')).toEqual({ t: 'array', v: [bulk('f'), bulk('v')] });
    expect(h.run('EVAL', "return redis.call('HRANDFIELD', KEYS[1], 1, 'WITHVALUES')", '1', 'h')).toEqual({ t: 'array', v: [bulk('f'), bulk('v')] });
    expect(h.run('EVAL', "return redis.call('SMEMBERS', KEYS[1])", '1', 's')).toEqual({ t: 'array', v: [bulk('m')] });
    expect(h.run('EVAL', "return redis.call('HINCRBY', KEYS[1], 'n', 5)", '1', 'h')).toEqual(int(5));
  });
});
