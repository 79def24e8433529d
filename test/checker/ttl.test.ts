/**
 * TTLs in the register model (expiry.ts): a key written with a TTL may be
 * seen gone only inside the window the clocks allow, must be gone for a read
 * called after it, and never comes back once a read saw it gone. Each case
 * is checked by the fast checker and by the brute-force one, which must agree.
 */
import { check, type CheckResult } from './check';
import { expiryWindow } from './expiry';
import { H } from './fixtures';
import type { OpInput } from './history';
import { formatReport } from './report';
import { referenceCheck } from './reference';

/** The verdict with a skew bound of S ms; the brute-force checker must agree. */
function verdict(h: H, clockSkewMs = 10): CheckResult['result'] {
  const res = check(h.history, { now: () => 0, clockSkewMs });
  expect(referenceCheck(h.history, { clockSkewMs })).toBe(res.result);
  return res.result;
}
const ids = (ops: { id: number }[]): number[] => ops.map((o) => o.id).sort((a, b) => a - b);

describe('the window of an expiry', () => {
  it('runs from call + TTL - S (never before the call) to ret + TTL + S; an open write has no end', () => {
    expect(expiryWindow(100, 110, 300, 50)).toEqual({ lo: 350, hi: 460 });
    expect(expiryWindow(100, 110, 300, 6000)).toEqual({ lo: 100, hi: 6410 });
    expect(expiryWindow(100, Infinity, 300, 50)).toEqual({ lo: 350, hi: Infinity });
  });
});

describe('legal histories with TTLs', () => {
  it('a key read before its TTL runs out, then gone after it', () => {
    const h = new H();
    h.setPx(0, 'x', 'v', 100, 0, 5);
    h.get(1, 'x', 'v', 50, 55);
    h.get(1, 'x', null, 200, 205);
    h.pttl(2, 'x', -2, 210, 215);
    h.del(2, 'x', 0, 220, 225);
    expect(verdict(h)).toBe('ok');
  });

  it.each([['v'], [null]])('inside the window a read may see it either way (%j)', (seen) => {
    const h = new H();
    h.setPx(0, 'x', 'v', 100, 0, 5);
    h.get(1, 'x', seen, 100, 102);
    expect(verdict(h)).toBe('ok');
  });

  it('two reads inside the window: present then gone', () => {
    const h = new H();
    h.setPx(0, 'x', 'v', 100, 0, 5);
    h.get(1, 'x', 'v', 95, 97);
    h.get(2, 'x', null, 98, 99);
    h.get(1, 'x', null, 100, 101);
    expect(verdict(h)).toBe('ok');
  });

  it('with clocks far apart (a large S) a key may be seen gone early', () => {
    const h = new H();
    h.setPx(0, 'x', 'v', 300, 0, 5);
    h.get(1, 'x', null, 20, 25);
    expect(verdict(h, 10)).toBe('illegal');
    expect(verdict(h, 6000)).toBe('ok');
  });

  it('PEXPIRE gives a live key a TTL (answers 1), not an absent one (answers 0)', () => {
    const h = new H();
    h.pexpire(0, 'x', 100, 0, 0, 5);
    h.set(0, 'x', 'v', 10, 15);
    h.pttl(1, 'x', -1, 20, 25);
    h.pexpire(0, 'x', 100, 1, 30, 35);
    h.pttl(1, 'x', 90, 40, 45);
    h.get(1, 'x', 'v', 50, 55);
    h.get(2, 'x', null, 200, 205);
    expect(verdict(h)).toBe('ok');
  });

  it('PEXPIRE replaces the deadline: a longer one keeps the key past the first', () => {
    const h = new H();
    h.setPx(0, 'x', 'v', 100, 0, 5);
    h.pexpire(1, 'x', 1000, 1, 20, 25);
    h.get(2, 'x', 'v', 500, 505);
    h.get(2, 'x', null, 1100, 1105);
    expect(verdict(h)).toBe('ok');
  });

  it('INCR and INCRBY keep the TTL; after it runs out INCR starts again from absent', () => {
    const h = new H();
    h.setPx(0, 'x', '5', 100, 0, 5);
    h.incr(1, 'x', 6, 10, 15);
    h.incrBy(2, 'x', 4, 10, 20, 25);
    h.pttl(0, 'x', 70, 30, 35);
    h.get(1, 'x', null, 200, 205);
    h.incr(1, 'x', 1, 210, 215);
    h.pttl(0, 'x', -1, 220, 225);
    h.incrBy(2, 'x', 3, 4, 230, 235);
    expect(verdict(h)).toBe('ok');
  });

  it('SET without PX, DEL and FLUSHALL drop the TTL', () => {
    const h = new H();
    h.setPx(0, 'x', 'a', 100, 0, 5);
    h.set(1, 'x', 'b', 10, 15);
    h.get(2, 'x', 'b', 500, 505);
    h.setPx(0, 'x', 'c', 100, 510, 515);
    h.del(1, 'x', 1, 520, 525);
    h.set(1, 'x', 'd', 530, 535);
    h.get(2, 'x', 'd', 1000, 1005);
    h.setPx(0, 'x', 'e', 100, 1010, 1015);
    h.flush(1, 1020, 1025);
    h.set(1, 'x', 'f', 1030, 1035);
    h.pttl(2, 'x', -1, 2000, 2005);
    h.get(2, 'x', 'f', 2010, 2015);
    expect(verdict(h)).toBe('ok');
  });

  it('a SET … PX that never answered may land late: its value read long after is fine', () => {
    const h = new H();
    h.setPx(0, 'x', 'v', 100, 0, undefined);
    h.get(1, 'x', null, 10, 15);
    h.get(1, 'x', 'v', 1000, 1005);
    h.get(1, 'x', null, 2000, 2005);
    expect(verdict(h)).toBe('ok');
  });

  it('an expired key is absent to a PEXPIRE (0) and to a DEL (0)', () => {
    const h = new H();
    h.setPx(0, 'x', 'v', 100, 0, 5);
    h.pexpire(1, 'x', 500, 0, 200, 205);
    h.del(1, 'x', 0, 210, 215);
    expect(verdict(h)).toBe('ok');
  });
});

