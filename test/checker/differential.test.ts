/**
 * check() against the brute-force reference on small random histories, both
 * linearizable and not. This is what guards the search's shortcuts (memo,
 * symmetry classes, forced reads, merged unread values, trimmed FLUSHALLs):
 * each is argued in a comment; this test checks the arguments.
 */
import fc from 'fast-check';
import { check } from './check';
import { classifyError, type History, type OpInput, type OpOutput, type Operation } from './history';
import { referenceCheck } from './reference';

const values = ['v0', 'v1', 'v2', 'v3'];
/** A clock that never advances: the verdict cannot depend on the machine's load. */
const NO_BUDGET = { now: () => 0 };

const opArb = fc.record({
  client: fc.integer({ min: 0, max: 3 }),
  key: fc.constantFrom('a', 'b'),
  kind: fc.constantFrom('get', 'get', 'set', 'set', 'del', 'flushall'),
  value: fc.constantFrom(...values),
  read: fc.constantFrom<string | null>(null, ...values),
  delN: fc.constantFrom(0, 0, 1, 1, 2),
  call: fc.integer({ min: 0, max: 12 }),
  duration: fc.integer({ min: 0, max: 6 }),
  status: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'unknown', 'no', 'pending'),
});

type Raw = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

function build(raws: Raw[], oneKey: boolean): History {
  return raws.map((r, id): Operation => {
    const key = oneKey ? 'a' : r.key;
    const input: OpInput =
      r.kind === 'flushall'
        ? { op: 'flushall' }
        : r.kind === 'set'
          ? { op: 'set', key, value: `${r.value}` }
          : { op: r.kind === 'get' ? 'get' : 'del', key };
    let output: OpOutput;
    if (r.status === 'pending') output = { kind: 'pending' };
    else if (r.status !== 'ok') output = { kind: 'error', applied: r.status === 'no' ? 'no' : 'unknown', message: r.status };
    else if (input.op === 'get') output = { kind: 'value', value: r.read };
    else if (input.op === 'del') output = { kind: 'int', n: r.delN };
    else output = { kind: 'ok' };
    const op: Operation = { id, client: r.client, input, call: r.call, output };
    if (r.status !== 'pending') op.ret = r.call + r.duration;
    if (input.op !== 'flushall') op.key = input.key;
    return op;
  });
}

describe('differential: check() agrees with brute force', () => {
  it.each([
    ['one key', true],
    ['two keys', false],
  ])('%s', (_name, oneKey) => {
    const seen = { ok: 0, illegal: 0 };
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 8 }), (raws) => {
        const h = build(raws, oneKey);
        const expected = referenceCheck(h);
        seen[expected]++;
        const res = check(h, NO_BUDGET);
        expect(res.result).toBe(expected);
        // Every violation names at least one operation that cannot go next.
        for (const v of res.violations) expect(v.unordered.length).toBeGreaterThan(0);
      }),
      { numRuns: 3000 },
    );
    // Both verdicts must be well represented, or the agreement means little.
    expect(seen.ok).toBeGreaterThan(300);
    expect(seen.illegal).toBeGreaterThan(300);
  });

  it('agrees on histories made of many alike operations (symmetry classes)', () => {
    // Few distinct values, many open writes and DELs answering 0: the cases
    // where the symmetry and forced-read shortcuts apply most.
    const arb = fc.array(
      opArb.map((r) => ({ ...r, value: r.value === 'v3' ? 'v0' : r.value, status: r.status === 'ok' ? r.status : ('unknown' as const) })),
      { minLength: 4, maxLength: 8 },
    );
    fc.assert(
      fc.property(arb, (raws) => {
        const h = build(raws, true);
        expect(check(h, NO_BUDGET).result).toBe(referenceCheck(h));
      }),
      { numRuns: 2000 },
    );
  });
});

/**
 * INCR mixed in: counters that SET writes as small integers or as a word,
 * INCR on them and on absent keys, its value errors, the 64-bit edge, and
 * outcomes unknown. This guards what INCR adds to the search: integer states
 * made on demand, INCR's reads in the needless-write rule, its value errors
 * as forced reads, and INCRs in symmetry classes.
 */
