/**
 * The bank check on hand-made histories: a valid one passes; a lost
 * transfer, a transfer applied twice, a half-applied one (a bad total), a
 * lost update from a broken WATCH and an overdraft each fail, with the
 * audit and account named.
 */
import { checkBank, type BankAudit, type BankHistory, type BankTransfer } from './bank';

const ACCOUNTS = ['a', 'b', 'c'];

class B {
  readonly h: BankHistory = { initial: 10, banks: { bank0: ACCOUNTS }, transfers: [], audits: [] };
  private id = 0;

  transfer(from: string, to: string, amount: number, call: number, ret: number | undefined, outcome: BankTransfer['outcome'] = 'ok'): BankTransfer {
    const t: BankTransfer = { id: this.id++, client: 0, via: 'eval', bank: 'bank0', from, to, amount, call, outcome };
    if (ret !== undefined) t.ret = ret;
    this.h.transfers.push(t);
    return t;
  }

  /** An audit that read these balances (not offsets) of a, b, c. */
  audit(balances: (number | null)[], call: number, ret: number, via: BankAudit['via'] = 'mget'): BankAudit {
    const values = balances.map((b) => (b === null ? null : String(b - this.h.initial)));
    const a: BankAudit = { id: this.id++, client: 1, via, bank: 'bank0', call, ret, outcome: 'ok', values };
    this.h.audits.push(a);
    return a;
  }
}

describe('the bank check', () => {
  test('a valid history passes: audits before, during and after transfers, one of unknown outcome that did happen', () => {
    const b = new B();
    b.audit([null, null, null], 0, 1); // fresh bank: absent = the initial balance
    b.transfer('a', 'b', 3, 2, 5);
    b.audit([7, 13, 10], 6, 7);
    // Concurrent with the audit: it may or may not see it.
    b.transfer('b', 'c', 4, 8, 12);
    b.audit([7, 13, 10], 9, 10);
    b.audit([7, 9, 14], 11, 13);
    b.transfer('c', 'a', 5, 14, undefined, 'unknown');
    b.transfer('a', 'c', 50, 15, 16, 'refused');
    b.transfer('a', 'c', 2, 15, 16, 'aborted');
    b.audit([12, 9, 9], 20, 21, 'final');
    const r = checkBank(b.h);
    expect(r.anomalies).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.auditsChecked).toBe(5);
    expect(r.transfers).toEqual({ ok: 2, refused: 1, aborted: 1, unknown: 1 });
  });

  test('a lost transfer: acknowledged, then no audit after it sees it', () => {
    const b = new B();
    b.transfer('a', 'b', 3, 0, 1);
    const final = b.audit([10, 10, 10], 5, 6, 'final');
    const r = checkBank(b.h);
    expect(r.valid).toBe(false);
    // The total is right: only the ledger sees that the transfer vanished.
    expect(r.anomalies.map((x) => [x.kind, x.audit, x.account])).toEqual([
      ['unexplained-balance', final.id, 'a'],
      ['unexplained-balance', final.id, 'b'],
    ]);
    expect(r.anomalies[0].message).toMatch(/lost or applied twice/);
  });

  test('a transfer applied twice (a re-sent batch): the total holds, the ledger does not', () => {
    const b = new B();
    b.transfer('a', 'b', 3, 0, 1);
    b.audit([4, 16, 10], 5, 6);
    const r = checkBank(b.h);
    expect(r.anomalies.map((x) => x.kind)).toEqual(['unexplained-balance', 'unexplained-balance']);
  });

  test('a transfer of unknown outcome may have happened once, never twice', () => {
    const b = new B();
    b.transfer('a', 'b', 3, 0, undefined, 'unknown');
    b.audit([7, 13, 10], 5, 6);
    expect(checkBank(b.h).valid).toBe(true);
    b.audit([4, 16, 10], 7, 8);
    expect(checkBank(b.h).anomalies.map((x) => x.audit)).toEqual([2, 2]);
  });

  test('a bad audit: a transfer seen half applied breaks the total', () => {
    const b = new B();
    b.transfer('a', 'b', 3, 0, 10);
    const bad = b.audit([7, 10, 10], 2, 3, 'gets');
    const r = checkBank(b.h);
    expect(r.anomalies.map((x) => [x.kind, x.audit])).toEqual([['bad-total', bad.id]]);
    expect(r.anomalies[0].message).toMatch(/total of 27, not 30/);
  });

  test('a lost update (two transfers from the same read, as with a WATCH that does not abort) breaks the total', () => {
    const b = new B();
    // Both read a = 10 and wrote a = 10 - amount: the second write wins.
    b.transfer('a', 'b', 3, 0, 4);
    b.transfer('a', 'c', 2, 1, 5);
    b.audit([8, 13, 12], 6, 7);
    const kinds = checkBank(b.h).anomalies.map((x) => x.kind);
    expect(kinds).toContain('bad-total');
    expect(kinds).toContain('unexplained-balance');
  });

  test('an overdraft and a value that is no balance are anomalies', () => {
    const b = new B();
    b.transfer('a', 'b', 12, 0, 1);
    b.audit([-2, 22, 10], 2, 3);
    expect(checkBank(b.h).anomalies.map((x) => x.kind)).toEqual(['overdraft']);
    const c = new B();
    c.h.audits.push({ id: 9, client: 0, via: 'eval', bank: 'bank0', call: 0, ret: 1, outcome: 'ok', values: ['x', null, null] });
    expect(checkBank(c.h).anomalies.map((x) => x.kind)).toEqual(['bad-value']);
  });

  test('audits that did not answer are not checked', () => {
    const b = new B();
    b.h.audits.push({ id: 9, client: 0, via: 'mget', bank: 'bank0', call: 0, outcome: 'unknown' });
    const r = checkBank(b.h);
    expect(r).toMatchObject({ valid: true, auditsChecked: 0 });
  });
});
