/**
 * INCR in the register model: what a counter may answer, with GET/SET/DEL/
 * FLUSHALL around it, with outcomes unknown, and what a broken server that
 * applies an INCR twice looks like in a history.
 */
import { check, type CheckResult } from './check';
import { H } from './fixtures';
import { incrRejection, incremented, integerValue, intReply, type OpInput } from './history';
import { referenceCheck } from './reference';

const MAX = '9223372036854775807';
const incr = (key: string): OpInput => ({ op: 'incr', key });
const ids = (ops: { id: number }[]): number[] => ops.map((o) => o.id).sort((a, b) => a - b);

/** The fast checker's verdict, which the brute-force one must share. */
function verdict(h: H): CheckResult['result'] {
  const res = check(h.history, { now: () => 0 });
  expect(referenceCheck(h.history)).toBe(res.result);
  return res.result;
}

describe("INCR's arithmetic (Redis's string2ll and overflow check)", () => {
  it.each([
    ['0', 0n],
    ['-1', -1n],
    ['42', 42n],
    [MAX, 9223372036854775807n],
    ['-9223372036854775808', -9223372036854775808n],
  ])('%j is an integer', (v, n) => {
    expect(integerValue(v)).toBe(n);
  });

  it.each(['', ' 1', '1 ', '+1', '-0', '007', '1.0', '1e3', '0x10', 'abc', '9223372036854775808', '-9223372036854775809', '99999999999999999999'])(
    '%j is not',
    (v) => {
      expect(integerValue(v)).toBeUndefined();
    },
  );

  it('INCR of absent is 1, of n is n + 1, of a non-integer or of the maximum nothing', () => {
    expect(incremented(null)).toBe('1');
    expect(incremented('-1')).toBe('0');
    expect(incremented('41')).toBe('42');
    expect(incremented('9223372036854775806')).toBe(MAX);
    expect(incremented(MAX)).toBeUndefined();
    expect(incremented('c1-7')).toBeUndefined();
  });

  it('reads replies as numbers or, past 2^53, decimal strings', () => {
    expect(intReply(6)).toBe('6');
    expect(intReply(MAX)).toBe(MAX);
    expect(intReply(1.5)).toBeUndefined();
    expect(intReply('12a')).toBeUndefined();
  });

  it('tells the value errors of an INCR from its other failures', () => {
    const h = new H();
    expect(incrRejection(h.incrError(0, 'k', 'not-integer', 0, 1))).toBe('not-integer');
    expect(incrRejection(h.incrError(0, 'k', 'overflow', 0, 1))).toBe('overflow');
    expect(incrRejection(h.fail(0, incr('k'), 'no', 0, 1))).toBeUndefined();
    expect(incrRejection(h.fail(0, incr('k'), 'unknown', 0, 1))).toBeUndefined();
    // The same words from another command are only a refusal.
    expect(incrRejection(h.raw(0, { op: 'set', key: 'k', value: 'x' }, 0, 1, { kind: 'error', applied: 'no', message: 'ERR value is not an integer or out of range' }))).toBeUndefined();
  });
});

