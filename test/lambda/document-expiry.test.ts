/** What expiry needs from the document: the index of keys with a TTL, expired keys without a scan, INFO keyspace stats. */
import fc from 'fast-check';
import { Document, type Entry } from '../../lambda/document';
import { AVG_TTL_SAMPLES, expiryScan, TtlIndex } from '../../lambda/document-ttl';
import { b } from './util';

const str = (value: Buffer, expiresAt?: number): Entry => (expiresAt === undefined ? { type: 'string', value } : { type: 'string', value, expiresAt });

/** A naive model: per database, key (hex) → expiry (null: no TTL). */
type Model = Map<string, number | null>[];
const newModel = (): Model => Array.from({ length: 16 }, () => new Map());
const copy = (m: Model): Model => m.map((db) => new Map(db));

type Op =
  | { op: 'put'; db: number; k: Buffer; x: number | undefined }
  | { op: 'set'; db: number; k: Buffer; keepTtl: boolean }
  | { op: 'del'; db: number; k: Buffer }
  | { op: 'flush'; db: number | undefined }
  | { op: 'swap'; a: number; b: number }
  | { op: 'mark' }
  | { op: 'undo' };

const dbArb = fc.integer({ min: 0, max: 3 });
const keyArb = fc.constantFrom(b('a'), b('b'), b('c'), b([0xff]), b(''));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('put' as const), db: dbArb, k: keyArb, x: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('set' as const), db: dbArb, k: keyArb, keepTtl: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('del' as const), db: dbArb, k: keyArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('flush' as const), db: fc.option(dbArb, { nil: undefined }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('swap' as const), a: dbArb, b: dbArb }) },
  { weight: 1, arbitrary: fc.constant({ op: 'mark' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'undo' as const }) },
);

function applyModel(m: Model, o: Op): void {
  if (o.op === 'put') m[o.db].set(o.k.toString('hex'), o.x ?? null);
  else if (o.op === 'set') m[o.db].set(o.k.toString('hex'), o.keepTtl ? (m[o.db].get(o.k.toString('hex')) ?? null) : null);
  else if (o.op === 'del') m[o.db].delete(o.k.toString('hex'));
  else if (o.op === 'flush') (o.db === undefined ? m.map((_, i) => i) : [o.db]).forEach((db) => (m[db] = new Map()));
  else if (o.op === 'swap') [m[o.a], m[o.b]] = [m[o.b], m[o.a]];
}

function applyDoc(doc: Document, o: Op): void {
  if (o.op === 'put') doc.put(o.k, str(b('v'), o.x), o.db);
  else if (o.op === 'set') doc.set(o.k, b('w'), { keepTtl: o.keepTtl }, o.db);
  else if (o.op === 'del') doc.delete(o.k, o.db);
  else if (o.op === 'flush') doc.clear(o.db);
  else if (o.op === 'swap') doc.swapDbs(o.a, o.b);
}

/**
 * The index as the document reports it and as the model says it should be,
 * at a given `now`: counts, which keys are expired, per database and across
 * them. Compared once per step (expect() per key is slow over hundreds of runs).
 */
function views(doc: Document, m: Model, now: number) {
  const actual: unknown[] = [];
  const expected: unknown[] = [];
  const all: string[] = [];
  for (let db = 0; db < 16; db++) {
    const ttl = [...m[db]].filter(([, x]) => x !== null) as [string, number][];
    const dead = ttl.filter(([, x]) => x < now).map(([k]) => k);
    expected.push([db, m[db].size, ttl.length, dead.sort()]);
    actual.push([db, doc.sizeOf(db), doc.expiringCount(db), doc.expiredKeys(now, Infinity, db).map((e) => e.key.toString('hex')).sort()]);
    all.push(...dead.map((k) => `${db}/${k}`));
  }
  const got = doc.expiredKeys(now, Infinity);
  expected.push(all.sort());
  actual.push(got.map((e) => `${e.db}/${e.key.toString('hex')}`).sort());
  // Earliest deadline first, across databases.
  const deadlines = got.map((e) => doc.entry(e.key, e.db)?.expiresAt as number);
  expected.push([...deadlines].sort((x, y) => x - y));
  actual.push(deadlines);
  return { actual, expected };
}

