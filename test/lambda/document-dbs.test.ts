/** Databases 0–15 in one document: isolation, FLUSHDB/FLUSHALL, SWAPDB, undo, the `dbs` section of db.json and its incremental encoding. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { CorruptDocumentError, Document, OutOfMemoryError, type Entry } from '../../lambda/document';
import { pageOf, keyOf } from '../../lambda/document-pages';
import { b, bytesArb } from './util';

const str = (value: Buffer, meta: { expiresAt?: number; stamp?: number } = {}): Entry => ({ type: 'string', value, ...meta });
const utf = (s: string): Buffer => Buffer.from(s, 'utf8');
const hexSort = (xs: string[]): string[] => [...xs].sort();

/** One database as comparable data: key (hex) → value (hex), expiry, stamp. */
function dbContents(doc: Document, db: number): [string, string, number?, number?][] {
  const out: [string, string, number?, number?][] = [];
  for (const k of doc.keys(db)) {
    const e = doc.entry(k, db) as Entry;
    out.push([k.toString('hex'), e.value.toString('hex'), e.expiresAt, e.stamp]);
  }
  return out.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
}

/** Every database, its counts and TTL keys, clock, seq, commits: all the API tells. */
function everything(doc: Document) {
  const dbs = Array.from({ length: 16 }, (_, db) => ({
    entries: dbContents(doc, db),
    size: doc.sizeOf(db),
    expiring: doc.expiringCount(db),
    ttlKeys: hexSort(doc.expiredKeys(Infinity, Infinity, db).map((x) => x.key.toString('hex'))),
  }));
  return { dbs, size: doc.size, clock: doc.clock, seq: doc.seq, commits: doc.commits.map((c) => c.id) };
}

