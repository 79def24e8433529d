/** db.json format 3: the aggregate types' JSON shapes, their round trip, what decode refuses, size and OOM. */
import fc from 'fast-check';
import {
  CorruptDocumentError,
  Document,
  entryOf,
  HashValue,
  ListValue,
  OutOfMemoryError,
  Seq,
  SetValue,
  StreamValue,
  ZSetValue,
  type Entry,
} from '../../lambda/document';
import { b, bytesArb } from './util';
import { entryBytes, wholeEntryJson } from '../../lambda/document-entry-json';

const hashOf = (pairs: [string, Buffer][]): HashValue => {
  const d = HashValue.EMPTY.draft();
  for (const [f, v] of pairs) d.set(f, v);
  return new HashValue(d.done());
};
const zsetOf = (pairs: [string, number][]): ZSetValue => {
  const d = ZSetValue.EMPTY.draft();
  for (const [m, s] of pairs) d.add(m, s);
  return d.done();
};
const listOf = (items: Buffer[]) => new ListValue(Seq.from(items));
const id = (ms: number, seq: number) => ({ ms: BigInt(ms), seq: BigInt(seq) });

const one = (e: Entry): string => {
  const doc = Document.empty();
  doc.put(b('k'), e);
  return doc.encode().toString('utf8');
};
const wrap = (entry: string) => `{"format":3,"clock":0,"seq":0,"commits":[],"data":{"k":${entry}},"data64":{}}`;
const doc3 = (entry: string) => Buffer.from(wrap(entry));

describe('format 3 shapes', () => {
  it('writes each type as documented, binary-safe, meta after the value', () => {
    expect(one(entryOf(hashOf([['f', b('v')], ['\xff', b([0x00, 0xfe])]]), { expiresAt: 7 }))).toBe(wrap('{"t":"hash","v":[["f","v"],[{"b64":"/w=="},{"b64":"AP4="}]],"x":7}'));
    expect(one(entryOf(listOf([b('a'), b([0x80]), b('a')])))).toBe(wrap('{"t":"list","v":["a",{"b64":"gA=="},"a"]}'));
    expect(one(entryOf(SetValue.of(['m'])))).toBe(wrap('{"t":"set","v":["m"]}'));
    expect(one(entryOf(zsetOf([['c', Infinity], ['a', 1.5], ['b', -Infinity], ['z', -0], ['y', 1e300]]), { stamp: 3 }))).toBe(
      wrap('{"t":"zset","v":[["b","-inf"],["z",-0],["a",1.5],["y",1e+300],["c","inf"]],"s":3}'),
    );
    const stream = new StreamValue(Seq.from([{ id: id(5, 1), fields: [b('f'), b('v'), b([0xff]), b('')] }]), id(5, 1), 3, id(4, 0));
    expect(one(entryOf(stream, { expiresAt: 9, stamp: 1 }))).toBe(wrap('{"t":"stream","v":[["5-1",["f","v",{"b64":"/w=="},""]]],"last":"5-1","added":3,"maxdel":"4-0","x":9,"s":1}'));
    expect(one(entryOf(StreamValue.EMPTY))).toBe(wrap('{"t":"stream","v":[],"last":"0-0","added":0,"maxdel":"0-0"}'));
  });

  it('any byte strings as fields, members, values and elements round-trip exactly, and re-encode to the same bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(bytesArb, bytesArb), { minLength: 1, maxLength: 20 }), fc.array(fc.double({ noNaN: true }), { minLength: 20, maxLength: 20 }), (pairs, scores) => {
        const doc = Document.empty();
        const fields = new Map(pairs.map(([f, v]) => [f.toString('latin1'), v]));
        doc.put(b('h'), entryOf(hashOf([...fields])));
        doc.put(b('l'), entryOf(listOf(pairs.map(([, v]) => v))));
        doc.put(b('s'), entryOf(SetValue.of(fields.keys())));
        doc.put(b('z'), entryOf(zsetOf([...fields.keys()].map((m, i) => [m, scores[i]]))));
        doc.put(b('x'), entryOf(new StreamValue(Seq.from(pairs.map(([f, v], i) => ({ id: id(1, i), fields: [f, v] }))), id(1, pairs.length), pairs.length, id(0, 0))));
        const body = Buffer.from(doc.encode());
        expect(doc.approxBytes).toBe(body.length);
        const back = Document.decode(body);
        expect(back.encode().equals(body)).toBe(true);
        const h = back.entry(b('h'));
        expect(h?.type === 'hash' && [...h.value.fields.entries()].sort()).toEqual([...fields].sort());
        const l = back.entry(b('l'));
        expect(l?.type === 'list' && l.value.items.toArray()).toEqual(pairs.map(([, v]) => v));
        const z = back.entry(b('z'));
        expect(z?.type === 'zset' && [...z.value.scores.entries()].sort()).toEqual([...fields.keys()].map((m, i) => [m, scores[i]]).sort());
      }),
      { numRuns: 60 },
    );
  });

  it('a change to a big aggregate re-encodes to what a fresh encode writes, and the size estimate stays exact', () => {
    const doc = Document.empty();
    doc.set(b('s'), b('str'));
    doc.put(b('h'), entryOf(hashOf(Array.from({ length: 5000 }, (_, i): [string, Buffer] => [`f${i}`, b(`v${i}`)]))));
    doc.put(b('z'), entryOf(zsetOf(Array.from({ length: 5000 }, (_, i): [string, number] => [`m${i}`, i % 97]))));
    doc.encode();
    for (let i = 0; i < 30; i++) {
      const h = doc.entry(b('h')) as Extract<Entry, { type: 'hash' }>;
      const d = h.value.draft();
      d.set(`f${i * 131}`, b(`changed ✓ ${i}`));
      d.delete(`f${i * 17 + 1}`);
      doc.put(b('h'), entryOf(new HashValue(d.done()), { expiresAt: i }));
      const z = doc.entry(b('z')) as Extract<Entry, { type: 'zset' }>;
      const zd = z.value.draft();
      zd.add(`m${i * 7}`, -i);
      zd.remove(`m${i * 11 + 3}`);
      doc.put(b('z'), entryOf(zd.done()));
      const body = doc.encode().toString('utf8');
      expect(doc.approxBytes).toBe(Buffer.byteLength(body));
      expect(Document.decode(Buffer.from(body)).encode().toString('utf8')).toBe(body);
    }
  });

  it('formats 1 and 2 still decode, and the next encode writes format 3', () => {
    const v2 = Document.decode(b('{"format":2,"clock":3,"seq":1,"commits":[],"data":{"a":{"v":"1","x":5}},"data64":{}}'));
    expect(JSON.parse(v2.encode().toString()).format).toBe(3);
  });
});