describe('legal histories with INCR', () => {
  it('SET 5, INCR → 6, GET → 6', () => {
    const h = new H();
    h.set(0, 'x', '5', 0, 1);
    h.incr(0, 'x', 6, 2, 3);
    h.get(1, 'x', '6', 4, 5);
    expect(verdict(h)).toBe('ok');
  });

  it('a counter created by INCR, reset by DEL and by FLUSHALL, set by SET', () => {
    const h = new H();
    h.incr(0, 'x', 1, 0, 1);
    h.incr(1, 'x', 2, 2, 3);
    h.get(2, 'x', '2', 4, 5);
    h.del(0, 'x', 1, 6, 7);
    h.incr(1, 'x', 1, 8, 9);
    h.flush(2, 10, 11);
    h.incr(0, 'x', 1, 12, 13);
    h.set(1, 'x', '1000', 14, 15);
    h.incr(2, 'x', 1001, 16, 17);
    h.incr(0, 'x', 1002, 18, 19);
    h.get(1, 'x', '1002', 20, 21);
    expect(verdict(h)).toBe('ok');
  });

  it('concurrent INCRs count in either order; a read among them sees any count between', () => {
    const h = new H();
    h.set(0, 'x', '10', 0, 1);
    h.incr(1, 'x', 12, 2, 10); // linearized second
    h.incr(2, 'x', 11, 3, 9); // linearized first
    h.get(3, 'x', '11', 4, 8);
    h.get(3, 'x', '12', 11, 12);
    expect(verdict(h)).toBe('ok');
  });

  it('negative counters and the way up to 0', () => {
    const h = new H();
    h.set(0, 'x', '-2', 0, 1);
    h.incr(0, 'x', -1, 2, 3);
    h.incr(0, 'x', 0, 4, 5);
    h.incr(0, 'x', 1, 6, 7); // from "0", not from absent
    h.get(0, 'x', '1', 8, 9);
    expect(verdict(h)).toBe('ok');
  });

  it('"not an integer" on a value that is not one, which stays as it was', () => {
    for (const v of ['abc', 'c3-17', '007', '-0', '1.5', '', '99999999999999999999']) {
      const h = new H();
      h.set(0, 'x', v, 0, 1);
      h.incrError(1, 'x', 'not-integer', 2, 3);
      h.get(2, 'x', v, 4, 5);
      expect(verdict(h)).toBe('ok');
    }
  });

  it('"not an integer" on a value nobody reads (the merged state) is also fine', () => {
    const h = new H();
    h.set(0, 'x', 'never-read', 0, 1);
    h.incrError(1, 'x', 'not-integer', 2, 3);
    h.del(0, 'x', 1, 4, 5);
    expect(verdict(h)).toBe('ok');
  });

  it('overflow at 9223372036854775807, nothing changed; up to it the reply is exact', () => {
    const h = new H();
    h.set(0, 'x', '9223372036854775806', 0, 1);
    h.incr(0, 'x', MAX, 2, 3);
    h.incrError(1, 'x', 'overflow', 4, 5);
    h.get(2, 'x', MAX, 6, 7);
    expect(verdict(h)).toBe('ok');
  });

  it('an INCR refused before it ran (TRYAGAIN, unknown command) changed nothing', () => {
    const h = new H();
    h.set(0, 'x', '5', 0, 1);
    h.fail(1, incr('x'), 'no', 2, 3);
    h.raw(1, incr('x'), 4, 5, { kind: 'error', applied: 'no', message: "ERR unknown command 'INCR', with args beginning with: 'x' " });
    h.get(2, 'x', '5', 6, 7);
    const res = check(h.history);
    expect(res).toMatchObject({ result: 'ok', opsDropped: 2 });
  });

  it('an INCR of unknown outcome: applied or not, also after its error', () => {
    for (const [seen, later] of [
      ['5', '5'],
      ['6', '6'],
      ['5', '6'], // it landed after the error reached the client
    ]) {
      const h = new H();
      h.set(0, 'x', '5', 0, 1);
      h.fail(1, incr('x'), 'unknown', 2, 3);
      h.get(2, 'x', seen, 4, 5);
      h.get(2, 'x', later, 6, 7);
      expect(verdict(h)).toBe('ok');
    }
  });

  it('a pending INCR on an absent key may create the counter', () => {
    const h = new H();
    h.incr(0, 'x', 0, 0, undefined);
    h.get(1, 'x', null, 1, 2);
    h.get(1, 'x', '1', 3, 4);
    expect(verdict(h)).toBe('ok');
  });

  it('several INCRs of unknown outcome: any number of them applied', () => {
    for (const seen of ['5', '6', '7']) {
      const h = new H();
      h.set(0, 'x', '5', 0, 1);
      h.fail(1, incr('x'), 'unknown', 2, 3);
      h.fail(2, incr('x'), 'unknown', 2, 4);
      h.get(3, 'x', seen, 10, 11);
      expect(verdict(h)).toBe('ok');
    }
  });

  it('an INCR of unknown outcome on a non-integer does nothing either way', () => {
    const h = new H();
    h.set(0, 'x', 'abc', 0, 1);
    h.fail(1, incr('x'), 'unknown', 2, 3);
    h.get(2, 'x', 'abc', 4, 5);
    h.incrError(2, 'x', 'not-integer', 6, 7);
    expect(verdict(h)).toBe('ok');
  });

  it('a concurrent SET decides which number an INCR counts from', () => {
    const h = new H();
    h.set(0, 'x', '5', 0, 1);
    h.set(1, 'x', '100', 2, 10);
    h.incr(2, 'x', 6, 3, 9); // before the SET of 100
    h.get(0, 'x', '100', 11, 12);
    expect(verdict(h)).toBe('ok');
  });
});

