/**
 * SET and its options: replies and error texts as redis-server 7.0.15 gives
 * them, and deadlines at an injected batch clock (a key with deadline D is
 * there at D, gone at D+1). SETNX, SETEX, GETEX...: strings-get.test.ts.
 */
import { Document } from '../../lambda/document';
import { b, bulk, err, NIL, OK, docWith, runAt } from './util';

const NOW = 1_000_000;
const at = runAt;
const run = (doc: Document, ...words: (string | Buffer)[]) => at(doc, NOW, ...words);
const deadlineOf = (doc: Document, key: string) => doc.entry(b(key))?.expiresAt;
const SYNTAX = err('ERR syntax error');
const NOT_INT = err('ERR value is not an integer or out of range');
const invalid = (cmd: string) => err(`ERR invalid expire time in '${cmd}' command`);


/** Every ordering of the given words. */
function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

describe('SET options', () => {
  const conditions = [[], ['NX'], ['XX']];
  const gets = [[], ['GET']];
  const expiries = [[], ['EX', '10'], ['PX', '10000'], ['EXAT', '1010'], ['PXAT', '1010000'], ['KEEPTTL']];
  const combos = conditions.flatMap((c) => gets.flatMap((g) => expiries.map((e) => [c, g, e].filter((x) => x.length > 0))));

  it('every valid combination, in any order and any case, parses', () => {
    for (const combo of combos) {
      for (const order of permutations(combo)) {
        const words = order.flat();
        for (const spelled of [words, words.map((w) => w.toLowerCase())]) {
          const reply = run(docWith({ k: 'old' }), 'SET', 'k', 'v', ...spelled);
          expect([OK, NIL, bulk('old')]).toContainEqual(reply);
        }
      }
    }
  });

  it.each([
    ['NX', 'XX'],
    ['XX', 'NX'],
    ['EX', '1', 'PX', '1'],
    ['PX', '1', 'EX', '1'],
    ['EX', '1', 'EXAT', '1'],
    ['PXAT', '1', 'EXAT', '1'],
    ['EX', '1', 'KEEPTTL'],
    ['KEEPTTL', 'PXAT', '1'],
    ['PERSIST'],
    ['EX'],
    ['GET', 'PX'],
    ['foo'],
    ['NX', 'NXX'],
  ].map((o) => [o]))('SET k v %p is a syntax error and writes nothing', (opts) => {
    const doc = docWith({ k: 'old' });
    expect(run(doc, 'SET', 'k', 'v', ...opts)).toEqual(SYNTAX);
    expect(doc.get(b('k'))?.toString()).toBe('old');
  });

  it('options may repeat; for a repeated expiry the last value counts, and a syntax error beats a bad number', () => {
    const doc = docWith();
    expect(run(doc, 'SET', 'k', 'v', 'NX', 'NX', 'GET', 'GET', 'EX', '1', 'EX', '20')).toEqual(NIL);
    expect(deadlineOf(doc, 'k')).toBe(NOW + 20_000);
    expect(run(doc, 'SET', 'k', 'v', 'EX', 'abc', 'EX', '5')).toEqual(OK);
    expect(deadlineOf(doc, 'k')).toBe(NOW + 5000);
    expect(run(doc, 'SET', 'k', 'v', 'KEEPTTL', 'KEEPTTL')).toEqual(OK);
    expect(deadlineOf(doc, 'k')).toBe(NOW + 5000);
    expect(run(doc, 'SET', 'k', 'v', 'EX', 'abc', 'NX', 'XX')).toEqual(SYNTAX);
  });

  it('NX sets only a missing key, XX only an existing one; nil when skipped', () => {
    const doc = docWith({ k: 'old' });
    expect(run(doc, 'SET', 'k', 'new', 'NX')).toEqual(NIL);
    expect(run(doc, 'SET', 'm', 'new', 'XX')).toEqual(NIL);
    expect(doc.has(b('m'))).toBe(false);
    expect(run(doc, 'SET', 'k', 'new', 'XX')).toEqual(OK);
    expect(run(doc, 'SET', 'm', 'new', 'NX')).toEqual(OK);
    expect(doc.get(b('k'))?.toString()).toBe('new');
    expect(doc.get(b('m'))?.toString()).toBe('new');
  });

  it('GET replies with the old value (nil when missing), also when NX/XX skip the write', () => {
    const doc = docWith({ k: 'old' });
    expect(run(doc, 'SET', 'k', 'v1', 'GET')).toEqual(bulk('old'));
    expect(run(doc, 'SET', 'k', 'v2', 'NX', 'GET')).toEqual(bulk('v1'));
    expect(doc.get(b('k'))?.toString()).toBe('v1');
    expect(run(doc, 'SET', 'n', 'v', 'GET')).toEqual(NIL);
    expect(run(doc, 'SET', 'x', 'v', 'XX', 'GET')).toEqual(NIL);
    expect(doc.has(b('x'))).toBe(false);
  });

  it('keys and values are binary-safe', () => {
    const doc = docWith();
    const key = b([0x00, 0xff, 0x0d, 0x0a]);
    const value = b([0xff, 0x00, 0xfe]);
    expect(run(doc, 'SET', key, value, 'PX', '5', 'GET')).toEqual(NIL);
    expect(run(doc, 'SET', key, b([1]), 'GET')).toEqual(bulk(value));
  });
});