describe('format 3: what decode refuses', () => {
  it.each([
    ['an unknown type', '{"t":"bitmap","v":[]}', /has type "bitmap", which this version does not know/],
    ['an unknown field on a hash', '{"t":"hash","v":[["f","v"]],"y":1}', /unknown field "y"/],
    ['a stream field on a hash', '{"t":"hash","v":[["f","v"]],"last":"1-0"}', /unknown field "last"/],
    ['consumer groups (not known yet)', '{"t":"stream","v":[],"last":"0-0","added":0,"maxdel":"0-0","g":[]}', /unknown field "g"/],
    ['v not an array', '{"t":"set","v":{"m":1}}', /"v" is not an array/],
    ['an empty hash', '{"t":"hash","v":[]}', /it is empty/],
    ['an empty list', '{"t":"list","v":[]}', /it is empty/],
    ['a hash pair of three', '{"t":"hash","v":[["f","v","w"]]}', /not a \[field, value\] pair/],
    ['a hash field twice', '{"t":"hash","v":[["f","v"],["f","w"]]}', /a field twice/],
    ['a set member twice', '{"t":"set","v":["a","a"]}', /a member twice/],
    ['a set member a number', '{"t":"set","v":[1]}', /not a byte string/],
    ['a list element null', '{"t":"list","v":[null]}', /not a byte string/],
    ['a score as text', '{"t":"zset","v":[["a","1"]]}', /score/],
    ['a zset member twice', '{"t":"zset","v":[["a",1],["a",2]]}', /a member twice/],
    ['a stream id not ms-seq', '{"t":"stream","v":[["5",["f","v"]]],"last":"5-0","added":1,"maxdel":"0-0"}', /id is not "ms-seq"/],
    ['a stream id past 2^64', '{"t":"stream","v":[],"last":"18446744073709551616-0","added":0,"maxdel":"0-0"}', /"last"/],
    ['stream entries out of order', '{"t":"stream","v":[["2-0",["f","v"]],["1-0",["f","v"]]],"last":"2-0","added":2,"maxdel":"0-0"}', /ascending/],
    ['a stream entry with an odd field list', '{"t":"stream","v":[["1-0",["f"]]],"last":"1-0","added":1,"maxdel":"0-0"}', /field\/value pairs/],
    ['a stream entry past last', '{"t":"stream","v":[["3-0",["f","v"]]],"last":"2-0","added":1,"maxdel":"0-0"}', /past its "last"/],
    ['a stream without added', '{"t":"stream","v":[],"last":"0-0","maxdel":"0-0"}', /"added"/],
    ['an aggregate with a bad expiry', '{"t":"set","v":["a"],"x":"soon"}', /expiry/],
  ])('%s → CorruptDocumentError', (_, entry, message) => {
    expect(() => Document.decode(doc3(entry))).toThrow(CorruptDocumentError);
    expect(() => Document.decode(doc3(entry))).toThrow(message);
  });

  it('a format-2 document has strings only: an aggregate there is a type it does not know', () => {
    const body = b('{"format":2,"clock":0,"seq":0,"commits":[],"data":{"k":{"t":"set","v":["a"]}},"data64":{}}');
    expect(() => Document.decode(body)).toThrow(/has type "set", which this version does not know/);
  });

  it('an unsorted zset is put in order on decode', () => {
    const doc = Document.decode(doc3('{"t":"zset","v":[["b",2],["a",2],["c",1]]}'));
    const z = doc.entry(b('k'));
    expect(z?.type === 'zset' && z.value.order.toArray()).toEqual([{ m: 'c', s: 1 }, { m: 'a', s: 2 }, { m: 'b', s: 2 }]);
  });
});

