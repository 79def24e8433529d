/**
 * INCRBY, DECR, DECRBY and INCRBYFLOAT: results, overflow and parse errors as
 * redis-server 7.0.15 gives them; INCRBYFLOAT's long double arithmetic and
 * printing (every expected reply below was read from redis-server on x86-64).
 */
import { Document } from '../../lambda/document';
import { add, formatHuman, parseLongDouble, type Finite } from '../../lambda/commands/strings/longdouble';
import { b, bulk, err, int, NIL, docWith, runAt } from './util';

const NOW = 1_000_000;
const at = runAt;
const run = (doc: Document, ...words: (string | Buffer)[]) => at(doc, NOW, ...words);
const NOT_INT = err('ERR value is not an integer or out of range');
const OVERFLOW = err('ERR increment or decrement would overflow');
const NOT_FLOAT = err('ERR value is not a valid float');
const NAN_INF = err('ERR increment would produce NaN or Infinity');


describe('INCRBY, DECR, DECRBY', () => {
  it('add to the stored integer (absent: 0) and store the decimal text', () => {
    const doc = docWith();
    expect(run(doc, 'INCRBY', 'n', '10')).toEqual(int(10));
    expect(run(doc, 'INCRBY', 'n', '-15')).toEqual(int(-5));
    expect(run(doc, 'DECR', 'n')).toEqual(int(-6));
    expect(run(doc, 'DECRBY', 'n', '-10')).toEqual(int(4));
    expect(run(doc, 'DECRBY', 'n', '4')).toEqual(int(0));
    expect(doc.get(b('n'))?.toString()).toBe('0');
  });

  it('64-bit limits: overflow is an error; DECRBY of LLONG_MIN has its own text (Redis 7.0)', () => {
    const doc = docWith({ max: '9223372036854775807', min: '-9223372036854775808', n: '5' });
    expect(run(doc, 'INCRBY', 'max', '1')).toEqual(OVERFLOW);
    expect(run(doc, 'INCRBY', 'n', '9223372036854775807')).toEqual(OVERFLOW);
    expect(run(doc, 'DECR', 'min')).toEqual(OVERFLOW);
    expect(run(doc, 'DECRBY', 'n', '-9223372036854775808')).toEqual(err('ERR decrement would overflow'));
    expect(run(doc, 'DECRBY', 'missing', '-9223372036854775808')).toEqual(err('ERR decrement would overflow'));
    expect(run(doc, 'DECRBY', 'max', '-1')).toEqual(OVERFLOW);
    expect(run(doc, 'INCRBY', 'min', '-9223372036854775808')).toEqual(OVERFLOW);
    expect(run(doc, 'DECRBY', 'max', '9223372036854775807')).toEqual(int(0));
    expect(run(doc, 'INCRBY', 'n', '9223372036854775802')).toEqual({ t: 'int', v: '9223372036854775807' });
    expect(doc.get(b('min'))?.toString()).toBe('-9223372036854775808');
  });

  it('a bad increment or stored value is "not an integer"; the increment is checked first', () => {
    const doc = docWith({ s: 'abc', n: '1' });
    for (const bad of ['abc', '1.5', '', ' 1', '+1', '01', '9223372036854775808']) {
      expect(run(doc, 'INCRBY', 'n', bad)).toEqual(NOT_INT);
      expect(run(doc, 'DECRBY', 'n', bad)).toEqual(NOT_INT);
    }
    expect(run(doc, 'INCRBY', 's', '1')).toEqual(NOT_INT);
    expect(run(doc, 'DECR', 's')).toEqual(NOT_INT);
    expect(doc.get(b('n'))?.toString()).toBe('1');
  });

  it('keep the TTL; an expired counter starts from 0 without one', () => {
    const doc = docWith();
    run(doc, 'SET', 'n', '10', 'PX', '100');
    expect(run(doc, 'DECRBY', 'n', '3')).toEqual(int(7));
    expect(doc.entry(b('n'))?.expiresAt).toBe(NOW + 100);
    expect(at(doc, NOW + 100, 'INCRBY', 'n', '1')).toEqual(int(8));
    expect(at(doc, NOW + 101, 'DECR', 'n')).toEqual(int(-1));
    expect(doc.entry(b('n'))?.expiresAt).toBeUndefined();
  });

  it.each([['INCRBY', 'n'], ['DECR'], ['DECRBY', 'n', '1', '2']].map((w) => [w]))('%p: wrong number of arguments', (words) => {
    expect(run(docWith(), ...words)).toEqual(err(`ERR wrong number of arguments for '${words[0].toLowerCase()}' command`));
  });
});

