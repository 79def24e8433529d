/** The entry API (entry, put, set with TTL, keys), clock and seq, and undo of all of them. */
import fc from 'fast-check';
import { Document, OutOfMemoryError, type Entry, type StringEntry } from '../../lambda/document';
import { b, bytesArb } from './util';

const str = (value: Buffer, meta: { expiresAt?: number; stamp?: number } = {}): StringEntry => ({ type: 'string', value, ...meta });

/** Everything the document holds, including clock and seq, order-independent (rollback re-inserts keys at the end). */
function full(doc: Document): string {
  const raw = JSON.parse(doc.encode().toString('utf8')) as Record<string, unknown>;
  const sortObj = (o: unknown) => Object.fromEntries(Object.entries(o as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  return JSON.stringify({ ...raw, data: sortObj(raw.data), data64: sortObj(raw.data64) });
}

describe('entries', () => {
  it('put() stores the whole entry; entry() returns it, get() its value', () => {
    const doc = Document.empty();
    doc.put(b('k'), str(b('v'), { expiresAt: 99, stamp: 3 }));
    expect(doc.entry(b('k'))).toEqual(str(b('v'), { expiresAt: 99, stamp: 3 }));
    expect(doc.get(b('k'))).toEqual(b('v'));
    expect(doc.entry(b('missing'))).toBeUndefined();
    // A whole entry: what the new one leaves out is gone.
    doc.put(b('k'), str(b('w')));
    expect(doc.entry(b('k'))).toEqual(str(b('w')));
  });

  it('put() keeps a copy: changing the caller’s entry or buffer afterwards changes nothing', () => {
    const doc = Document.empty();
    const e = str(b('abc'), { expiresAt: 1 });
    doc.put(b('k'), e);
    e.value[0] = 0x7a;
    e.expiresAt = 2;
    expect(doc.entry(b('k'))).toEqual(str(b('abc'), { expiresAt: 1 }));
  });

  it('set() drops the TTL and the stamp, unless keepTtl, which keeps the TTL only', () => {
    const doc = Document.empty();
    doc.put(b('k'), str(b('1'), { expiresAt: 50, stamp: 4 }));
    doc.set(b('k'), b('2'), { keepTtl: true });
    expect(doc.entry(b('k'))).toEqual(str(b('2'), { expiresAt: 50 }));
    doc.set(b('k'), b('3'));
    expect(doc.entry(b('k'))).toEqual(str(b('3')));
    doc.set(b('new'), b('4'), { keepTtl: true });
    expect(doc.entry(b('new'))).toEqual(str(b('4')));
  });

  it.each([
    ['expiry NaN', str(b('v'), { expiresAt: NaN })],
    ['expiry fractional', str(b('v'), { expiresAt: 1.5 })],
    ['expiry past 2^53', str(b('v'), { expiresAt: 2 ** 60 })],
    ['stamp negative', str(b('v'), { stamp: -1 })],
    ['stamp Infinity', str(b('v'), { stamp: Infinity })],
    ['an unknown type', { type: 'hash', value: b('v') } as unknown as Entry],
  ])('put() refuses %s (encode could not write it) and changes nothing', (_, e) => {
    const doc = Document.empty();
    doc.begin();
    expect(() => doc.put(b('k'), e)).toThrow();
    expect(doc.has(b('k'))).toBe(false);
    expect(doc.mark()).toBe(0);
  });

  it('put() is size-checked like set(): an expiry that grows past the cap is refused', () => {
    const doc = Document.empty();
    doc.set(b('k'), b('v'));
    doc.maxBytes = doc.encode().length;
    expect(() => doc.put(b('k'), str(b('v'), { expiresAt: 1795829220000 }))).toThrow(OutOfMemoryError);
    expect(doc.entry(b('k'))).toEqual(str(b('v')));
    expect(() => doc.put(b('k'), str(b('w')))).not.toThrow();
  });

  it('keys() yields every key once, byte-exact, and tolerates deleting as it goes (property)', () => {
    fc.assert(
      fc.property(fc.array(bytesArb, { maxLength: 40 }), (keys) => {
        const doc = Document.empty();
        for (const k of keys) doc.set(k, b('v'));
        const seen: string[] = [];
        for (const k of doc.keys()) {
          seen.push(k.toString('hex'));
          doc.delete(k);
        }
        expect(seen.sort()).toEqual([...new Set(keys.map((k) => k.toString('hex')))].sort());
        expect(doc.size).toBe(0);
      }),
    );
  });
});

describe('clock and seq', () => {
  it('start at 0, persist, and survive clear()', () => {
    const doc = Document.empty();
    expect([doc.clock, doc.seq]).toEqual([0, 0]);
    doc.set(b('k'), b('v'));
    doc.clock = 1795829160250;
    doc.seq = 7;
    doc.clear();
    const back = Document.decode(doc.encode());
    expect([back.clock, back.seq, back.size]).toEqual([1795829160250, 7, 0]);
  });

  it.each([-1, 1.5, NaN, Infinity, 2 ** 53])('refuse %p (a RangeError, nothing changed)', (n) => {
    const doc = Document.empty();
    expect(() => (doc.clock = n)).toThrow(RangeError);
    expect(() => (doc.seq = n)).toThrow(RangeError);
    expect([doc.clock, doc.seq]).toEqual([0, 0]);
  });

  it('setting the value they already have is no change: mark() stays 0', () => {
    const doc = Document.empty();
    doc.clock = 5;
    doc.begin();
    doc.clock = 5;
    doc.seq = 0;
    expect(doc.mark()).toBe(0);
    doc.seq = 1;
    expect(doc.mark()).toBe(1);
  });

  it('rollback(mark) restores them to the mark; rollback() to the start', () => {
    const doc = Document.empty();
    doc.clock = 10;
    doc.seq = 1;
    doc.begin();
    doc.clock = 20;
    const m = doc.mark();
    doc.seq = 2;
    doc.clock = 30;
    doc.rollback(m);
    expect([doc.clock, doc.seq]).toEqual([20, 1]);
    doc.rollback();
    expect([doc.clock, doc.seq]).toEqual([10, 1]);
  });
});

type Op =
  | { op: 'set'; k: Buffer; v: Buffer; keepTtl: boolean }
  | { op: 'put'; k: Buffer; e: Entry }
  | { op: 'del'; k: Buffer }
  | { op: 'clear' }
  | { op: 'commit'; id: string }
  | { op: 'clock'; n: number }
  | { op: 'seq'; n: number }
  | { op: 'partial' }; // mark, more changes, rollback to the mark

const keyArb = fc.oneof(fc.constantFrom(b('a'), b('b'), b([0xff]), b('')), bytesArb);
const counterArb = fc.oneof(fc.nat(20), fc.maxSafeNat());
const entryArb: fc.Arbitrary<Entry> = fc.record({
  type: fc.constant('string' as const),
  value: bytesArb,
  expiresAt: fc.option(fc.maxSafeInteger(), { nil: undefined }),
  stamp: fc.option(counterArb, { nil: undefined }),
});
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('set' as const), k: keyArb, v: bytesArb, keepTtl: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('put' as const), k: keyArb, e: entryArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('del' as const), k: keyArb }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('commit' as const), id: fc.string({ minLength: 1, maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clock' as const), n: counterArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('seq' as const), n: counterArb }) },
  { weight: 1, arbitrary: fc.constant({ op: 'partial' as const }) },
);

function apply(doc: Document, o: Op): void {
  if (o.op === 'set') doc.set(o.k, o.v, { keepTtl: o.keepTtl });
  else if (o.op === 'put') doc.put(o.k, o.e);
  else if (o.op === 'del') doc.delete(o.k);
  else if (o.op === 'clear') doc.clear();
  else if (o.op === 'commit') doc.recordCommit({ id: o.id, at: 1, r: [] });
  else if (o.op === 'clock') doc.clock = o.n;
  else if (o.op === 'seq') doc.seq = o.n;
  else {
    const before = full(doc);
    const m = doc.mark();
    doc.put(b('partial'), str(b('x'), { expiresAt: 5, stamp: 5 }));
    doc.seq = doc.seq + 1;
    doc.clock = doc.clock + 1;
    doc.delete(b('a'));
    doc.rollback(m);
    expect(full(doc)).toBe(before);
    // rollback(m) with m = 0 ends the transaction: open the next one.
    if (m === 0) doc.begin();
  }
}

describe('transactions', () => {
  const startArb = fc.tuple(fc.array(fc.tuple(keyArb, entryArb), { maxLength: 20 }), counterArb, counterArb);

  it('random changes then rollback() restore entries, clock, seq and the size estimate exactly (property)', () => {
    fc.assert(
      fc.property(startArb, fc.array(opArb, { maxLength: 25 }), ([pairs, clock, seq], ops) => {
        const doc = Document.empty();
        for (const [k, e] of pairs) doc.put(k, e);
        doc.clock = clock;
        doc.seq = seq;
        const original = full(doc);
        const approx = doc.approxBytes;
        doc.begin();
        for (const o of ops) apply(doc, o);
        doc.rollback();
        expect(full(doc)).toBe(original);
        expect(doc.approxBytes).toBe(approx);
        expect(doc.mark()).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('release() keeps entries, clock and seq', () => {
    const doc = Document.empty();
    doc.begin();
    doc.put(b('k'), str(b('v'), { expiresAt: 9, stamp: 1 }));
    doc.clock = 100;
    doc.seq = 1;
    doc.release();
    doc.rollback();
    expect([doc.clock, doc.seq, doc.entry(b('k'))]).toEqual([100, 1, str(b('v'), { expiresAt: 9, stamp: 1 })]);
  });

  it('approxBytes tracks the encoded size with expiries, stamps, clock and seq (property)', () => {
    fc.assert(
      fc.property(fc.array(opArb.filter((o) => o.op !== 'partial'), { maxLength: 40 }), (ops) => {
        const doc = Document.empty();
        for (const o of ops) apply(doc, o);
        const approx = doc.approxBytes;
        const actual = doc.encode().length;
        expect(Math.abs(approx - actual)).toBeLessThanOrEqual(24 + actual * 0.03);
      }),
      { numRuns: 200 },
    );
  });
});