describe('entries of every type in the document', () => {
  it('put() refuses an empty hash, list, set or zset (the key must be removed instead), but keeps an empty stream', () => {
    const doc = Document.empty();
    for (const v of [HashValue.EMPTY, ListValue.EMPTY, SetValue.EMPTY, ZSetValue.EMPTY]) expect(() => doc.put(b('k'), entryOf(v))).toThrow(RangeError);
    doc.put(b('k'), entryOf(StreamValue.EMPTY));
    expect(doc.entry(b('k'))?.type).toBe('stream');
  });

  it('put() refuses a value that is not of the type the entry names', () => {
    const bad = { type: 'hash', value: SetValue.of(['a']) } as unknown as Entry;
    expect(() => Document.empty().put(b('k'), bad)).toThrow(TypeError);
  });

  it('the size cap counts an aggregate by its encoded bytes, and rollback restores the old value and size', () => {
    const doc = Document.empty();
    doc.put(b('h'), entryOf(hashOf([['f0', b('v')]])));
    doc.encode();
    const size = doc.approxBytes;
    doc.maxBytes = size + 30;
    const grow = (n: number) => entryOf(hashOf(Array.from({ length: n }, (_, i): [string, Buffer] => [`f${i}`, b('v')])));
    expect(() => doc.put(b('h'), grow(10))).toThrow(OutOfMemoryError);
    doc.begin();
    doc.put(b('h'), grow(2));
    expect(doc.approxBytes).toBe(size + ',["f1","v"]'.length);
    doc.rollback();
    expect(doc.approxBytes).toBe(size);
    const h = doc.entry(b('h'));
    expect(h?.type === 'hash' && h.value.size).toBe(1);
  });
});

describe('sizes of aggregates', () => {
  it("entryBytes is exactly the UTF-8 length of an aggregate entry's JSON, meta included, and a write adds to the size estimate exactly what it adds to db.json (property)", () => {
    const meta = fc.record({ expiresAt: fc.option(fc.integer({ min: -1e15, max: 1e15 }), { nil: undefined }), stamp: fc.option(fc.nat(), { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(fc.tuple(bytesArb, bytesArb), { minLength: 1, maxLength: 12 }), fc.double({ noNaN: true }), meta, bytesArb, (pairs, score, m, key) => {
        const fields = new Map(pairs.map(([f, v]) => [f.toString('latin1'), v]));
        const entries = [
          entryOf(hashOf([...fields]), m),
          entryOf(listOf(pairs.map(([, v]) => v)), m),
          entryOf(SetValue.of(fields.keys()), m),
          entryOf(zsetOf([...fields.keys()].map((f, i) => [f, i === 0 ? score : i])), m),
          entryOf(new StreamValue(Seq.from(pairs.map(([f, v], i) => ({ id: id(7, i), fields: [f, v] }))), id(7, pairs.length), pairs.length, id(0, 0)), m),
        ];
        // Both sections non-empty, so each entry's cost is its fragment and one separator; encode() makes the estimate exact.
        const doc = Document.empty();
        doc.set(b('seed'), b('v'));
        doc.set(b([0xff]), b('v'));
        doc.encode();
        entries.forEach((e, i) => {
          expect(entryBytes(e)).toBe(Buffer.byteLength(wholeEntryJson(e)));
          // Keys valid UTF-8 or not (data or data64); added, then replaced by a copy with other meta.
          const k = Buffer.concat([key, b(String(i))]);
          doc.put(k, e);
          expect(doc.approxBytes).toBe(doc.encode().length);
          doc.put(k, entryOf(e.value, { expiresAt: 1234567, stamp: m.stamp === undefined ? 1 : undefined }));
          expect(doc.approxBytes).toBe(doc.encode().length);
        });
      }),
      { numRuns: 80 },
    );
  });
});
