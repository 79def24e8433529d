/**
 * EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, PERSIST, TTL, PTTL, EXPIRETIME,
 * PEXPIRETIME at an injected batch clock. Replies and error texts as
 * redis-server 7.0.15 gives them.
 */
import { harness, T0 } from './keyspace-harness';
import { b, bulk, err, int, NIL, OK } from './util';

const NX_XX = 'ERR NX and XX, GT or LT options at the same time are not compatible';
const GT_LT = 'ERR GT and LT options at the same time are not compatible';

describe('the expiry boundary (Redis: expired once the clock is past the deadline)', () => {
  it('at its deadline a key is there with PTTL 0; one ms later it is gone', () => {
    const h = harness();
    h.run('SET', 'k', 'v');
    expect(h.run('PEXPIRE', 'k', '100')).toEqual(int(1));
    expect(h.run('PEXPIRETIME', 'k')).toEqual(int(T0 + 100));
    h.now = T0 + 99;
    expect(h.run('PTTL', 'k')).toEqual(int(1));
    h.now = T0 + 100;
    expect(h.run('PTTL', 'k')).toEqual(int(0));
    expect(h.run('TTL', 'k')).toEqual(int(0));
    expect(h.run('GET', 'k')).toEqual(bulk('v'));
    expect(h.run('EXISTS', 'k')).toEqual(int(1));
    h.now = T0 + 101;
    for (const cmd of ['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']) expect(h.run(cmd, 'k')).toEqual(int(-2));
    expect(h.run('GET', 'k')).toEqual(NIL);
    expect(h.run('EXPIRE', 'k', '100')).toEqual(int(0));
    expect(h.run('PERSIST', 'k')).toEqual(int(0));
  });

  it('TTL and EXPIRETIME round to the nearest second, as (ms + 500) / 1000', () => {
    const h = harness();
    h.run('SET', 'k', 'v');
    h.run('PEXPIRE', 'k', '1499');
    expect(h.run('TTL', 'k')).toEqual(int(1));
    h.run('PEXPIRE', 'k', '1500');
    expect(h.run('TTL', 'k')).toEqual(int(2));
    h.run('PEXPIREAT', 'k', '1999999999499');
    expect(h.run('EXPIRETIME', 'k')).toEqual(int(1999999999));
    h.run('PEXPIREAT', 'k', '1999999999500');
    expect(h.run('EXPIRETIME', 'k')).toEqual(int(2000000000));
    expect(h.run('PEXPIRETIME', 'k')).toEqual(int(1999999999500));
  });

  it('-2 for an absent key, -1 for a key without a TTL', () => {
    const h = harness();
    h.run('SET', 'k', 'v');
    for (const cmd of ['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']) {
      expect(h.run(cmd, 'missing')).toEqual(int(-2));
      expect(h.run(cmd, 'k')).toEqual(int(-1));
    }
  });

  it('an expiry only this batch sees (the document clock is behind) makes the batch commit its clock', () => {
    const h = harness();
    h.run('SET', 'k', 'v');
    h.run('PEXPIRE', 'k', '10');
    h.now = T0 + 11;
    expect(h.touched.clockAdvanced).toBe(false);
    expect(h.run('TTL', 'k')).toEqual(int(-2));
    expect(h.touched.clockAdvanced).toBe(true);
  });
});

