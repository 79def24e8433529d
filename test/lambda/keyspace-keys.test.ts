/**
 * Keys as a whole: EXISTS, TYPE, TOUCH, UNLINK, RENAME, RENAMENX, COPY, MOVE,
 * KEYS, RANDOMKEY. Replies and error texts as redis-server 7.0.15 gives them.
 */
import { Document } from '../../lambda/document';
import { Keyspace, Touched } from '../../lambda/commands/context';
import { harness, names, T0 } from './keyspace-harness';
import { b, bulk, err, int, NIL, OK } from './util';

const SAME = 'ERR source and destination objects are the same';
const OUT_OF_RANGE = 'ERR DB index is out of range';
const NOT_INTEGER = 'ERR value is not an integer or out of range';
const INT_RANGE = 'ERR value is out of range, value must between -2147483648 and 2147483647';

function withKeys(...pairs: [string | Buffer, string][]) {
  const h = harness();
  for (const [k, v] of pairs) h.run('SET', k, v);
  return h;
}

describe('EXISTS, TOUCH, TYPE, UNLINK', () => {
  it('EXISTS and TOUCH count every name that exists, repeats included', () => {
    const h = withKeys(['a', '1'], ['b', '2']);
    expect(h.run('EXISTS', 'a', 'a', 'missing', 'b')).toEqual(int(3));
    expect(h.run('TOUCH', 'a', 'missing', 'a')).toEqual(int(2));
    expect(h.run('EXISTS', 'missing')).toEqual(int(0));
    expect(h.doc.mark()).toBe(0);
  });

  it('TYPE: string or none, as a status reply', () => {
    const h = withKeys(['a', '1']);
    expect(h.run('TYPE', 'a')).toEqual({ t: 'simple', v: 'string' });
    expect(h.run('TYPE', 'missing')).toEqual({ t: 'simple', v: 'none' });
  });

  it('UNLINK is DEL: a key named twice counts once', () => {
    const h = withKeys(['a', '1'], ['b', '2']);
    expect(h.run('UNLINK', 'a', 'missing', 'a')).toEqual(int(1));
    expect(h.run('EXISTS', 'a', 'b')).toEqual(int(1));
  });

  it('an expired key does not exist for any of them', () => {
    const h = withKeys(['a', '1']);
    h.run('PEXPIRE', 'a', '5');
    h.now = T0 + 6;
    expect(h.run('EXISTS', 'a')).toEqual(int(0));
    expect(h.run('TOUCH', 'a')).toEqual(int(0));
    expect(h.run('TYPE', 'a')).toEqual({ t: 'simple', v: 'none' });
    expect(h.run('UNLINK', 'a')).toEqual(int(0));
  });

  it('binary keys', () => {
    const key = b([0x00, 0xff, 0x0d, 0x0a]);
    const h = withKeys([key, 'v']);
    expect(h.run('EXISTS', key, b([0x00]))).toEqual(int(1));
    expect(h.run('UNLINK', key)).toEqual(int(1));
  });
});

describe('RENAME and RENAMENX', () => {
  it('moves value and TTL; the destination is overwritten', () => {
    const h = withKeys(['a', '1'], ['b', '2']);
    h.run('PEXPIRE', 'a', '5000');
    expect(h.run('RENAME', 'a', 'b')).toEqual(OK);
    expect(h.run('GET', 'b')).toEqual(bulk('1'));
    expect(h.run('PTTL', 'b')).toEqual(int(5000));
    expect(h.run('EXISTS', 'a')).toEqual(int(0));
  });

  it('a destination without TTL gets none; a TTL on the destination is replaced', () => {
    const h = withKeys(['a', '1'], ['b', '2']);
    h.run('EXPIRE', 'b', '100');
    h.run('RENAME', 'a', 'b');
    expect(h.run('TTL', 'b')).toEqual(int(-1));
  });

  it("an absent source is 'no such key', even when it is also the destination", () => {
    const h = harness();
    for (const cmd of ['RENAME', 'RENAMENX']) {
      expect(h.run(cmd, 'missing', 'x')).toEqual(err('ERR no such key'));
      expect(h.run(cmd, 'missing', 'missing')).toEqual(err('ERR no such key'));
    }
  });

  it('onto itself: OK (RENAME), 0 (RENAMENX), nothing changes', () => {
    const h = withKeys(['a', '1']);
    h.run('EXPIRE', 'a', '10');
    expect(h.run('RENAME', 'a', 'a')).toEqual(OK);
    expect(h.run('RENAMENX', 'a', 'a')).toEqual(int(0));
    expect(h.run('TTL', 'a')).toEqual(int(10));
  });

  it('RENAMENX: 0 when the destination exists, 1 otherwise', () => {
    const h = withKeys(['a', '1'], ['b', '2']);
    expect(h.run('RENAMENX', 'a', 'b')).toEqual(int(0));
    expect(h.run('GET', 'b')).toEqual(bulk('2'));
    expect(h.run('RENAMENX', 'a', 'c')).toEqual(int(1));
    expect(h.run('GET', 'c')).toEqual(bulk('1'));
    expect(h.run('EXISTS', 'a')).toEqual(int(0));
  });

  it('an expired destination counts as absent; an expired source as missing', () => {
    const h = withKeys(['a', '1'], ['b', '2']);
    h.run('PEXPIRE', 'b', '1');
    h.now = T0 + 2;
    expect(h.run('RENAMENX', 'a', 'b')).toEqual(int(1));
    h.run('PEXPIRE', 'b', '1');
    h.now = T0 + 4;
    expect(h.run('RENAME', 'b', 'c')).toEqual(err('ERR no such key'));
  });

  it('binary names', () => {
    const [k1, k2] = [b([0xff, 0x00]), b([0x00, 0xff])];
    const h = withKeys([k1, 'v']);
    expect(h.run('RENAME', k1, k2)).toEqual(OK);
    expect(h.run('GET', k2)).toEqual(bulk('v'));
  });
});