/** The encoded JSON with every map's members sorted: rollback re-inserts keys at the end of their page. */
function canonicalJson(doc: Document): string {
  const sortObj = (o: unknown) => Object.fromEntries(Object.entries(o as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  const sortMaps = (m: Record<string, unknown>) => ({ ...m, data: sortObj(m.data), data64: sortObj(m.data64) });
  const raw = JSON.parse(doc.encode().toString('utf8')) as Record<string, unknown>;
  const dbs = raw.dbs as Record<string, Record<string, unknown>> | undefined;
  return JSON.stringify({ ...sortMaps(raw), ...(dbs ? { dbs: Object.fromEntries(Object.entries(dbs).map(([n, m]) => [n, sortMaps(m)])) } : {}) });
}

describe('isolation', () => {
  it('the same key in two databases holds two entries', () => {
    const doc = Document.empty();
    doc.set(b('k'), b('zero'));
    doc.put(b('k'), str(b('three'), { expiresAt: 50, stamp: 2 }), 3);
    expect(doc.get(b('k'))?.toString()).toBe('zero');
    expect(doc.entry(b('k'), 3)).toEqual(str(b('three'), { expiresAt: 50, stamp: 2 }));
    expect([doc.has(b('k'), 1), doc.get(b('k'), 1), doc.entry(b('k'), 15)]).toEqual([false, undefined, undefined]);
    expect([doc.size, doc.sizeOf(0), doc.sizeOf(3), doc.sizeOf(4)]).toEqual([2, 1, 1, 0]);
    expect([doc.expiringCount(0), doc.expiringCount(3)]).toEqual([0, 1]);
    expect([...doc.keys(3)].map(String)).toEqual(['k']);
    expect([...doc.keys(7)]).toEqual([]);
    expect(doc.delete(b('k'), 3)).toBe(true);
    expect(doc.delete(b('k'), 3)).toBe(false);
    expect([doc.get(b('k'))?.toString(), doc.sizeOf(3), doc.expiringCount(3)]).toEqual(['zero', 0, 0]);
  });

  it('set(..., {keepTtl}) keeps the TTL of the key in its own database only', () => {
    const doc = Document.empty();
    doc.put(b('k'), str(b('1'), { expiresAt: 9 }), 2);
    doc.set(b('k'), b('2'), { keepTtl: true }, 5);
    doc.set(b('k'), b('3'), { keepTtl: true }, 2);
    expect([doc.entry(b('k'), 5), doc.entry(b('k'), 2)]).toEqual([str(b('2')), str(b('3'), { expiresAt: 9 })]);
  });

  it.each([-1, 16, 1.5, NaN, Infinity])('db %p → RangeError from every call', (db) => {
    const doc = Document.empty();
    const calls: (() => unknown)[] = [
      () => doc.entry(b('k'), db),
      () => doc.get(b('k'), db),
      () => doc.has(b('k'), db),
      () => [...doc.keys(db)],
      () => doc.put(b('k'), str(b('v')), db),
      () => doc.set(b('k'), b('v'), undefined, db),
      () => doc.delete(b('k'), db),
      () => doc.sizeOf(db),
      () => doc.clear(db),
      () => doc.swapDbs(0, db),
      () => doc.swapDbs(db, 0),
      () => doc.expiringCount(db),
      () => doc.expiredKeys(0, 10, db),
    ];
    for (const call of calls) expect(call).toThrow(RangeError);
    expect(doc.size).toBe(0);
  });
});

/** db 0: a, b; db 2: a; db 9: z with a TTL; clock, seq and one commit. */
function sample(): Document {
  const doc = Document.empty();
  doc.set(b('a'), b('0a'));
  doc.set(b('b'), b('0b'));
  doc.set(b('a'), b('2a'), undefined, 2);
  doc.put(b('z'), str(b('9z'), { expiresAt: 100 }), 9);
  doc.clock = 77;
  doc.seq = 5;
  doc.recordCommit({ id: 'c1', at: 1, r: [] });
  return doc;
}

describe('clear', () => {
  it('clear(db) empties that database only; clear() every one; clock, seq and commits stay', () => {
    const doc = sample();
    doc.clear(2);
    expect([doc.sizeOf(0), doc.sizeOf(2), doc.sizeOf(9), doc.size]).toEqual([2, 0, 1, 3]);
    doc.clear(9);
    expect([doc.expiringCount(9), doc.expiredKeys(Infinity, 10)]).toEqual([0, []]);
    doc.set(b('c'), b('4c'), undefined, 4);
    doc.clear();
    expect([doc.size, doc.sizeOf(0), doc.sizeOf(4)]).toEqual([0, 0, 0]);
    expect([doc.clock, doc.seq, doc.commits.map((c) => c.id)]).toEqual([77, 5, ['c1']]);
    expect(doc.encode().toString()).toBe('{"format":3,"clock":77,"seq":5,"commits":[{"id":"c1","at":1,"r":[]}],"data":{},"data64":{}}');
  });

  it('both are undone by rollback, and an empty database logs nothing', () => {
    const doc = sample();
    const before = everything(doc);
    const bytes = doc.encode().toString('hex');
    doc.begin();
    doc.clear(5);
    expect(doc.mark()).toBe(0);
    doc.clear(0);
    expect(doc.mark()).toBe(1);
    doc.set(b('a'), b('new'));
    doc.clear();
    doc.set(b('n'), b('new'), undefined, 9);
    doc.rollback();
    expect(everything(doc)).toEqual(before);
    expect(doc.encode().toString('hex')).toBe(bytes);
  });
});

describe('swapDbs', () => {
  it('the two databases trade keys, counts and TTL index; others stay', () => {
    const doc = sample();
    doc.swapDbs(0, 9);
    expect([doc.get(b('z'))?.toString(), doc.get(b('a'), 9)?.toString(), doc.get(b('a'), 2)?.toString()]).toEqual(['9z', '0a', '2a']);
    expect([doc.sizeOf(0), doc.sizeOf(9), doc.expiringCount(0), doc.expiringCount(9)]).toEqual([1, 2, 1, 0]);
    expect(doc.expiredKeys(101, 10)).toEqual([{ db: 0, key: b('z') }]);
    doc.swapDbs(2, 14);
    expect([doc.sizeOf(2), doc.get(b('a'), 14)?.toString()]).toEqual([0, '2a']);
    const json = JSON.parse(doc.encode().toString());
    expect([json.data, Object.keys(json.dbs)]).toEqual([{ z: { v: '9z', x: 100 } }, ['9', '14']]);
  });

  it('swapping a database with itself, or two empty ones, logs nothing', () => {
    const doc = sample();
    doc.begin();
    doc.swapDbs(2, 2);
    doc.swapDbs(3, 4);
    expect(doc.mark()).toBe(0);
  });

  it('then rollback restores entries, counts, TTL index and the encoded bytes exactly', () => {
    const doc = sample();
    const before = everything(doc);
    const bytes = doc.encode().toString('hex');
    const approx = doc.approxBytes;
    doc.begin();
    doc.swapDbs(0, 9);
    doc.swapDbs(2, 0);
    doc.clear(9);
    doc.swapDbs(9, 15);
    doc.rollback();
    expect(everything(doc)).toEqual(before);
    expect(doc.approxBytes).toBe(approx);
    expect(doc.encode().toString('hex')).toBe(bytes);
  });

  it('with writes in between, rollback restores the same content (property)', () => {
    const dbArb = fc.integer({ min: 0, max: 3 });
    const keyArb = fc.constantFrom(b('a'), b('b'), b([0xff]));
    const opArb = fc.oneof(
      fc.record({ op: fc.constant('swap' as const), a: dbArb, b: dbArb }),
      fc.record({ op: fc.constant('put' as const), db: dbArb, k: keyArb, v: bytesArb, x: fc.option(fc.nat(100), { nil: undefined }) }),
      fc.record({ op: fc.constant('del' as const), db: dbArb, k: keyArb }),
      fc.record({ op: fc.constant('flush' as const), db: dbArb }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 20 }), fc.array(opArb, { maxLength: 20 }), (setup, ops) => {
        const doc = Document.empty();
        const run = (o: (typeof setup)[number]) => {
          if (o.op === 'swap') doc.swapDbs(o.a, o.b);
          else if (o.op === 'put') doc.put(o.k, str(o.v, { expiresAt: o.x }), o.db);
          else if (o.op === 'del') doc.delete(o.k, o.db);
          else doc.clear(o.db);
        };
        setup.forEach(run);
        const before = everything(doc);
        const json = canonicalJson(doc);
        doc.begin();
        ops.forEach(run);
        doc.rollback();
        expect(everything(doc)).toEqual(before);
        expect(canonicalJson(doc)).toBe(json);
      }),
      { numRuns: 200 },
    );
  });
});

