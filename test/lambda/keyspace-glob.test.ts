/**
 * KEYS' glob against Redis's stringmatchlen: a table of cases whose answers
 * come from redis-server 7.0.15's KEYS, and a property that compares random
 * patterns and keys with a live redis-server.
 */
import fc from 'fast-check';
import { globMatch } from '../../lambda/commands/keyspace/glob';
import { RawClient } from '../support/resp-client';
import { startRedisServer, type ReferenceRedis } from '../support/redis-server';
import { harness, names } from './keyspace-harness';
import { b } from './util';

const KEYS = ['hello', 'hallo', 'hxllo', 'hllo', 'heeeello', 'h!llo', 'h^llo', 'a', 'b', 'z', ']', '-', '\\', '[', '^', '!', '*', '?', 'ab', 'a]', 'x*y', 'x?y', 'xay', '', '\xff', '\x80', '\x00', 'a\\'];

// [pattern, the keys redis-server 7.0.15's KEYS returned for it] (latin1).
const CASES: [string, string[]][] = [
  ['h?llo', ['h!llo', 'h^llo', 'hallo', 'hello', 'hxllo']],
  ['h*llo', ['h!llo', 'h^llo', 'hallo', 'heeeello', 'hello', 'hllo', 'hxllo']],
  ['h[ae]llo', ['hallo', 'hello']],
  ['h[^e]llo', ['h!llo', 'h^llo', 'hallo', 'hxllo']],
  ['h[!e]llo', ['h!llo', 'hello']],
  ['h[a-b]llo', ['hallo']],
  ['h[e-a]llo', ['hallo', 'hello']],
  ['*', ['', '\x00', '!', '*', '-', '?', '[', '\\', ']', '^', 'a', 'a\\', 'a]', 'ab', 'b', 'h!llo', 'h^llo', 'hallo', 'heeeello', 'hello', 'hllo', 'hxllo', 'x*y', 'x?y', 'xay', 'z', '\x80', '\xff']],
  ['**', ['\x00', '!', '*', '-', '?', '[', '\\', ']', '^', 'a', 'a\\', 'a]', 'ab', 'b', 'h!llo', 'h^llo', 'hallo', 'heeeello', 'hello', 'hllo', 'hxllo', 'x*y', 'x?y', 'xay', 'z', '\x80', '\xff']],
  ['?', ['\x00', '!', '*', '-', '?', '[', '\\', ']', '^', 'a', 'b', 'z', '\x80', '\xff']],
  ['??', ['a\\', 'a]', 'ab']],
  ['[', []],
  ['[a', ['a']],
  ['[ab', ['a', 'b']],
  ['[a-', ['-', 'a']],
  ['[a-]', [']', '^', 'a']],
  ['[]', []],
  ['[]]', []],
  ['[\\]', [']']],
  ['[\\]]', [']']],
  ['[\\\\]', ['\\']],
  ['\\', ['\\']],
  ['\\[', ['[']],
  ['a\\', ['a\\']],
  ['x\\*y', ['x*y']],
  ['x\\?y', ['x?y']],
  ['x*y', ['x*y', 'x?y', 'xay']],
  ['[^]', ['\x00', '!', '*', '-', '?', '[', '\\', ']', '^', 'a', 'b', 'z', '\x80', '\xff']],
  ['[^', ['\x00', '!', '*', '-', '?', '[', '\\', ']', '^', 'a', 'b', 'z', '\x80', '\xff']],
  ['[-]', ['-']],
  ['[a-b-c]', ['-', 'a', 'b']],
  ['[!]', ['!']],
  ['[^a]', ['\x00', '!', '*', '-', '?', '[', '\\', ']', '^', 'b', 'z', '\x80', '\xff']],
  ['*[', []],
  ['[a-\xff]', ['\x00', '!', '*', '-', '?', '[', '\\', ']', '^', 'a', '\xff']],
  ['[\xff-a]', ['\x00', '!', '*', '-', '?', '[', '\\', ']', '^', 'a', '\xff']],
  ['[\x80-\xff]', ['\x80', '\xff']],
  ['[\x00-a]', ['\x00', '!', '*', '-', '?', '[', '\\', ']', '^', 'a']],
  ['\x00', ['\x00']],
  ['[*]', ['*']],
  ['[?]', ['?']],
  ['a*\\', ['a\\']],
  ['a[\\', ['a\\']],
];

describe('the glob, case by case (answers from redis-server 7.0.15)', () => {
  const h = harness();
  for (const k of KEYS) h.run('SET', b(k), 'v');

  it.each(CASES)('KEYS %j', (pattern, expected) => {
    expect(names(h.run('KEYS', b(pattern)))).toEqual([...expected].sort());
  });
});

describe('deep patterns', () => {
  const key = b('a'.repeat(1100));
  const stars = (unit: string, n: number) => b(unit.repeat(n));

  // Redis gives up past 1000 nested '*' (CVE-2024-31228): '*a' × 1000 matches, × 1001 does not.
  it.each([
    ['*a', 1000, true],
    ['*a', 1001, false],
    ['a*', 1001, true],
    ['a*', 1002, false],
  ])('%j × %d → %p, as redis-server', (unit, n, expected) => {
    expect(globMatch(stars(unit, n as number), key)).toBe(expected);
  });

  it('a pattern that cannot match fails fast instead of backtracking exponentially', () => {
    const started = process.hrtime.bigint();
    expect(globMatch(b(`${'a*'.repeat(30)}b`), b('a'.repeat(5000)))).toBe(false);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1000);
  });
});

describe('against a live redis-server', () => {
  let redis: ReferenceRedis;
  let client: RawClient;
  beforeAll(async () => {
    redis = await startRedisServer();
    client = await RawClient.connect(redis.port);
  });
  afterAll(async () => {
    client?.close();
    await redis?.stop();
  });

  // Bytes that mean something to the glob, and the bytes where signed and unsigned chars differ.
  const PATTERN_BYTES = [...b('ab*?[]^-\\!zA'), 0x00, 0x80, 0xff];
  const KEY_BYTES = [...b('ab]-\\^z![*'), 0x00, 0x80, 0xff];
  const word = (alphabet: number[], maxLength: number) =>
    fc.array(fc.constantFrom(...alphabet), { maxLength }).map((a) => Buffer.from(a));

  it('KEYS selects exactly what redis-server selects (property)', async () => {
    await fc.assert(
      fc.asyncProperty(word(PATTERN_BYTES, 12), fc.uniqueArray(word(KEY_BYTES, 5), { maxLength: 12, selector: (k) => k.toString('latin1') }), async (pattern, keys) => {
        await client.call('FLUSHALL');
        const h = harness();
        for (const k of keys) {
          await client.call('SET', k, 'v');
          h.run('SET', k, 'v');
        }
        const theirs = await client.call('KEYS', pattern);
        const expected = theirs.t === 'array' ? theirs.v.map((r) => (r.t === 'bulk' ? r.v.toString('latin1') : '?')).sort() : [];
        expect(names(h.run('KEYS', pattern))).toEqual(expected);
      }),
      { numRuns: 1500 },
    );
  });
});