describe('setting a deadline', () => {
  it.each([
    ['EXPIRE', '10', T0 + 10_000],
    ['PEXPIRE', '10', T0 + 10],
    ['EXPIREAT', String(T0 / 1000 + 10), T0 + 10_000],
    ['PEXPIREAT', String(T0 + 10), T0 + 10],
  ])('%s k %s sets the deadline %d', (cmd, time, deadline) => {
    const h = harness();
    h.run('SET', 'k', 'v');
    expect(h.run(cmd, 'k', time)).toEqual(int(1));
    expect(h.doc.entry(b('k'))?.expiresAt).toBe(deadline);
    expect(h.run('GET', 'k')).toEqual(bulk('v'));
  });

  it.each([
    ['EXPIRE', '0'],
    ['EXPIRE', '-5'],
    ['PEXPIRE', '0'],
    ['PEXPIRE', '-9223372036854775808'],
    ['EXPIREAT', '1'],
    ['EXPIREAT', String(T0 / 1000)],
    ['PEXPIREAT', String(T0)],
    ['PEXPIREAT', '-1'],
  ])('%s k %s (not after the clock) deletes the key and answers 1', (cmd, time) => {
    const h = harness();
    h.run('SET', 'k', 'v');
    expect(h.run(cmd, 'k', time)).toEqual(int(1));
    expect(h.doc.has(b('k'))).toBe(false);
  });

  it('PEXPIREAT one ms after the clock sets it (the key lives through that ms)', () => {
    const h = harness();
    h.run('SET', 'k', 'v');
    expect(h.run('PEXPIREAT', 'k', String(T0 + 1))).toEqual(int(1));
    expect(h.run('PTTL', 'k')).toEqual(int(1));
  });

  it('an absent key answers 0 and is not created', () => {
    const h = harness();
    expect(h.run('EXPIRE', 'missing', '10')).toEqual(int(0));
    expect(h.run('EXPIRE', 'missing', '0')).toEqual(int(0));
    expect(h.doc.size).toBe(0);
  });

  it('a new value drops the TTL; PERSIST removes it', () => {
    const h = harness();
    h.run('SET', 'k', 'v');
    h.run('EXPIRE', 'k', '10');
    expect(h.run('PERSIST', 'k')).toEqual(int(1));
    expect(h.run('TTL', 'k')).toEqual(int(-1));
    expect(h.run('PERSIST', 'k')).toEqual(int(0));
    expect(h.run('PERSIST', 'missing')).toEqual(int(0));
    h.run('EXPIRE', 'k', '10');
    h.run('SET', 'k', 'w');
    expect(h.run('TTL', 'k')).toEqual(int(-1));
  });

  it('binary keys', () => {
    const h = harness();
    const key = b([0x00, 0xff, 0x0d, 0x0a]);
    h.run('SET', key, 'v');
    expect(h.run('PEXPIRE', key, '500')).toEqual(int(1));
    expect(h.run('PTTL', key)).toEqual(int(500));
    expect(h.run('PERSIST', key)).toEqual(int(1));
  });
});

describe('NX, XX, GT, LT (a key without a TTL has an infinite one)', () => {
  // [options, current TTL in s (null: none), new TTL in s, reply, TTL after]
  it.each([
    [['NX'], null, 10, 1, 10],
    [['NX'], 20, 10, 0, 20],
    [['XX'], null, 10, 0, -1],
    [['XX'], 20, 10, 1, 10],
    [['GT'], null, 10, 0, -1],
    [['GT'], 20, 10, 0, 20],
    [['GT'], 20, 20, 0, 20],
    [['GT'], 20, 30, 1, 30],
    [['LT'], null, 10, 1, 10],
    [['LT'], 20, 30, 0, 20],
    [['LT'], 20, 20, 0, 20],
    [['LT'], 20, 10, 1, 10],
    [['XX', 'GT'], 20, 30, 1, 30],
    [['xx', 'lt'], null, 10, 0, -1],
    [['gt', 'GT'], 20, 30, 1, 30],
    [['nx', 'NX'], null, 10, 1, 10],
  ])('%p with TTL %p, new %p → %p', (opts, current, ttl, reply, after) => {
    const h = harness();
    h.run('SET', 'k', 'v');
    if (current !== null) h.run('EXPIRE', 'k', String(current));
    expect(h.run('EXPIRE', 'k', String(ttl), ...opts)).toEqual(int(reply));
    expect(h.run('TTL', 'k')).toEqual(int(after));
  });

  it('LT with a past time still deletes (the new deadline is less than any)', () => {
    const h = harness();
    h.run('SET', 'k', 'v');
    expect(h.run('EXPIRE', 'k', '-1', 'LT')).toEqual(int(1));
    expect(h.doc.size).toBe(0);
  });

  it.each([
    [['NX', 'XX'], NX_XX],
    [['nx', 'gt'], NX_XX],
    [['LT', 'NX'], NX_XX],
    [['GT', 'LT'], GT_LT],
    [['XX', 'GT', 'LT'], GT_LT],
    [['NX', 'GT', 'LT'], NX_XX],
    [['foo'], 'ERR Unsupported option foo'],
    [['NX', 'Foo'], 'ERR Unsupported option Foo'],
    [['a\r\nb'], 'ERR Unsupported option a  b'],
  ])('%p → %s, and nothing changes', (opts, error) => {
    const h = harness();
    h.run('SET', 'k', 'v');
    expect(h.run('EXPIRE', 'k', '10', ...opts)).toEqual(err(error));
    expect(h.run('TTL', 'k')).toEqual(int(-1));
  });
});