describe('db.json with dbs', () => {
  const wrap = (rest: string) => `{"format":3,"clock":0,"seq":0,"commits":[],${rest}}`;

  it('db 0 stays in data/data64; other non-empty databases go to "dbs", ascending; empty ones are left out', () => {
    const doc = Document.empty();
    doc.set(b('k'), b('0'));
    expect(doc.encode().toString()).toBe(wrap('"data":{"k":"0"},"data64":{}'));
    doc.set(b('k'), b('12'), undefined, 12);
    doc.put(b([0xff]), str(b([0xfe]), { expiresAt: 5 }), 3);
    expect(doc.encode().toString()).toBe(
      wrap('"data":{"k":"0"},"data64":{},"dbs":{"3":{"data":{},"data64":{"/w==":{"v":{"b64":"/g=="},"x":5}}},"12":{"data":{"k":"12"},"data64":{}}}'),
    );
    doc.delete(b('k'));
    doc.delete(b([0xff]), 3);
    expect(doc.encode().toString()).toBe(wrap('"data":{},"data64":{},"dbs":{"12":{"data":{"k":"12"},"data64":{}}}'));
    doc.clear(12);
    expect(doc.encode().toString()).toBe(wrap('"data":{},"data64":{}'));
  });

  it('any entries in any databases round-trip exactly (property)', () => {
    const entryArb = fc.record({
      type: fc.constant('string' as const),
      value: bytesArb,
      expiresAt: fc.option(fc.maxSafeInteger(), { nil: undefined }),
      stamp: fc.option(fc.maxSafeNat(), { nil: undefined }),
    });
    const writeArb = fc.tuple(fc.integer({ min: 0, max: 15 }), fc.oneof(fc.constantFrom(b('a'), b([0xff])), bytesArb), entryArb);
    fc.assert(
      fc.property(fc.array(writeArb, { maxLength: 40 }), (writes) => {
        const doc = Document.empty();
        for (const [db, k, e] of writes) doc.put(k, e, db);
        const body = Buffer.from(doc.encode());
        const back = Document.decode(body);
        expect(everything(back)).toEqual(everything(doc));
        expect(back.approxBytes).toBe(body.length);
        expect(canonicalJson(back)).toBe(canonicalJson(doc));
        const json = JSON.parse(body.toString());
        const used = [...new Set(writes.map(([db]) => db).filter((db) => db !== 0))].sort((x, y) => x - y);
        expect(json.dbs === undefined ? [] : Object.keys(json.dbs).map(Number)).toEqual(used);
      }),
      { numRuns: 200 },
    );
  });

  it('approxBytes tracks the encoded size through writes, flushes and swaps in any database (property)', () => {
    const dbArb = fc.integer({ min: 0, max: 15 });
    const opArb = fc.oneof(
      fc.record({ op: fc.constant('set' as const), db: dbArb, k: bytesArb, v: bytesArb }),
      fc.record({ op: fc.constant('del' as const), db: dbArb, k: fc.constantFrom(b('a'), b('')) }),
      fc.record({ op: fc.constant('flush' as const), db: fc.option(dbArb, { nil: undefined }) }),
      fc.record({ op: fc.constant('swap' as const), a: dbArb, b: dbArb }),
      fc.constant({ op: 'reload' as const }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        let doc = Document.empty();
        for (const o of ops) {
          if (o.op === 'set') doc.set(o.k, o.v, undefined, o.db);
          else if (o.op === 'del') doc.delete(o.k, o.db);
          else if (o.op === 'flush') doc.clear(o.db);
          else if (o.op === 'swap') doc.swapDbs(o.a, o.b);
          // A decoded document knows its total size but not each database's: clear(db) must find it.
          else doc = Document.decode(Buffer.from(doc.encode()));
        }
        const approx = doc.approxBytes;
        const actual = doc.encode().length;
        // An estimate for the size cap, not a count: a separator per non-empty
        // map (2 per database, 17 at most) and a database frame measured after
        // a reload can each be off by a few bytes.
        expect(Math.abs(approx - actual)).toBeLessThanOrEqual(64 + actual * 0.03);
      }),
      { numRuns: 300, seed: 1499140661 },
    );
  });

  it('the size cap counts every database', () => {
    const doc = Document.empty();
    doc.set(b('a'), Buffer.alloc(100, 0x61), undefined, 4);
    doc.maxBytes = doc.encode().length + 45;
    expect(() => doc.set(b('a'), Buffer.alloc(100, 0x61), undefined, 5)).toThrow(OutOfMemoryError);
    // Its first key costs a database its member of "dbs" too.
    expect(() => doc.set(b('b'), Buffer.alloc(20, 0x61), undefined, 6)).toThrow(OutOfMemoryError);
    doc.set(b('b'), Buffer.alloc(20, 0x61), undefined, 4);
    expect(doc.encode().length).toBeLessThanOrEqual(doc.maxBytes);
    expect([doc.sizeOf(5), doc.sizeOf(6)]).toEqual([0, 0]);
  });
});

