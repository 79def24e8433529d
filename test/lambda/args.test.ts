/** The argument cursor: Redis's parsing rules and error texts, in one place for every command. */
import fc from 'fast-check';
import { Args, parseFloat64, parseInteger } from '../../lambda/commands/args';
import { CommandError } from '../../lambda/errors';

const args = (...words: string[]) => new Args(['CMD', ...words].map((w) => Buffer.from(w)));
const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof CommandError) return e.reply;
    throw e;
  }
  return 'no error';
};

describe('integers, as string2ll', () => {
  it.each([
    ['0', 0n],
    ['-1', -1n],
    ['42', 42n],
    ['9223372036854775807', 2n ** 63n - 1n],
    ['-9223372036854775808', -(2n ** 63n)],
  ])('%s parses', (s, n) => expect(parseInteger(Buffer.from(s))).toBe(n));

  it.each(['', ' 1', '1 ', '+1', '01', '-0', '--1', '1.0', '1e2', '0x1', '9223372036854775808', '-9223372036854775809', '1'.repeat(21)])('%j does not', (s) => {
    expect(parseInteger(Buffer.from(s))).toBeNull();
    expect(errorOf(() => args(s).integer())).toBe('ERR value is not an integer or out of range');
  });

  it('every 64-bit integer round-trips through its decimal text (property)', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => parseInteger(Buffer.from(n.toString())) === n));
  });

  it('int() refuses integers a JavaScript number cannot hold exactly', () => {
    expect(args('9007199254740991').int()).toBe(Number.MAX_SAFE_INTEGER);
    expect(errorOf(() => args('9007199254740992').int())).toBe('ERR value is not an integer or out of range');
  });
});

describe('floats', () => {
  it.each([
    ['1.5', 1.5],
    ['-0.25', -0.25],
    ['5.0e3', 5000],
    ['.5', 0.5],
    ['3', 3],
    ['inf', Infinity],
    ['-Infinity', -Infinity],
  ])('%s parses', (s, n) => expect(parseFloat64(Buffer.from(s))).toBe(n));

  it.each(['', 'nan', 'abc', ' 1', '1 ', '1.5.5', 'e3'])('%j is not a valid float', (s) => {
    expect(errorOf(() => args(s).float())).toBe('ERR value is not a valid float');
  });
});

describe('the cursor', () => {
  it('takes words in order; running out or leaving extra words is a syntax error', () => {
    const a = args('k', 'v', 'EX', '10');
    expect(a.key().toString()).toBe('k');
    expect(a.next().toString()).toBe('v');
    expect(a.option('px', 'ex')).toBe('ex');
    expect(a.int()).toBe(10);
    expect(a.left).toBe(0);
    expect(() => a.end()).not.toThrow();
    expect(errorOf(() => a.next())).toBe('ERR syntax error');
    expect(errorOf(() => args('x').end())).toBe('ERR syntax error');
  });

  it('option() is case-insensitive and leaves a word that is not an option', () => {
    const a = args('Nx', 'value');
    expect(a.option('xx')).toBeNull();
    expect(a.option('nx', 'xx')).toBe('nx');
    expect(a.option('nx')).toBeNull();
    expect(a.rest().map(String)).toEqual(['value']);
    expect(a.option('nx')).toBeNull();
  });

  it('word() lower-cases option words', () => {
    expect(args('KEEPTTL').word()).toBe('keepttl');
  });
});