describe('differential with INCR: check() agrees with brute force', () => {
  const MAX = '9223372036854775807';
  const NEAR = '9223372036854775806';
  const incrArb = fc.record({
    client: fc.integer({ min: 0, max: 3 }),
    key: fc.constantFrom('a', 'b'),
    kind: fc.constantFrom('get', 'get', 'set', 'incr', 'incr', 'incr', 'del', 'flushall'),
    value: fc.constantFrom('1', '1', '2', 'v0', NEAR),
    read: fc.constantFrom<string | null>(null, '1', '2', '3', '4', 'v0', NEAR, MAX),
    reply: fc.constantFrom<number | string>(1, 1, 2, 2, 3, 4, MAX, 'not-integer', 'overflow'),
    delN: fc.constantFrom(0, 1, 1),
    call: fc.integer({ min: 0, max: 12 }),
    duration: fc.integer({ min: 0, max: 6 }),
    status: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'unknown', 'no', 'pending'),
  });
  type IncrRaw = typeof incrArb extends fc.Arbitrary<infer T> ? T : never;

  function buildIncr(raws: IncrRaw[], oneKey: boolean): History {
    return raws.map((r, id): Operation => {
      const key = oneKey ? 'a' : r.key;
      const input: OpInput =
        r.kind === 'flushall' ? { op: 'flushall' } : r.kind === 'set' ? { op: 'set', key, value: r.value } : { op: r.kind as 'get' | 'del' | 'incr', key };
      let output: OpOutput;
      if (r.status === 'pending') output = { kind: 'pending' };
      else if (r.status !== 'ok') output = { kind: 'error', applied: r.status === 'no' ? 'no' : 'unknown', message: r.status };
      else if (input.op === 'get') output = { kind: 'value', value: r.read };
      else if (input.op === 'del') output = { kind: 'int', n: r.delN };
      else if (input.op === 'incr') {
        if (r.reply === 'not-integer' || r.reply === 'overflow') {
          const message = r.reply === 'overflow' ? 'ERR increment or decrement would overflow' : 'ERR value is not an integer or out of range';
          output = { kind: 'error', applied: classifyError(message), message };
        } else output = { kind: 'int', n: r.reply };
      } else output = { kind: 'ok' };
      const op: Operation = { id, client: r.client, input, call: r.call, output };
      if (r.status !== 'pending') op.ret = r.call + r.duration;
      if (input.op !== 'flushall') op.key = input.key;
      return op;
    });
  }

  it.each([
    ['one key', true],
    ['two keys', false],
  ])('%s', (_name, oneKey) => {
    const seen = { ok: 0, illegal: 0 };
    fc.assert(
      fc.property(fc.array(incrArb, { minLength: 1, maxLength: 8 }), (raws) => {
        const h = buildIncr(raws, oneKey);
        const expected = referenceCheck(h);
        seen[expected]++;
        const res = check(h, NO_BUDGET);
        expect(res.result).toBe(expected);
        for (const v of res.violations) expect(v.unordered.length).toBeGreaterThan(0);
      }),
      { numRuns: 3000 },
    );
    expect(seen.ok).toBeGreaterThan(300);
    expect(seen.illegal).toBeGreaterThan(300);
  });

  it('agrees on counters with many alike and open INCRs (symmetry classes, needless writes)', () => {
    const arb = fc.array(
      incrArb.map((r) => ({ ...r, reply: typeof r.reply === 'number' ? (r.reply > 2 ? 2 : r.reply) : r.reply, status: r.status === 'ok' || r.status === 'pending' ? r.status : ('unknown' as const) })),
      { minLength: 4, maxLength: 9 },
    );
    const seen = { ok: 0, illegal: 0 };
    fc.assert(
      fc.property(arb, (raws) => {
        const h = buildIncr(raws, true);
        const expected = referenceCheck(h);
        seen[expected]++;
        expect(check(h, NO_BUDGET).result).toBe(expected);
      }),
      { numRuns: 2000 },
    );
    expect(seen.ok).toBeGreaterThan(200);
    expect(seen.illegal).toBeGreaterThan(200);
  });
});

/**
 * TTLs mixed in (expiry.ts): SET … PX, PEXPIRE and PTTL with TTLs about as
 * long as the operations, INCR/INCRBY that keep a TTL, and skew bounds from 0
 * to half a TTL. This guards the timed search: expiries as virtual
 * operations, the ones left out or left open past the last return, spent
 * expiries as forced reads, and the needless-write rule kept to DEL.
 */