describe('incremental encoding', () => {
  /** The cached page buffers of every database, read through the private fields (white-box). */
  const caches = (doc: Document): (Buffer | undefined)[][] =>
    (doc as unknown as { dbs: ({ pages: { utf?: Buffer; bin?: Buffer }[] } | undefined)[] }).dbs.map((ks) => (ks ? ks.pages.flatMap((p) => [p.utf, p.bin]) : []));

  function filled(): Document {
    const doc = Document.empty();
    for (let i = 0; i < 2000; i++) doc.set(b(`key:${i}`), b(`v${i}`), undefined, i % 4);
    doc.encode();
    return doc;
  }

  it('a SET in db 3 re-encodes only its page of db 3', () => {
    const doc = filled();
    const before = caches(doc);
    doc.set(b('key:7'), b('new'), undefined, 3);
    doc.encode();
    const after = caches(doc);
    const changed = new Set<string>();
    after.forEach((pages, db) => pages.forEach((buf, i) => buf !== before[db][i] && changed.add(`${db}/${i >> 1}`)));
    expect([...changed]).toEqual([`3/${pageOf(keyOf(b('key:7')))}`]);
  });

  it('SWAPDB re-encodes nothing, and the sections land where they now belong', () => {
    const doc = filled();
    const before = caches(doc);
    doc.swapDbs(0, 3);
    const body = Buffer.from(doc.encode());
    const after = caches(doc);
    expect(after[0].every((buf, i) => buf === before[3][i])).toBe(true);
    expect(after[3].every((buf, i) => buf === before[0][i])).toBe(true);
    const back = Document.decode(body);
    expect([back.get(b('key:3'))?.toString(), back.get(b('key:0'), 3)?.toString(), back.sizeOf(0), back.sizeOf(3)]).toEqual(['v3', 'v0', 500, 500]);
  });
});