function check(doc: Document, m: Model, now: number): void {
  const { actual, expected } = views(doc, m, now);
  if (JSON.stringify(actual) !== JSON.stringify(expected)) expect(actual).toEqual(expected);
}

describe('the TTL index', () => {
  it('is a min-heap holding exactly the deadlines set, through inserts, moves both ways and removals (property)', () => {
    const setArb = fc.tuple(fc.integer({ min: 0, max: 60 }), fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined, freq: 3 }));
    fc.assert(
      fc.property(fc.array(setArb, { minLength: 20, maxLength: 300, size: 'large' }), (sets) => {
        const ttl = new TtlIndex();
        const model = new Map<string, number>();
        for (const [key, at] of sets) {
          const k = `k${key}`;
          ttl.set(k, at);
          if (at === undefined) model.delete(k);
          else model.set(k, at);
        }
        const wrong: string[] = [];
        for (let i = 0; i < ttl.size; i++) {
          const n = ttl.node(i);
          if (n?.i !== i || model.get(n.k) !== n.at) wrong.push(`node ${i}`);
          if (i > 0 && (ttl.node((i - 1) >> 1)?.at as number) > (n?.at as number)) wrong.push(`heap order at ${i}`);
        }
        for (const [k, at] of model) if (ttl.deadline(k) !== at) wrong.push(k);
        expect([wrong, ttl.size]).toEqual([[], model.size]);
      }),
      { numRuns: 300 },
    );
  });

  it('stays exact through put/set/delete/clear/swap and partial and full rollback (property, against a naive model)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 15 }), fc.array(opArb, { maxLength: 40 }), fc.integer({ min: 0, max: 22 }), (setup, ops, now) => {
        const doc = Document.empty();
        let model = newModel();
        for (const o of setup) {
          applyDoc(doc, o);
          applyModel(model, o);
        }
        const initial = copy(model);
        const marks: { mark: number; model: Model }[] = [];
        doc.begin();
        for (const o of ops) {
          if (o.op === 'mark') marks.push({ mark: doc.mark(), model: copy(model) });
          else if (o.op === 'undo' && marks.length > 0) {
            const { mark, model: saved } = marks.pop() as { mark: number; model: Model };
            doc.undoTo(mark);
            model = saved;
          } else {
            applyDoc(doc, o);
            applyModel(model, o);
          }
          check(doc, model, now);
        }
        doc.rollback();
        check(doc, initial, now);
        // Decoding rebuilds the same index.
        check(Document.decode(Buffer.from(doc.encode())), initial, now);
      }),
      { numRuns: 300 },
    );
  });
});

