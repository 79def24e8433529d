/**
 * The typed keyspace accessors (read, update, replace) and the generic
 * commands on every type: TYPE, SCAN TYPE, OBJECT ENCODING, RENAME, COPY,
 * MOVE, DEL, EXISTS, EXPIRE; string commands on an aggregate answer WRONGTYPE.
 */
import { keyMark } from '../../lambda/changes';
import { Keyspace, Touched } from '../../lambda/commands/context';
import { CommandError, WRONG_TYPE } from '../../lambda/errors';
import { HashValue, ListValue, Seq, SetValue, StreamValue, ZSetValue, type AggregateValue } from '../../lambda/document';
import { harness, names, T0 } from './keyspace-harness';
import { b, bulk, err, int, NIL, OK } from './util';

const hashOf = (...pairs: [string, string][]): HashValue => {
  const d = HashValue.EMPTY.draft();
  for (const [f, v] of pairs) d.set(f, b(v));
  return new HashValue(d.done());
};
const zsetOf = (...pairs: [string, number][]): ZSetValue => {
  const d = ZSetValue.EMPTY.draft();
  for (const [m, s] of pairs) d.add(m, s);
  return d.done();
};
const listOf = (...items: string[]) => new ListValue(Seq.from(items.map(b)));
const streamOf = () => new StreamValue(Seq.from([{ id: { ms: 1n, seq: 0n }, fields: [b('f'), b('v')] }]), { ms: 1n, seq: 0n }, 1, { ms: 0n, seq: 0n });

/** One key of each type, written through the accessors. */
function filled() {
  const h = harness();
  const ks = new Keyspace(h.doc, h.touched, 0, h.now);
  const values: [string, AggregateValue][] = [
    ['h', hashOf(['f', 'v'])],
    ['l', listOf('a', 'b')],
    ['s', SetValue.of(['1', '2'])],
    ['z', zsetOf(['m', 1])],
    ['x', streamOf()],
  ];
  for (const [k, v] of values) ks.update(b(k), v);
  h.run('SET', 'str', 'v');
  return { h, ks };
}

describe('Keyspace.read / update / replace', () => {
  it('read() returns the value of the asked type, undefined when absent, WRONGTYPE for another type', () => {
    const { ks } = filled();
    expect(ks.read(b('h'), 'hash')?.get('f')).toEqual(b('v'));
    expect(ks.read(b('str'), 'string')).toEqual(b('v'));
    expect(ks.read(b('nope'), 'set')).toBeUndefined();
    expect(() => ks.read(b('h'), 'set')).toThrow(new CommandError(WRONG_TYPE));
    expect(() => ks.read(b('str'), 'zset')).toThrow(new CommandError(WRONG_TYPE));
  });

  it('update() keeps the TTL of the key it changes; a new aggregate over an expired key does not inherit its TTL', () => {
    const h = harness();
    const ks = new Keyspace(h.doc, h.touched, 0, h.now);
    ks.update(b('k'), SetValue.of(['a']));
    h.run('PEXPIRE', 'k', '1000');
    ks.update(b('k'), SetValue.of(['a', 'b']));
    expect(h.run('PTTL', 'k')).toEqual(int(1000));
    // Expired: absent to the accessors, and what replaces it starts without a TTL.
    const later = new Keyspace(h.doc, new Touched(), 0, T0 + 5000);
    expect(later.read(b('k'), 'set')).toBeUndefined();
    later.update(b('k'), SetValue.of(['c']));
    expect(later.ttl(b('k'))).toBe(-1);
  });

  it('replace() drops the old type and TTL', () => {
    const h = harness();
    h.run('SET', 'k', 'v', 'PX', '1000');
    new Keyspace(h.doc, h.touched, 0, h.now).replace(b('k'), SetValue.of(['a']));
    expect([h.run('TYPE', 'k'), h.run('PTTL', 'k')]).toEqual([{ t: 'simple', v: 'set' }, int(-1)]);
  });

  it('an empty hash, list, set or zset removes the key, recording the change; an empty stream is stored', () => {
    const { h, ks } = filled();
    const touched = new Touched();
    const at = new Keyspace(h.doc, touched, 0, h.now);
    for (const [k, empty] of [['h', HashValue.EMPTY], ['l', ListValue.EMPTY], ['s', SetValue.EMPTY], ['z', ZSetValue.EMPTY]] as const) {
      at.update(b(k), empty);
      expect(h.run('EXISTS', k)).toEqual(int(0));
    }
    expect(touched.changes).toEqual(['h', 'l', 's', 'z'].map((k) => keyMark(0, b(k))));
    ks.update(b('x'), StreamValue.EMPTY);
    expect(h.run('TYPE', 'x')).toEqual({ t: 'simple', v: 'stream' });
    // Emptying an absent key writes nothing.
    const none = new Touched();
    new Keyspace(h.doc, none, 0, h.now).update(b('absent'), SetValue.EMPTY);
    expect([none.writes, none.changes]).toEqual([[], []]);
  });

  it('update() records the write and the change mark, as set() does', () => {
    const h = harness();
    const touched = new Touched();
    new Keyspace(h.doc, touched, 3, h.now).update(b('k'), zsetOf(['a', 1]));
    expect(touched.writes).toEqual([b('k')]);
    expect(touched.changes).toEqual([keyMark(3, b('k'))]);
  });
});