describe('illegal histories with INCR', () => {
  it('INCR → 1 twice with no DEL between', () => {
    const h = new H();
    h.incr(0, 'x', 1, 0, 1);
    const second = h.incr(1, 'x', 1, 2, 3);
    const res = check(h.history);
    expect(res.result).toBe('illegal');
    expect(referenceCheck(h.history)).toBe('illegal');
    expect(res.violations[0].stateAfter).toBe('1');
    expect(ids(res.violations[0].unordered)).toEqual([second.id]);
  });

  it('INCR → 1 twice even when concurrent', () => {
    const h = new H();
    h.incr(0, 'x', 1, 0, 10);
    h.incr(1, 'x', 1, 1, 11);
    expect(verdict(h)).toBe('illegal');
  });

  it('a GET that misses an acknowledged INCR', () => {
    const h = new H();
    h.set(0, 'x', '5', 0, 1);
    h.incr(0, 'x', 6, 2, 3);
    const stale = h.get(1, 'x', '5', 4, 5);
    const res = check(h.history);
    expect(res.result).toBe('illegal');
    expect(referenceCheck(h.history)).toBe('illegal');
    expect(res.violations[0].stateAfter).toBe('6');
    expect(ids(res.violations[0].unordered)).toEqual([stale.id]);
  });

  it('an INCR reply that skips a value', () => {
    const h = new H();
    h.set(0, 'x', '5', 0, 1);
    const skip = h.incr(0, 'x', 7, 2, 3);
    const res = check(h.history);
    expect(res.result).toBe('illegal');
    expect(referenceCheck(h.history)).toBe('illegal');
    expect(ids(res.violations[0].unordered)).toEqual([skip.id]);
  });

  it('two completed INCRs from 5 that both answer 6 (one increment lost)', () => {
    const h = new H();
    h.set(0, 'x', '5', 0, 1);
    h.incr(1, 'x', 6, 2, 10);
    h.incr(2, 'x', 6, 3, 11);
    expect(verdict(h)).toBe('illegal');
  });

  it('INCR answering a number on a value that is not an integer', () => {
    const h = new H();
    h.set(0, 'x', 'abc', 0, 1);
    h.incr(0, 'x', 1, 2, 3);
    expect(verdict(h)).toBe('illegal');
  });

  it.each([
    ['an integer', '5'],
    ['an absent key', null],
  ])('"not an integer" on %s', (_name, v) => {
    const h = new H();
    if (v !== null) h.set(0, 'x', v, 0, 1);
    h.incrError(1, 'x', 'not-integer', 2, 3);
    expect(verdict(h)).toBe('illegal');
  });

  it('"would overflow" below the maximum, and a reply past it', () => {
    const early = new H();
    early.set(0, 'x', '9223372036854775806', 0, 1);
    early.incrError(1, 'x', 'overflow', 2, 3);
    expect(verdict(early)).toBe('illegal');
    const past = new H();
    past.set(0, 'x', MAX, 0, 1);
    past.incr(1, 'x', '9223372036854775808', 2, 3);
    expect(verdict(past)).toBe('illegal');
  });

  it('a value only an INCR could produce, seen before that INCR was invoked', () => {
    const h = new H();
    h.set(0, 'x', '5', 0, 1);
    h.get(1, 'x', '6', 2, 3);
    h.fail(2, incr('x'), 'unknown', 4, 5);
    expect(verdict(h)).toBe('illegal');
  });

  it('more increments than INCRs of unknown outcome', () => {
    const h = new H();
    h.set(0, 'x', '5', 0, 1);
    h.fail(1, incr('x'), 'unknown', 2, 3);
    h.fail(2, incr('x'), 'unknown', 2, 4);
    h.get(3, 'x', '8', 10, 11);
    expect(verdict(h)).toBe('illegal');
  });

  it('an INCR reported not applied whose increment shows', () => {
    const h = new H();
    h.set(0, 'x', '5', 0, 1);
    h.fail(1, incr('x'), 'no', 2, 3);
    h.get(2, 'x', '6', 4, 5);
    expect(verdict(h)).toBe('illegal');
  });

  it('INCR answered with something other than an integer', () => {
    for (const output of [{ kind: 'ok' as const }, { kind: 'value' as const, value: '6' }]) {
      const h = new H();
      h.set(0, 'x', '5', 0, 1);
      h.raw(0, incr('x'), 2, 3, output);
      expect(verdict(h)).toBe('illegal');
    }
  });
});

describe('a server that applies an INCR twice is caught', () => {
  // The proxy re-sent an INCR after an ambiguous invoke, and both attempts
  // committed: one INCR, two increments. The client sees the reply of the
  // second, and later reads agree with it.
  it('one INCR after an ambiguous outcome: reply and a later GET both show +2', () => {
    const h = new H();
    h.set(0, 'x', '10', 0, 1);
    const twice = h.incr(1, 'x', 12, 2, 20);
    h.get(2, 'x', '12', 21, 22);
    const res = check(h.history);
    expect(res.result).toBe('illegal');
    expect(referenceCheck(h.history)).toBe('illegal');
    expect(res.violations[0].unordered.map((o) => o.id)).toContain(twice.id);
  });

  it('the same numbers are fine when another INCR may have landed', () => {
    const h = new H();
    h.set(0, 'x', '10', 0, 1);
    h.fail(3, incr('x'), 'unknown', 2, 5);
    h.incr(1, 'x', 12, 2, 20);
    h.get(2, 'x', '12', 21, 22);
    expect(verdict(h)).toBe('ok');
  });

  it('the reply right, a later read showing the second increment', () => {
    const h = new H();
    h.set(0, 'x', '10', 0, 1);
    h.incr(1, 'x', 11, 2, 20);
    h.get(2, 'x', '11', 21, 22);
    h.get(2, 'x', '12', 23, 24); // the lost attempt landed after the reply
    expect(verdict(h)).toBe('illegal');
  });

  it('an INCR of unknown outcome counted twice', () => {
    const h = new H();
    h.set(0, 'x', '10', 0, 1);
    h.fail(1, incr('x'), 'unknown', 2, 20);
    h.get(2, 'x', '12', 21, 22);
    expect(verdict(h)).toBe('illegal');
  });
});