describe('expiredKeys', () => {
  it('a key at its deadline is still alive; one ms later it is expired', () => {
    const doc = Document.empty();
    doc.put(b('k'), str(b('v'), 1000), 4);
    expect(doc.expiredKeys(1000, 10)).toEqual([]);
    expect(doc.expiredKeys(1000, 10, 4)).toEqual([]);
    expect(doc.expiredKeys(1001, 10)).toEqual([{ db: 4, key: b('k') }]);
    expect(doc.expiredKeys(1001, 10, 4)).toEqual([{ db: 4, key: b('k') }]);
    expect(doc.expiredKeys(1001, 10, 0)).toEqual([]);
  });

  it('returns at most max keys, earliest deadlines first, across databases', () => {
    const doc = Document.empty();
    [50, 10, 40, 20, 30, 60].forEach((x, i) => doc.put(b(`k${x}`), str(b('v'), x), i % 3));
    doc.set(b('plain'), b('v'));
    expect(doc.expiredKeys(45, 3).map((e) => [e.db, e.key.toString()])).toEqual([
      [1, 'k10'],
      [0, 'k20'],
      [1, 'k30'],
    ]);
    expect(doc.expiredKeys(45, 0)).toEqual([]);
    expect(doc.expiredKeys(1000, 100)).toHaveLength(6);
  });

  it('the handler deleting what it returns empties the index', () => {
    const doc = Document.empty();
    for (let i = 0; i < 100; i++) doc.put(b(`k${i}`), str(b('v'), i), i % 16);
    let rounds = 0;
    // Bounded: a stale index entry would come back every round.
    for (let got = doc.expiredKeys(60, 20); got.length > 0 && rounds < 10; got = doc.expiredKeys(60, 20), rounds++) for (const { db, key } of got) doc.delete(key, db);
    expect([rounds, doc.size, doc.expiredKeys(1000, 1000).length]).toEqual([3, 40, 40]);
  });

  describe('bounded work on 100k keys with a TTL', () => {
    const doc = Document.empty();
    // Deadlines spread over the future: none expired at now = 0.
    for (let i = 0; i < 100_000; i++) doc.put(b(`key:${i}`), str(b('v'), 1 + ((i * 7919) % 100_000)), i % 4);

    it('nothing expired: [] after looking at one entry per database', () => {
      expiryScan.visited = 0;
      expect(doc.expiredKeys(0, 20)).toEqual([]);
      expect(expiryScan.visited).toBe(4);
      expiryScan.visited = 0;
      expect(doc.expiredKeys(1, 20, 2)).toEqual([]);
      expect(expiryScan.visited).toBe(1);
    });

    it('many expired: max keys after looking at no more than roots + 2·max entries', () => {
      for (const max of [1, 20, 200]) {
        expiryScan.visited = 0;
        const got = doc.expiredKeys(50_000, max);
        expect(got).toHaveLength(max);
        expect(got.every(({ db, key }) => (doc.entry(key, db)?.expiresAt as number) < 50_000)).toBe(true);
        expect(expiryScan.visited).toBeLessThanOrEqual(4 + 2 * max);
      }
    });

    it('few expired: returns them all, looking at only their neighbours', () => {
      expiryScan.visited = 0;
      // Deadlines 1..5 (one key each) are below 6.
      expect(doc.expiredKeys(6, 20)).toHaveLength(5);
      expect(expiryScan.visited).toBeLessThanOrEqual(4 + 2 * 5);
    });
  });
});

describe('keyspaceStats', () => {
  it('a line per non-empty database, ascending, with keys, expires and the exact avg_ttl of live keys', () => {
    const doc = Document.empty();
    doc.set(b('a'), b('v'), undefined, 5);
    doc.put(b('t1'), str(b('v'), 1100), 2);
    doc.put(b('t2'), str(b('v'), 1400), 2);
    doc.put(b('gone'), str(b('v'), 900), 2); // past its deadline: counted in expires, not in avg_ttl
    doc.put(b('now'), str(b('v'), 1000), 2); // at its deadline: 0 ms left, left out as Redis does
    doc.set(b('x'), b('v'), undefined, 9);
    doc.delete(b('x'), 9);
    expect(doc.keyspaceStats(1000)).toEqual([
      { db: 2, keys: 4, expires: 4, avgTtl: 250 },
      { db: 5, keys: 1, expires: 0, avgTtl: 0 },
    ]);
    expect(doc.keyspaceStats(5000)[0]).toEqual({ db: 2, keys: 4, expires: 4, avgTtl: 0 });
    expect(Document.empty().keyspaceStats(0)).toEqual([]);
  });

  it('beyond the sample size avg_ttl is an estimate, close to the true mean', () => {
    const doc = Document.empty();
    const n = AVG_TTL_SAMPLES * 20;
    // Remaining TTLs uniform over 1000..2000 ms: mean 1500, standard deviation ~289, sample error ~26.
    for (let i = 0; i < n; i++) doc.put(b(`k${i}`), str(b('v'), 1000 + Math.round((1000 * i) / n)));
    const [line] = doc.keyspaceStats(0);
    expect([line.keys, line.expires]).toEqual([n, n]);
    expect(Number.isInteger(line.avgTtl)).toBe(true);
    expect(Math.abs(line.avgTtl - 1500)).toBeLessThan(200);
  });
});