describe('differential with TTLs: check() agrees with brute force', () => {
  const ttlArb = fc.record({
    client: fc.integer({ min: 0, max: 3 }),
    key: fc.constantFrom('a', 'b'),
    kind: fc.constantFrom('get', 'get', 'setpx', 'setpx', 'set', 'pexpire', 'pttl', 'del', 'incr', 'incrby', 'flushall'),
    value: fc.constantFrom('1', '2', 'v0', 'v1'),
    read: fc.constantFrom<string | null>(null, null, '1', '2', '3', 'v0', 'v1'),
    ttl: fc.integer({ min: 1, max: 10 }),
    by: fc.constantFrom(2, 3),
    reply: fc.constantFrom(-2, -1, 0, 1, 2, 3, 4, 5, 8),
    call: fc.integer({ min: 0, max: 16 }),
    duration: fc.integer({ min: 0, max: 5 }),
    status: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'ok', 'unknown', 'no', 'pending'),
  });
  type TtlRaw = typeof ttlArb extends fc.Arbitrary<infer T> ? T : never;

  function buildTtl(raws: TtlRaw[], oneKey: boolean): History {
    return raws.map((r, id): Operation => {
      const key = oneKey ? 'a' : r.key;
      let input: OpInput;
      switch (r.kind) {
        case 'flushall': input = { op: 'flushall' }; break;
        case 'setpx': input = { op: 'set', key, value: r.value, px: r.ttl }; break;
        case 'set': input = { op: 'set', key, value: r.value }; break;
        case 'pexpire': input = { op: 'pexpire', key, ms: r.ttl }; break;
        case 'incrby': input = { op: 'incr', key, by: r.by }; break;
        default: input = { op: r.kind as 'get' | 'del' | 'incr' | 'pttl', key };
      }
      let output: OpOutput;
      if (r.status === 'pending') output = { kind: 'pending' };
      else if (r.status !== 'ok') output = { kind: 'error', applied: r.status === 'no' ? 'no' : 'unknown', message: r.status };
      else if (input.op === 'get') output = { kind: 'value', value: r.read };
      else if (input.op === 'del' || input.op === 'pexpire') output = { kind: 'int', n: Math.abs(r.reply) % 2 };
      else if (input.op === 'pttl' || input.op === 'incr') output = { kind: 'int', n: r.reply };
      else output = { kind: 'ok' };
      const op: Operation = { id, client: r.client, input, call: r.call, output };
      if (r.status !== 'pending') op.ret = r.call + r.duration;
      if (input.op !== 'flushall') op.key = input.key;
      return op;
    });
  }

  it.each([
    ['one key, S = 0', true, 0],
    ['one key, S = 2', true, 2],
    ['two keys, S = 5', false, 5],
  ])('%s', (_name, oneKey, clockSkewMs) => {
    const seen = { ok: 0, illegal: 0 };
    fc.assert(
      fc.property(fc.array(ttlArb, { minLength: 1, maxLength: 7 }), (raws) => {
        const h = buildTtl(raws, oneKey);
        const expected = referenceCheck(h, { clockSkewMs });
        seen[expected]++;
        const res = check(h, { ...NO_BUDGET, clockSkewMs });
        expect(res.result).toBe(expected);
        for (const v of res.violations) expect(v.unordered.length).toBeGreaterThan(0);
      }),
      { numRuns: 3000 },
    );
    expect(seen.ok).toBeGreaterThan(300);
    expect(seen.illegal).toBeGreaterThan(300);
  });

  it('agrees on histories where most TTLs are pending or open (expiries left open, spent ones forced)', () => {
    const arb = fc.array(
      ttlArb.map((r) => ({ ...r, kind: r.kind === 'get' || r.kind === 'setpx' || r.kind === 'pexpire' || r.kind === 'pttl' ? r.kind : ('setpx' as const), status: r.status === 'no' ? ('unknown' as const) : r.status })),
      { minLength: 3, maxLength: 8 },
    );
    const seen = { ok: 0, illegal: 0 };
    fc.assert(
      fc.property(arb, fc.constantFrom(0, 3), (raws, clockSkewMs) => {
        const h = buildTtl(raws, true);
        const expected = referenceCheck(h, { clockSkewMs });
        seen[expected]++;
        expect(check(h, { ...NO_BUDGET, clockSkewMs }).result).toBe(expected);
      }),
      { numRuns: 2000 },
    );
    expect(seen.ok).toBeGreaterThan(200);
    expect(seen.illegal).toBeGreaterThan(200);
  });
});