describe('fixture: format 2 with dbs', () => {
  const body = readFileSync(path.join(__dirname, 'fixtures', 'db-format-2-dbs.json'));

  it('decodes every database: entries, expiries, stamps, clock, seq, commits', () => {
    const doc = Document.decode(body);
    expect([doc.clock, doc.seq, doc.size, doc.commits.map((c) => c.id)]).toEqual([1795829170500, 1050, 8, ['kX3v9Q-50']]);
    expect([0, 1, 2, 3, 15].map((db) => doc.sizeOf(db))).toEqual([2, 2, 0, 3, 1]);
    expect(doc.entry(b('session:9'))).toEqual(str(utf('token-ä'), { expiresAt: 1795829220000 }));
    expect([doc.get(b('user:1'))?.toString(), doc.get(b('user:1'), 1)?.toString()]).toEqual(['Ada', 'Grace']);
    expect(doc.entry(b('cache:a'), 1)).toEqual(str(b('x'), { expiresAt: 1795829175000, stamp: 1049 }));
    expect(doc.entry(utf('héllo'), 3)).toEqual(str(utf('wörld ✓')));
    expect(doc.entry(b([0xff]), 3)).toEqual(str(b([0x00, 0xff]), { stamp: 1050 }));
    expect(doc.entry(b('counter'), 3)).toEqual(str(b('17'), { stamp: 1041 }));
    expect(doc.get(b('last'), 15)?.toString()).toBe('db 15');
    expect(doc.keyspaceStats(1795829170000).map(({ db, keys, expires }) => [db, keys, expires])).toEqual([[0, 2, 1], [1, 2, 1], [3, 3, 0], [15, 1, 0]]);
  });

  it('re-encodes to the same bytes, as format 3 (the upgrade changes nothing else)', () => {
    expect(Document.decode(body).encode().toString('utf8')).toBe(body.toString('utf8').replace('{"format":2,', '{"format":3,'));
  });
});

describe('corrupt dbs', () => {
  const doc = (dbs: string, format = 2) => b(`{"format":${format},"clock":0,"seq":0,"commits":[],"data":{},"data64":{},"dbs":${dbs}}`);

  it.each([
    ['dbs an array', '[]', /dbs is not an object/],
    ['dbs null', 'null', /dbs is not an object/],
    ['dbs a string', '"1"', /dbs is not an object/],
    ['db 0 inside dbs', '{"0":{"data":{}}}', /database 0 lives in "data"/],
    ['db 16', '{"16":{"data":{}}}', /"16", which is not a database number/],
    ['db -1', '{"-1":{"data":{}}}', /"-1", which is not/],
    ['db with a leading zero', '{"01":{"data":{}}}', /"01", which is not/],
    ['db written as 1.0', '{"1.0":{"data":{}}}', /"1.0", which is not/],
    ['db a name', '{"one":{"data":{}}}', /"one", which is not/],
    ['a database not an object', '{"1":"x"}', /dbs\["1"\] is not an object/],
    ['a database an array', '{"1":[]}', /dbs\["1"\] is not an object/],
    ['data missing', '{"2":{"data64":{}}}', /dbs\["2"\]\.data is not an object/],
    ['data an array', '{"2":{"data":[]}}', /dbs\["2"\]\.data is not an object/],
    ['data64 a string', '{"2":{"data":{},"data64":"x"}}', /dbs\["2"\]\.data64 is not an object/],
    ['an unknown field', '{"2":{"data":{},"expires":{}}}', /dbs\["2"\] has an unknown field "expires"/],
    ['a bad entry', '{"7":{"data":{"k":{"v":"1","x":"soon"}}}}', /the expiry of db 7 key "k" is not an integer/],
    ['a bad data64 entry', '{"7":{"data":{},"data64":{"/w==":1}}}', /db 7 data64 key "\/w=="/],
  ])('%s → CorruptDocumentError', (_, dbs, message) => {
    expect(() => Document.decode(doc(dbs))).toThrow(CorruptDocumentError);
    expect(() => Document.decode(doc(dbs))).toThrow(message);
  });

  it('format 1 has no dbs', () => {
    expect(() => Document.decode(doc('{"1":{"data":{}}}', 1))).toThrow(/format 1 has no "dbs"/);
  });

  it('format 2 without dbs, and empty dbs, are fine; an empty database is dropped on the next write', () => {
    expect(Document.decode(doc('{}')).size).toBe(0);
    const d = Document.decode(doc('{"4":{"data":{}},"5":{"data":{"k":"v"}}}'));
    expect([d.sizeOf(4), d.sizeOf(5)]).toEqual([0, 1]);
    expect(Object.keys(JSON.parse(d.encode().toString()).dbs)).toEqual(['5']);
  });
});
