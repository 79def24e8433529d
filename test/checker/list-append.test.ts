/**
 * The list-append check on hand-made histories: a valid one passes; G0,
 * G1c and G-single cycles, a real-time violation and the non-cycle
 * anomalies (incompatible orders, an append applied twice, an aborted
 * read, a lost append, a wrong APPEND reply) are each found and named.
 */
import { DependencyGraph, addRealtimeEdges } from './graph';
import { checkListAppend } from './list-append';
import type { AppendTxn, MicroOp, TxnOutcome } from './txn';

class L {
  readonly txns: AppendTxn[] = [];

  /** ops: "a:x" appends token x to a (with its reply length if given as "a:x@4"), "r:a=x y" reads a as "x y ", "r:a=" reads a absent. */
  t(call: number, ret: number | undefined, ops: string[], outcome: TxnOutcome = 'ok'): AppendTxn {
    const parsed: MicroOp[] = ops.map((s) => {
      if (s.startsWith('r:')) {
        const [key, v] = s.slice(2).split('=');
        return outcome === 'ok' ? { f: 'read', key, value: v === '' ? null : `${v} ` } : { f: 'read', key };
      }
      const [key, rest] = s.split(':');
      const [token, len] = rest.split('@');
      return len === undefined ? { f: 'append', key, token } : { f: 'append', key, token, length: Number(len) };
    });
    const t: AppendTxn = { id: this.txns.length, client: this.txns.length, via: 'multi', call, outcome, ops: parsed };
    if (ret !== undefined) t.ret = ret;
    this.txns.push(t);
    return t;
  }
}

const kinds = (l: L): string[] => checkListAppend(l.txns).anomalies.map((a) => (a.kind === 'cycle' ? `cycle ${a.cycle?.class}` : a.kind));

describe('list-append', () => {
  test('a valid history passes: concurrent transactions, an unknown one seen, an aborted one unseen', () => {
    const l = new L();
    l.t(0, 10, ['x:1@2', 'y:1@2']);
    l.t(1, 11, ['r:x=1', 'y:2@4']); // concurrent with T0, after it on both keys
    l.t(12, 20, ['r:x=1', 'r:y=1 2']);
    l.t(13, undefined, ['x:3'], 'unknown');
    l.t(14, 15, ['x:4'], 'aborted');
    l.t(21, 22, ['r:x=1 3', 'r:y=1 2'], 'ok');
    const r = checkListAppend(l.txns);
    expect(r.anomalies).toEqual([]);
    expect(r).toMatchObject({ valid: true, txns: 6, txnsChecked: 5, keys: 2 });
    expect(r.edges).toBeGreaterThan(0);
  });

  test('G0: two transactions append to x and y in opposite orders', () => {
    const l = new L();
    l.t(0, 10, ['x:1', 'y:1']);
    l.t(0, 10, ['x:2', 'y:2']);
    l.t(20, 30, ['r:x=1 2', 'r:y=2 1']);
    const r = checkListAppend(l.txns);
    expect(kinds(l)).toEqual(['cycle G0']);
    const c = r.anomalies[0].cycle;
    expect(c?.steps.map((s) => [s.from, s.to, s.kinds[0], s.key]).sort()).toEqual([
      [0, 1, 'ww', 'x'],
      [1, 0, 'ww', 'y'],
    ]);
    expect(r.anomalies[0].message).toMatch(/G0 cycle: T\d -ww\([xy]\)→ T\d/);
  });

  test('G1c: each of two transactions reads what the other wrote', () => {
    const l = new L();
    l.t(0, 10, ['x:1', 'r:y=2']);
    l.t(0, 10, ['y:2', 'r:x=1']);
    expect(kinds(l)).toEqual(['cycle G1c']);
  });

  test('G-single: a read skew (a split transaction sees y after an append it did not see on x)', () => {
    const l = new L();
    l.t(0, 10, ['x:1', 'y:1']);
    l.t(0, 10, ['r:x=', 'r:y=1']);
    l.t(20, 30, ['r:x=1', 'r:y=1']);
    const r = checkListAppend(l.txns);
    expect(kinds(l)).toEqual(['cycle G-single']);
    expect(r.anomalies[0].cycle?.steps.map((s) => s.kinds[0]).sort()).toEqual(['rw', 'wr']);
  });

  test('real time: a read that began after an append completed does not see it (serializable, not strictly)', () => {
    const l = new L();
    l.t(0, 10, ['x:1']);
    l.t(20, 30, ['r:x=']);
    l.t(40, 50, ['r:x=1']);
    expect(kinds(l)).toEqual(['cycle G-single-realtime']);
    // Without real-time edges the same history is serializable.
    expect(checkListAppend(l.txns, { realtime: false }).valid).toBe(true);
  });

  test('incompatible orders, an append applied twice, an aborted read, garbage', () => {
    const l = new L();
    l.t(0, 10, ['x:1']);
    l.t(0, 10, ['x:2']);
    l.t(1, 2, ['x:3'], 'aborted');
    l.t(20, 30, ['r:x=1 2']);
    l.t(20, 30, ['r:x=2 1']);
    l.t(20, 30, ['r:x=1 1']);
    l.t(20, 30, ['r:y=3']);
    l.t(20, 30, ['r:x=1 2 3']);
    const k = kinds(l);
    expect(k).toEqual(expect.arrayContaining(['incompatible-order', 'duplicate', 'aborted-read', 'garbage']));
  });

  test('a lost append: acknowledged, then a later read does not show it, nor any read', () => {
    const l = new L();
    l.t(0, 10, ['x:1']);
    l.t(0, 10, ['x:2']);
    l.t(20, 30, ['r:x=2']);
    const r = checkListAppend(l.txns);
    expect(kinds(l)).toEqual(['lost-append']);
    expect(r.anomalies[0].txns).toEqual([0, 2]);
  });

  test("an APPEND's reply must be the length at its place in the order", () => {
    const l = new L();
    l.t(0, 10, ['x:1@2']);
    l.t(11, 20, ['x:22@4']); // "1 22 " is 5 long
    l.t(21, 30, ['r:x=1 22']);
    expect(kinds(l)).toEqual(['bad-append-reply']);
  });
});

describe('the dependency graph', () => {
  test('real-time edges are transitive-reduced but complete: every ordered pair is connected', () => {
    const txns = [
      { id: 0, call: 0, ret: 1 },
      { id: 1, call: 2, ret: 3 },
      { id: 2, call: 2.5, ret: 6 },
      { id: 3, call: 4, ret: 5 },
      { id: 4, call: 7 }, // unknown: receives edges only
    ];
    const g = new DependencyGraph();
    addRealtimeEdges(g, txns);
    // A path a → b exists iff adding b → a puts both in one component.
    const reach = (a: number, b: number): boolean => {
      const probe = new DependencyGraph();
      addRealtimeEdges(probe, txns);
      probe.add(b, a, 'ww');
      return probe.components().some((c) => c.includes(a) && c.includes(b));
    };
    for (const x of txns) {
      for (const y of txns) {
        const before = x.ret !== undefined && x.ret < y.call;
        expect([x.id, y.id, reach(x.id, y.id)]).toEqual([x.id, y.id, before]);
      }
    }
    // 0→1, 0→2 directly; 1→3; 3→4 and 2→4; nothing from the unknown one.
    expect(g.edges).toBeLessThan(txns.length * (txns.length - 1) / 2);
  });
});