describe('generic commands on every type', () => {
  it('TYPE names each type', () => {
    const { h } = filled();
    expect(['h', 'l', 's', 'z', 'x', 'str', 'none'].map((k) => h.run('TYPE', k))).toEqual(['hash', 'list', 'set', 'zset', 'stream', 'string', 'none'].map((v) => ({ t: 'simple', v })));
  });

  it('SCAN … TYPE filters by each type', () => {
    const { h } = filled();
    for (const [type, key] of [['hash', 'h'], ['list', 'l'], ['set', 's'], ['zset', 'z'], ['stream', 'x'], ['string', 'str']]) {
      const reply = h.run('SCAN', '0', 'TYPE', type, 'COUNT', '100');
      expect(reply.t === 'array' && names(reply.v[1])).toEqual([key]);
    }
  });

  it('string commands on an aggregate answer WRONGTYPE and change nothing', () => {
    const { h } = filled();
    for (const cmd of [['GET', 'h'], ['APPEND', 'h', 'x'], ['INCR', 's'], ['INCRBYFLOAT', 'z', '1'], ['STRLEN', 'l'], ['GETRANGE', 'x', '0', '1'], ['SETRANGE', 'h', '0', 'x'], ['GETDEL', 'h'], ['GETEX', 'h'], ['GETSET', 'h', 'v'], ['SET', 'h', 'v', 'GET'], ['DECRBY', 'l', '2']]) {
      expect([cmd, h.run(...cmd)]).toEqual([cmd, err(WRONG_TYPE)]);
    }
    expect(h.run('MGET', 'h', 'str')).toEqual({ t: 'array', v: [NIL, bulk('v')] });
    expect(h.run('TYPE', 'h')).toEqual({ t: 'simple', v: 'hash' });
    // SET replaces any type, as in Redis.
    expect(h.run('SET', 'h', 'now a string')).toEqual(OK);
    expect(h.run('GET', 'h')).toEqual(bulk('now a string'));
  });

  it('RENAME, COPY and MOVE carry the whole aggregate and its TTL; DEL, EXISTS and EXPIRE work on it', () => {
    const { h } = filled();
    h.run('PEXPIRE', 'h', '5000');
    expect(h.run('RENAME', 'h', 'h2')).toEqual(OK);
    expect([h.run('TYPE', 'h2'), h.run('PTTL', 'h2'), h.run('EXISTS', 'h')]).toEqual([{ t: 'simple', v: 'hash' }, int(5000), int(0)]);
    expect(h.run('COPY', 'z', 'z2')).toEqual(int(1));
    expect(h.run('MOVE', 's', '2')).toEqual(int(1));
    expect(h.runIn(2, 'TYPE', 's')).toEqual({ t: 'simple', v: 'set' });
    expect(h.run('EXISTS', 'z', 'z2', 'l', 'x', 's')).toEqual(int(4));
    expect(h.run('DEL', 'z2', 'l', 'x')).toEqual(int(3));
    expect(h.run('PERSIST', 'h2')).toEqual(int(1));
    expect(h.run('TTL', 'h2')).toEqual(int(-1));
    const z = h.doc.entry(b('z'));
    expect(z?.type === 'zset' && z.value.score('m')).toBe(1);
  });

  it('OBJECT ENCODING answers as redis-server 7.0.15 does for the same contents', () => {
    const h = harness();
    const ks = new Keyspace(h.doc, h.touched, 0, h.now);
    const long = 'x'.repeat(65);
    ks.update(b('h-small'), hashOf(['f', 'v']));
    ks.update(b('h-long'), hashOf(['f', long]));
    ks.update(b('h-many'), hashOf(...Array.from({ length: 513 }, (_, i): [string, string] => [`f${i}`, 'v'])));
    ks.update(b('l'), listOf('a'));
    ks.update(b('s-int'), SetValue.of(['1', '-20', '300']));
    ks.update(b('s-text'), SetValue.of(['1', 'a']));
    ks.update(b('s-zero'), SetValue.of(['01']));
    ks.update(b('s-many'), SetValue.of(Array.from({ length: 513 }, (_, i) => String(i))));
    ks.update(b('z-small'), zsetOf(['a', 1]));
    ks.update(b('z-long'), zsetOf([long, 1]));
    ks.update(b('z-many'), zsetOf(...Array.from({ length: 129 }, (_, i): [string, number] => [`m${i}`, i])));
    ks.update(b('x'), streamOf());
    const enc = (k: string) => h.run('OBJECT', 'ENCODING', k);
    expect(['h-small', 'h-long', 'h-many'].map(enc)).toEqual(['listpack', 'hashtable', 'hashtable'].map(bulk));
    expect(['l', 's-int', 's-text', 's-zero', 's-many'].map(enc)).toEqual(['quicklist', 'intset', 'hashtable', 'hashtable', 'hashtable'].map(bulk));
    expect(['z-small', 'z-long', 'z-many', 'x'].map(enc)).toEqual(['listpack', 'skiplist', 'skiplist', 'stream'].map(bulk));
    expect(h.run('OBJECT', 'REFCOUNT', 's-int')).toEqual(int(1));
  });

  it('INFO keyspace counts keys of every type', () => {
    const { h } = filled();
    expect(h.doc.keyspaceStats(h.now)).toEqual([{ db: 0, keys: 6, expires: 0, avgTtl: 0 }]);
  });
});