describe('illegal histories with TTLs', () => {
  it('expired too early: gone before call + TTL - S', () => {
    const h = new H();
    h.setPx(0, 'x', 'v', 100, 0, 5);
    const bad = h.get(1, 'x', null, 20, 25);
    const res = check(h.history, { clockSkewMs: 10 });
    expect(res.result).toBe('illegal');
    expect(ids(res.violations[0].unordered)).toEqual([bad.id]);
    expect(verdict(h)).toBe('illegal');
  });

  it('never expired: still there for a read called after ret + TTL + S', () => {
    const h = new H();
    h.setPx(0, 'x', 'v', 100, 0, 5);
    h.get(1, 'x', 'v', 50, 55);
    const bad = h.get(1, 'x', 'v', 200, 205);
    const res = check(h.history, { clockSkewMs: 10 });
    expect(res.result).toBe('illegal');
    expect(ids(res.violations[0].unordered)).toEqual([bad.id]);
    expect(res.violations[0].prefix).toContain('expiry(#0)');
    expect(formatReport(res)).toMatch(/expiry\(#0\)/);
    expect(verdict(h)).toBe('illegal');
  });

  it('never expired, seen by a DEL (1), a PTTL or an INCR counting on', () => {
    for (const late of [
      (h: H) => h.del(1, 'x', 1, 200, 205),
      (h: H) => h.pttl(1, 'x', 0, 200, 205),
      (h: H) => h.incr(1, 'x', 6, 200, 205),
      (h: H) => h.pexpire(1, 'x', 100, 1, 200, 205),
    ]) {
      const h = new H();
      h.setPx(0, 'x', '5', 100, 0, 5);
      late(h);
      expect(verdict(h)).toBe('illegal');
    }
  });

  it('resurrected: a read saw it gone, a later read sees the value again', () => {
    const h = new H();
    h.setPx(0, 'x', 'v', 100, 0, 5);
    h.get(1, 'x', null, 100, 102);
    const back = h.get(2, 'x', 'v', 104, 106);
    const res = check(h.history, { clockSkewMs: 10 });
    expect(res.result).toBe('illegal');
    expect(ids(res.violations[0].unordered)).toEqual([back.id]);
    expect(verdict(h)).toBe('illegal');
  });

  it('resurrected, however far apart the clocks may be: both reads inside a 6 s window', () => {
    const h = new H();
    h.setPx(0, 'x', 'v', 300, 0, 5);
    h.get(1, 'x', null, 400, 410);
    h.get(2, 'x', 'v', 420, 430);
    expect(verdict(h, 6000)).toBe('illegal');
  });

  it('resurrected through PTTL and INCR too', () => {
    const a = new H();
    a.setPx(0, 'x', 'v', 100, 0, 5);
    a.pttl(1, 'x', -2, 100, 102);
    a.pttl(2, 'x', 3, 104, 106);
    expect(verdict(a)).toBe('illegal');
    const b = new H();
    b.setPx(0, 'x', '7', 100, 0, 5);
    b.get(1, 'x', null, 100, 102);
    b.incr(2, 'x', 8, 104, 106);
    expect(verdict(b)).toBe('illegal');
  });

  it('a TTL that SET without PX dropped does not come back: the value outlives it', () => {
    const h = new H();
    h.setPx(0, 'x', 'a', 100, 0, 5);
    h.set(1, 'x', 'b', 10, 15);
    h.get(2, 'x', null, 500, 505);
    expect(verdict(h)).toBe('illegal');
  });

  it('PTTL: -1 while a TTL is pending, more than the TTL, or a TTL on a key without one', () => {
    const cases: ((h: H) => void)[] = [
      (h) => {
        h.setPx(0, 'x', 'v', 100, 0, 5);
        h.pttl(1, 'x', -1, 10, 15);
      },
      (h) => {
        h.setPx(0, 'x', 'v', 100, 0, 5);
        h.pttl(1, 'x', 150, 10, 15);
      },
      (h) => {
        h.set(0, 'x', 'v', 0, 5);
        h.pttl(1, 'x', 50, 10, 15);
      },
    ];
    for (const make of cases) {
      const h = new H();
      make(h);
      expect(verdict(h)).toBe('illegal');
    }
  });

  it('PEXPIRE answering 1 on a key nobody wrote', () => {
    const h = new H();
    h.pexpire(0, 'x', 100, 1, 0, 5);
    expect(verdict(h)).toBe('illegal');
  });
});

describe('INCRBY', () => {
  it('counts by its increment; a wrong count is caught', () => {
    const h = new H();
    h.set(0, 'x', '10', 0, 1);
    h.incrBy(1, 'x', 5, 15, 2, 3);
    h.incr(1, 'x', 16, 4, 5);
    h.incrBy(2, 'x', -20, -4, 6, 7);
    h.get(0, 'x', '-4', 8, 9);
    expect(verdict(h)).toBe('ok');
    const bad = new H();
    bad.set(0, 'x', '10', 0, 1);
    bad.incrBy(1, 'x', 5, 11, 2, 3);
    expect(verdict(bad)).toBe('illegal');
  });

  it('concurrent INCRBYs in either order; open ones may add their increment or not', () => {
    const h = new H();
    h.set(0, 'x', '100', 0, 1);
    h.incrBy(1, 'x', 3, 110, 2, 10);
    h.incrBy(2, 'x', 7, 107, 3, 9);
    h.incrBy(3, 'x', 2, 0, 4, undefined);
    h.get(0, 'x', '112', 20, 21);
    expect(verdict(h)).toBe('ok');
  });

  it("overflow: the key holds an integer the increment takes out of range", () => {
    const over = (value: string, by: number): H => {
      const h = new H();
      h.set(0, 'x', value, 0, 1);
      const message = 'ERR increment or decrement would overflow';
      h.raw(1, { op: 'incr', key: 'x', by } as OpInput, 2, 3, { kind: 'error', applied: 'no', message });
      return h;
    };
    expect(verdict(over('9223372036854775800', 10))).toBe('ok');
    expect(verdict(over('9223372036854775800', 5))).toBe('illegal');
    expect(verdict(over('-9223372036854775800', -10))).toBe('ok');
  });
});