describe('SET expiry', () => {
  it('EX/PX count from the batch clock, EXAT/PXAT are absolute; the deadline is Unix ms', () => {
    const doc = docWith();
    const cases: [string, string, number][] = [
      ['EX', '10', NOW + 10_000],
      ['PX', '1500', NOW + 1500],
      ['EXAT', '2000', 2_000_000],
      ['PXAT', '1500001', 1_500_001],
    ];
    for (const [opt, n, expected] of cases) {
      expect(run(doc, 'SET', 'k', 'v', opt.toLowerCase(), n)).toEqual(OK);
      expect(deadlineOf(doc, 'k')).toBe(expected);
    }
  });

  it('a key with deadline D is there at D and gone at D+1', () => {
    const doc = docWith();
    expect(run(doc, 'SET', 'k', 'v', 'PX', '100')).toEqual(OK);
    expect(at(doc, NOW + 100, 'GET', 'k')).toEqual(bulk('v'));
    expect(at(doc, NOW + 101, 'GET', 'k')).toEqual(NIL);
    // An expired key is absent to NX/XX and GET.
    expect(at(doc, NOW + 101, 'SET', 'k', 'w', 'XX', 'GET')).toEqual(NIL);
    expect(at(doc, NOW + 101, 'SET', 'k', 'w', 'NX', 'GET')).toEqual(NIL);
    expect(at(doc, NOW + 101, 'GET', 'k')).toEqual(bulk('w'));
  });

  it('an absolute deadline in the past: OK (or the old value), and the key is gone', () => {
    const doc = docWith({ k: 'old' });
    expect(run(doc, 'SET', 'k', 'v', 'PXAT', String(NOW - 1), 'GET')).toEqual(bulk('old'));
    expect(doc.has(b('k'))).toBe(false);
    expect(run(doc, 'SET', 'k', 'v', 'EXAT', '1')).toEqual(OK);
    expect(doc.has(b('k'))).toBe(false);
    // The deadline itself is not past: at D the key is still there.
    expect(run(doc, 'SET', 'k', 'v', 'PXAT', String(NOW))).toEqual(OK);
    expect(run(doc, 'GET', 'k')).toEqual(bulk('v'));
    expect(at(doc, NOW + 1, 'GET', 'k')).toEqual(NIL);
  });

  it('a new value drops the TTL; KEEPTTL keeps it; an expiry option replaces it', () => {
    const doc = docWith();
    run(doc, 'SET', 'k', 'v', 'EX', '100');
    expect(run(doc, 'SET', 'k', 'v2', 'KEEPTTL')).toEqual(OK);
    expect(deadlineOf(doc, 'k')).toBe(NOW + 100_000);
    expect(run(doc, 'SET', 'k', 'v3', 'PX', '5')).toEqual(OK);
    expect(deadlineOf(doc, 'k')).toBe(NOW + 5);
    expect(run(doc, 'SET', 'k', 'v4')).toEqual(OK);
    expect(deadlineOf(doc, 'k')).toBeUndefined();
    expect(run(doc, 'SET', 'n', 'v', 'KEEPTTL')).toEqual(OK);
    expect(deadlineOf(doc, 'n')).toBeUndefined();
  });

  it.each([
    [['EX', '0'], invalid('set')],
    [['PX', '0'], invalid('set')],
    [['EXAT', '0'], invalid('set')],
    [['EX', '-1'], invalid('set')],
    [['PXAT', '-5'], invalid('set')],
    // Seconds that overflow once multiplied by 1000, or once the clock is added.
    [['EX', '9223372036854776'], invalid('set')],
    [['EX', '9223372036854775'], invalid('set')],
    [['PX', '9223372036854775807'], invalid('set')],
    [['EXAT', '9223372036854776'], invalid('set')],
    [['EX', '1.5'], NOT_INT],
    [['EX', 'abc'], NOT_INT],
    [['PX', ''], NOT_INT],
    [['EX', '9223372036854775808'], NOT_INT],
    [['EX', ' 1'], NOT_INT],
  ])('SET k v %p → %p, and nothing changes', (opts, reply) => {
    const doc = docWith({ k: 'old' });
    expect(run(doc, 'SET', 'k', 'v', ...opts)).toEqual(reply);
    // The time is checked before NX/XX and GET: even a skipped write reports it.
    expect(run(doc, 'SET', 'k', 'v', 'NX', 'GET', ...opts)).toEqual(reply);
    expect(doc.get(b('k'))?.toString()).toBe('old');
  });

  it('the largest absolute times are accepted; deadlines past 2^53 ms are kept as 2^53 - 1', () => {
    const doc = docWith();
    expect(run(doc, 'SET', 'k', 'v', 'PXAT', '9223372036854775807')).toEqual(OK);
    expect(deadlineOf(doc, 'k')).toBe(Number.MAX_SAFE_INTEGER);
    expect(run(doc, 'SET', 'k', 'v', 'EXAT', '9223372036854775')).toEqual(OK);
    expect(run(doc, 'SET', 'k', 'v', 'PXAT', '9007199254740991')).toEqual(OK);
    expect(deadlineOf(doc, 'k')).toBe(9007199254740991);
    expect(run(doc, 'SET', 'k', 'v', 'EX', '9223372036854')).toEqual(OK);
    expect(deadlineOf(doc, 'k')).toBe(Number.MAX_SAFE_INTEGER);
  });
});