describe('INCRBYFLOAT', () => {
  /** [stored value or null, increment, redis-server's reply]. */
  const cases: [string | null, string, string][] = [
    [null, '5.0e3', '5000'],
    ['10.5', '0.1', '10.6'],
    ['0.1', '0.2', '0.3'],
    [null, '1e-20', '0'],
    [null, '0x10', '16'],
    [null, '0x1.8p1', '3'],
    [null, '1.', '1'],
    [null, '.5', '0.5'],
    [null, '+.5', '0.5'],
    [null, '-0.0', '0'],
    [null, '-1e-30', '0'],
    [null, '1e-4940', '0'],
    [null, '9007199254740993', '9007199254740993'],
    [null, '3.4028236692093846346e38', '340282366920938463463374607431768211456'],
    [null, '1.23456789012345678901234', '1.23456789012345679'],
    [null, '123456789012345678901234567890', '123456789012345678899921813504'],
    [null, '1e20', '100000000000000000000'],
    ['3', '-3.5', '-0.5'],
    // A tie at the 17th decimal rounds to even, as glibc's printf does.
    [null, '0.000003814697265625', '0.00000381469726562'],
    [null, '1.5e-17', '0.00000000000000002'],
    [null, '2.5e-17', '0.00000000000000002'],
  ];

  it.each(cases)('%p + %s → %s', (stored, increment, expected) => {
    const doc = docWith(stored === null ? {} : { k: stored });
    expect(run(doc, 'INCRBYFLOAT', 'k', increment)).toEqual(bulk(expected));
    expect(doc.get(b('k'))?.toString()).toBe(expected);
  });

  it('values beyond a double: 1e400 is a long double, printed in full', () => {
    const doc = docWith();
    const reply = run(doc, 'INCRBYFLOAT', 'k', '1e400');
    const text = doc.get(b('k'))!.toString();
    expect(reply).toEqual(bulk(text));
    expect(text).toBe('10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880');
    expect(run(doc, 'INCRBYFLOAT', 'x', '1.18e4932')).toEqual(bulk(doc.get(b('x'))!));
    expect(run(doc, 'INCRBYFLOAT', 'x', '1.18e4932')).toEqual(NAN_INF);
  });

  it.each(['nan', ' 1', '1 ', '1e5000', '1e-5000', '1e-4960', '0x', '1e', '', 'abc', '1,5', '0x1p', '.', '+'])('%j is not a valid float', (bad) => {
    const doc = docWith({ k: '1' });
    expect(run(doc, 'INCRBYFLOAT', 'k', bad)).toEqual(NOT_FLOAT);
    expect(run(doc, 'INCRBYFLOAT', 'n', bad)).toEqual(NOT_FLOAT);
    expect(doc.has(b('n'))).toBe(false);
  });

  it('infinity (or a stored inf) would produce NaN or Infinity; a bad stored value is not a valid float', () => {
    const doc = docWith({ inf: 'inf', s: 'abc', z: ' 1' });
    expect(run(doc, 'INCRBYFLOAT', 'k', 'inf')).toEqual(NAN_INF);
    expect(run(doc, 'INCRBYFLOAT', 'k', '-Infinity')).toEqual(NAN_INF);
    expect(run(doc, 'INCRBYFLOAT', 'inf', '1')).toEqual(NAN_INF);
    expect(run(doc, 'INCRBYFLOAT', 's', '1')).toEqual(NOT_FLOAT);
    expect(run(doc, 'INCRBYFLOAT', 'z', '1')).toEqual(NOT_FLOAT);
    expect(doc.has(b('k'))).toBe(false);
  });

  it('keeps the TTL', () => {
    const doc = docWith();
    run(doc, 'SET', 'k', '1.5', 'PX', '100');
    expect(run(doc, 'INCRBYFLOAT', 'k', '1')).toEqual(bulk('2.5'));
    expect(doc.entry(b('k'))?.expiresAt).toBe(NOW + 100);
    expect(at(doc, NOW + 101, 'GET', 'k')).toEqual(NIL);
  });

  it('a chain of 0.1s stays exact in the printed text, as in Redis', () => {
    const doc = docWith();
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) seen.push(Buffer.from((run(doc, 'INCRBYFLOAT', 'k', '0.1') as { v: string }).v, 'base64').toString());
    expect(seen).toEqual(['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9', '1']);
  });
});

describe('long double emulation', () => {
  const ld = (s: string) => parseLongDouble(b(s)) as Finite;

  it('parses to the nearest 64-bit-mantissa value', () => {
    expect(ld('1')).toEqual({ neg: false, m: 1n << 63n, e: -63 });
    expect(ld('-2')).toEqual({ neg: true, m: 1n << 63n, e: -62 });
    expect(ld('0')).toEqual({ neg: false, m: 0n, e: 0 });
    // 2^64 + 1 needs 65 bits: it rounds to 2^64 (ties to even).
    expect(ld('18446744073709551617')).toEqual({ neg: false, m: 1n << 63n, e: 1 });
    expect(ld('0x1p-16445')).toEqual({ neg: false, m: 1n, e: -16445 });
    expect(parseLongDouble(b('0x1p-16447'))).toBeNull();
  });

  it('adds with one rounding and prints with %.17Lf, trimmed', () => {
    expect(formatHuman(add(ld('0.1'), ld('0.2')) as Finite)).toBe('0.3');
    expect(formatHuman(add(ld('1'), ld('-1')) as Finite)).toBe('0');
    expect(formatHuman(ld('-0.00000000000000001'))).toBe('-0.00000000000000001');
    expect(formatHuman(ld('-0.000000000000000001'))).toBe('0');
    expect(add(ld('1.18e4932'), ld('1.18e4932'))).toEqual({ inf: true, neg: false });
  });
});
