/** The persistent chunked collections under every aggregate: checked against plain Maps and arrays. */
import fc from 'fast-check';
import { FieldMap, Seq } from '../../lambda/document';

const fieldArb = fc.oneof(fc.integer({ min: 0, max: 3000 }).map((n) => `f${n}`), fc.constantFrom('', '\x00', '\xff', 'é'));
const mapOpsArb = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('set' as const), f: fieldArb, v: fc.integer() }),
    fc.record({ op: fc.constant('delete' as const), f: fieldArb }),
  ),
  { maxLength: 400 },
);

describe('FieldMap', () => {
  it('behaves as a Map under any sequence of sets and deletes, drafted in several steps; older versions never change', () => {
    fc.assert(
      fc.property(mapOpsArb, fc.integer({ min: 1, max: 50 }), (ops, step) => {
        let m = FieldMap.empty<number>();
        const model = new Map<string, number>();
        const versions: [FieldMap<number>, [string, number][]][] = [];
        for (let i = 0; i < ops.length; i += step) {
          const d = m.draft();
          for (const o of ops.slice(i, i + step)) {
            if (o.op === 'set') expect(d.set(o.f, o.v)).toBe(!model.has(o.f)), model.set(o.f, o.v);
            else expect(d.delete(o.f)).toBe(model.delete(o.f));
          }
          m = d.done();
          versions.push([m, [...model].sort()]);
        }
        for (const [v, snapshot] of versions) {
          expect([...v.entries()].sort()).toEqual(snapshot);
          expect(v.size).toBe(snapshot.length);
        }
        for (const [f, v] of model) expect(m.get(f)).toBe(v);
      }),
      { numRuns: 60 },
    );
  });

  it('grows to many chunks and shrinks back, every member kept; nth() reaches each member once', () => {
    const d = FieldMap.empty<number>().draft();
    for (let i = 0; i < 20_000; i++) d.set(`k${i}`, i);
    const big = d.done();
    expect(big.size).toBe(20_000);
    expect(new Set(Array.from({ length: big.size }, (_, i) => big.nth(i)[0])).size).toBe(20_000);
    const s = big.draft();
    for (let i = 10; i < 20_000; i++) s.delete(`k${i}`);
    const small = s.done();
    expect([...small.entries()].sort((a, b) => a[1] - b[1])).toEqual(Array.from({ length: 10 }, (_, i) => [`k${i}`, i]));
    expect(big.get('k19999')).toBe(19999);
  });

  it('scan() returns every member exactly once over a full iteration, whatever the count', () => {
    const d = FieldMap.empty<number>().draft();
    for (let i = 0; i < 3000; i++) d.set(`m${i}`, i);
    const m = d.done();
    for (const count of [1, 10, 1000]) {
      const seen: string[] = [];
      let cursor = 0;
      let calls = 0;
      do {
        const page = m.scan(cursor, count);
        seen.push(...page.entries.map(([f]) => f));
        cursor = page.next;
        calls++;
      } while (cursor !== 0);
      expect(seen.sort()).toEqual([...m.keys()].sort());
      expect(calls).toBeGreaterThan(1);
    }
  });
});

describe('Seq', () => {
  const spliceArb = fc.array(fc.record({ at: fc.nat(), del: fc.nat({ max: 700 }), ins: fc.integer({ min: 0, max: 600 }) }), { maxLength: 40 });

  it('splice, at, range, reverse and bound agree with an array', () => {
    fc.assert(
      fc.property(spliceArb, (edits) => {
        let seq = Seq.empty<number>();
        let model: number[] = [];
        let next = 0;
        for (const e of edits) {
          const at = model.length === 0 ? 0 : e.at % (model.length + 1);
          const ins = Array.from({ length: e.ins }, () => next++);
          const before = seq;
          const beforeModel = model.slice();
          seq = seq.splice(at, e.del, ins);
          model.splice(at, e.del, ...ins);
          expect(before.toArray()).toEqual(beforeModel);
          expect(seq.size).toBe(model.length);
          expect(seq.toArray()).toEqual(model);
        }
        for (const i of [0, 1, model.length >> 1, model.length - 1, model.length, -1]) expect(seq.at(i)).toBe(model[i]);
        const from = model.length >> 2;
        expect([...seq.range(from, from + 300)]).toEqual(model.slice(from, from + 300));
        expect([...seq.reverse(model.length - 2, from)]).toEqual(model.slice(from, model.length - 1).reverse());
        const ordered = [...model].sort((a, b) => a - b);
        for (const pivot of [-1, model[model.length >> 1] ?? 0, next]) {
          const first = ordered.findIndex((x) => x >= pivot);
          expect(Seq.from(ordered).bound((x) => x < pivot)).toBe(first === -1 ? ordered.length : first);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('push and unshift at the ends of a long sequence keep every item in order', () => {
    let seq = Seq.empty<number>();
    for (let i = 0; i < 2000; i++) seq = i % 2 === 0 ? seq.push([i]) : seq.unshift([i]);
    const expected = [...Array.from({ length: 1000 }, (_, i) => 1999 - 2 * i), ...Array.from({ length: 1000 }, (_, i) => 2 * i)];
    expect(seq.toArray()).toEqual(expected);
    expect([seq.first, seq.last]).toEqual([1999, 1998]);
  });
});