describe('bad times', () => {
  it.each(['abc', '1.5', ' 1', '+1', '01', '', '9223372036854775808'])('%j is not an integer', (time) => {
    const h = harness();
    h.run('SET', 'k', 'v');
    expect(h.run('EXPIRE', 'k', time)).toEqual(err('ERR value is not an integer or out of range'));
  });

  it('a bad option is reported before a bad time, as Redis parses them', () => {
    expect(harness().run('EXPIRE', 'k', 'abc', 'foo')).toEqual(err('ERR Unsupported option foo'));
  });

  it.each([
    ['EXPIRE', '9223372036854776'],
    ['EXPIRE', '9223372036854775'],
    ['EXPIRE', '-9223372036854776'],
    ['PEXPIRE', '9223372036854775807'],
    ['EXPIREAT', '-9223372036854775808'],
    ['EXPIREAT', '9223372036854776'],
  ])("%s k %s overflows 64 bits: ERR invalid expire time, even for an absent key", (cmd, time) => {
    const h = harness();
    const text = `ERR invalid expire time in '${cmd.toLowerCase()}' command`;
    expect(h.run(cmd, 'missing', time)).toEqual(err(text));
    h.run('SET', 'k', 'v');
    expect(h.run(cmd, 'k', time)).toEqual(err(text));
    expect(h.run('TTL', 'k')).toEqual(int(-1));
  });

  it('a deadline past 2^53 ms is accepted as Redis accepts it and kept as 2^53 − 1 (db.json keeps exact numbers): the key never expires', () => {
    const h = harness();
    h.run('SET', 'k', 'v');
    expect(h.run('PEXPIREAT', 'k', String(Number.MAX_SAFE_INTEGER))).toEqual(int(1));
    expect(h.run('PEXPIRETIME', 'k')).toEqual(int(Number.MAX_SAFE_INTEGER));
    expect(h.run('PEXPIREAT', 'k', '9223372036854775807')).toEqual(int(1));
    expect(h.run('PEXPIRETIME', 'k')).toEqual(int(Number.MAX_SAFE_INTEGER));
    h.run('PERSIST', 'k');
    expect(h.run('EXPIRE', 'k', '9223372036854')).toEqual(int(1));
    expect(h.run('PEXPIRETIME', 'k')).toEqual(int(Number.MAX_SAFE_INTEGER));
    // Past what a signed 64-bit deadline holds, Redis refuses, and so does valthree.
    expect(h.run('EXPIRE', 'k', '9223372036854775807')).toEqual(err("ERR invalid expire time in 'expire' command"));
    h.now = Number.MAX_SAFE_INTEGER;
    expect(h.run('GET', 'k')).toEqual(bulk('v'));
  });

  it('wrong arity', () => {
    const h = harness();
    for (const [cmd, ...rest] of [['EXPIRE', 'k'], ['PEXPIREAT'], ['TTL'], ['TTL', 'a', 'b'], ['PERSIST'], ['EXPIRETIME', 'a', 'b']]) {
      expect(h.run(cmd, ...rest)).toEqual(err(`ERR wrong number of arguments for '${cmd.toLowerCase()}' command`));
    }
    expect(h.run('SET', 'k', 'v')).toEqual(OK);
  });
});