describe('COPY', () => {
  it('copies value and TTL; 0 when the destination exists unless REPLACE', () => {
    const h = withKeys(['a', '1'], ['b', '2']);
    h.run('PEXPIRE', 'a', '7000');
    expect(h.run('COPY', 'a', 'c')).toEqual(int(1));
    expect(h.run('PTTL', 'c')).toEqual(int(7000));
    expect(h.run('GET', 'a')).toEqual(bulk('1'));
    expect(h.run('COPY', 'a', 'b')).toEqual(int(0));
    expect(h.run('GET', 'b')).toEqual(bulk('2'));
    expect(h.run('COPY', 'a', 'b', 'REPLACE')).toEqual(int(1));
    expect(h.run('GET', 'b')).toEqual(bulk('1'));
    expect(h.run('COPY', 'missing', 'b', 'replace')).toEqual(int(0));
    expect(h.run('GET', 'b')).toEqual(bulk('1'));
  });

  it.each([
    [['a', 'a'], SAME],
    [['missing', 'missing'], SAME],
    [['a', 'a', 'DB', '0'], SAME],
    [['a', 'c', 'db', '16'], OUT_OF_RANGE],
    [['a', 'c', 'db', '-1'], OUT_OF_RANGE],
    [['missing', 'c', 'db', '16'], OUT_OF_RANGE],
    [['a', 'c', 'db', '99999999999'], INT_RANGE],
    [['a', 'c', 'db', 'x'], NOT_INTEGER],
    [['a', 'c', 'db'], 'ERR syntax error'],
    [['a', 'c', 'foo'], 'ERR syntax error'],
    [['a', 'c', 'replace', 'foo'], 'ERR syntax error'],
    [['a', 'c', 'foo', 'db', '99'], 'ERR syntax error'],
    [['a', 'c', 'db', '99', 'foo'], OUT_OF_RANGE],
  ])('COPY %p → %s', (words, error) => {
    const h = withKeys(['a', '1']);
    expect(h.run('COPY', ...words)).toEqual(err(error));
    expect(h.doc.size).toBe(1);
  });

  it('REPLACE may repeat; DB naming the current database is the current database', () => {
    const h = withKeys(['a', '1']);
    expect(h.run('COPY', 'a', 'c', 'replace', 'REPLACE', 'db', '0')).toEqual(int(1));
    expect(h.run('GET', 'c')).toEqual(bulk('1'));
  });
});

describe('MOVE', () => {
  it.each([
    [['a', '0'], SAME],
    [['missing', '0'], SAME],
    [['a', '16'], OUT_OF_RANGE],
    [['a', '-1'], OUT_OF_RANGE],
    [['a', 'x'], NOT_INTEGER],
    [['a', '01'], NOT_INTEGER],
    [['a', '99999999999'], INT_RANGE],
  ])('MOVE %p → %s', (words, error) => {
    const h = withKeys(['a', '1']);
    expect(h.run('MOVE', ...words)).toEqual(err(error));
    expect(h.run('GET', 'a')).toEqual(bulk('1'));
  });

  it('an absent key: 0', () => {
    expect(harness().run('MOVE', 'missing', '1')).toEqual(int(0));
  });
});

describe('KEYS and RANDOMKEY', () => {
  it('KEYS returns the live keys that match, binary ones included', () => {
    const bin = b([0x68, 0xff, 0x00]);
    const h = withKeys(['hello', '1'], ['hallo', '2'], ['world', '3'], [bin, '4'], ['', '5']);
    h.run('PEXPIRE', 'world', '1');
    h.now = T0 + 2;
    expect(names(h.run('KEYS', 'h?llo'))).toEqual(['hallo', 'hello']);
    expect(names(h.run('KEYS', 'h*'))).toEqual(['hallo', 'hello', bin.toString('latin1')].sort());
    // '*' is every key, the empty one too; '**' goes through the matcher, which never matches ''.
    expect(names(h.run('KEYS', '*'))).toHaveLength(4);
    expect(names(h.run('KEYS', '**'))).toHaveLength(3);
    expect(names(h.run('KEYS', 'nomatch'))).toEqual([]);
  });

  it('RANDOMKEY: nil when empty, else a live key; every key can come up', () => {
    const h = harness();
    expect(h.run('RANDOMKEY')).toEqual(NIL);
    for (const k of ['a', 'b', 'c', 'dead']) h.run('SET', k, '1');
    h.run('PEXPIRE', 'dead', '1');
    h.now = T0 + 2;
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(names({ t: 'array', v: [h.run('RANDOMKEY')] })[0]);
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
  });

  it('randomKey picks uniformly by reservoir sampling (with an injected random source)', () => {
    const doc = Document.empty();
    for (const k of ['a', 'b', 'c']) doc.set(b(k), b('1'));
    const ks = new Keyspace(doc, new Touched(), 0, T0);
    const order = [...ks.keys()].map(String);
    // random() < 1/n keeps the n-th key: always 0 keeps the last, always 0.99 keeps the first.
    expect(String(ks.randomKey(() => 0))).toBe(order[2]);
    expect(String(ks.randomKey(() => 0.99))).toBe(order[0]);
  });

  it('wrong arity', () => {
    const h = harness();
    expect(h.run('KEYS')).toEqual(err("ERR wrong number of arguments for 'keys' command"));
    expect(h.run('KEYS', 'a', 'b')).toEqual(err("ERR wrong number of arguments for 'keys' command"));
    expect(h.run('RANDOMKEY', 'x')).toEqual(err("ERR wrong number of arguments for 'randomkey' command"));
  });
});
