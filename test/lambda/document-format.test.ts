/** db.json formats 2 and 3 (strings) and the entry API: expiry, stamps, clock, seq, undo of all of them, the upgrade from format 1. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { CorruptDocumentError, Document, UnknownFormatError, type CommitRecord, type Entry } from '../../lambda/document';
import { b, bytesArb } from './util';
import { entryBytes, entryJson } from '../../lambda/document-entry-json';
import { stringBytes } from '../../lambda/document-json';

const fixture = (name: string): Buffer => readFileSync(path.join(__dirname, 'fixtures', name));
const utf = (s: string): Buffer => Buffer.from(s, 'utf8');
const str = (value: Buffer, meta: { expiresAt?: number; stamp?: number } = {}): Entry => ({ type: 'string', value, ...meta });

interface Plain {
  type: string;
  value: string;
  expiresAt?: number;
  stamp?: number;
}

/** An entry as comparable data: value in hex, meta fields only when set. */
function plain(e: Readonly<Entry>): Plain {
  const p: Plain = { type: e.type, value: e.value.toString('hex') };
  if (e.expiresAt !== undefined) p.expiresAt = e.expiresAt;
  if (e.stamp !== undefined) p.stamp = e.stamp;
  return p;
}

/** Everything the document holds, read through its API, order-independent. */
function contents(doc: Document) {
  const entries: [string, Plain][] = [];
  for (const k of doc.keys()) entries.push([k.toString('hex'), plain(doc.entry(k) as Entry)]);
  entries.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return { clock: doc.clock, seq: doc.seq, size: doc.size, commits: JSON.parse(JSON.stringify(doc.commits)) as CommitRecord[], entries };
}

/** The plain-string content of both fixtures, written by the format-1 encoder. */
const FORMAT_1_ENTRIES: [Buffer, Buffer][] = [
  [b('user:1'), b('Ada')],
  [utf('héllo'), utf('wörld ✓ 日本 🎉')],
  [b('empty'), Buffer.alloc(0)],
  [b('blob'), b([0x00, 0xff, 0x0d, 0x0a])],
  [b('json'), b('{"b64":"AA=="}')],
  [b('__proto__'), b('"quoted"\\\n\t\u0001')],
  [b('42'), b('0')],
  [b([0xff, 0xfe]), b('readable')],
  [b([0xc3]), b([0x80, 0x81])],
  [b([0x00, 0xff]), Buffer.alloc(0)],
];
const FORMAT_1_COMMITS: CommitRecord[] = [
  { id: 'kX3v9Q-40', at: 1795829156000, r: [] },
  { id: 'kX3v9Q-41', at: 1795829156606, a: 'RnbYVcWL', r: [['+OK', 1], [null, '-ERR syntax error']] },
];

describe('upgrade from format 1', () => {
  const body = fixture('db-format-1.json');

  it('the fixture really is format 1', () => {
    expect(JSON.parse(body.toString('utf8')).format).toBe(1);
  });

  it('decodes every key and value exactly, with clock 0, seq 0, no expiry, no stamp', () => {
    const doc = Document.decode(body);
    expect(doc.size).toBe(FORMAT_1_ENTRIES.length);
    for (const [k, v] of FORMAT_1_ENTRIES) expect([k.toString('hex'), plain(doc.entry(k) as Entry)]).toEqual([k.toString('hex'), plain(str(v))]);
    expect([doc.clock, doc.seq]).toEqual([0, 0]);
    expect(doc.commits).toEqual(FORMAT_1_COMMITS);
  });

  it('encodes as format 3, which decodes to the same content', () => {
    const doc = Document.decode(body);
    const upgraded = doc.encode();
    const json = JSON.parse(upgraded.toString('utf8'));
    expect([json.format, json.clock, json.seq]).toEqual([3, 0, 0]);
    // Plain strings stay bare values: a format-1 reader of the data would still see them.
    expect(json.data['user:1']).toBe('Ada');
    expect(json.data.blob).toEqual({ b64: 'AP8NCg==' });
    expect(contents(Document.decode(upgraded))).toEqual(contents(Document.decode(body)));
  });

  it('a wrapped entry in a format-1 document is corrupt, not an upgrade', () => {
    expect(() => Document.decode(b('{"format":1,"commits":[],"data":{"a":{"v":"1","x":5}}}'))).toThrow(CorruptDocumentError);
  });
});

describe('format 2', () => {
  const body = fixture('db-format-2.json');
  const extra: [Buffer, Entry][] = [
    [b('session:9'), str(utf('token-ä'), { expiresAt: 1795829220000 })],
    [b('counter'), str(b('17'), { stamp: 1041 })],
    [b('lock'), str(b('owner-1'), { expiresAt: 1795829165000, stamp: 1042 })],
    [b('bin-ttl'), str(b([0xff, 0x00]), { expiresAt: 1795829999999 })],
    [b([0xfe, 0x01]), str(Buffer.alloc(0), { stamp: 7 })],
  ];

  it('the fixture decodes to its entries, expiries, stamps, clock, seq and commits', () => {
    const doc = Document.decode(body);
    expect([doc.clock, doc.seq, doc.size]).toEqual([1795829160250, 1042, FORMAT_1_ENTRIES.length + extra.length]);
    for (const [k, v] of FORMAT_1_ENTRIES) expect(plain(doc.entry(k) as Entry)).toEqual(plain(str(v)));
    for (const [k, e] of extra) expect(plain(doc.entry(k) as Entry)).toEqual(plain(e));
    expect(doc.commits.map((c) => c.id)).toEqual(['kX3v9Q-40', 'kX3v9Q-41', 'kX3v9Q-42']);
  });

  it('re-encoding the fixture gives the same bytes but the version: format 3 is format 2 plus new types', () => {
    expect(Document.decode(body).encode().toString('utf8')).toBe(body.toString('utf8').replace('{"format":2,', '{"format":3,'));
  });

  it('writes the documented shape: fields only when set', () => {
    const one = (e: Entry) => {
      const doc = Document.empty();
      doc.clock = 5;
      doc.seq = 2;
      doc.put(b('k'), e);
      return doc.encode().toString('utf8');
    };
    const wrap = (entry: string) => `{"format":3,"clock":5,"seq":2,"commits":[],"data":{"k":${entry}},"data64":{}}`;
    expect(one(str(b('1')))).toBe(wrap('"1"'));
    expect(one(str(b([0xff])))).toBe(wrap('{"b64":"/w=="}'));
    expect(one(str(b('1'), { expiresAt: 10 }))).toBe(wrap('{"v":"1","x":10}'));
    expect(one(str(b('1'), { stamp: 2 }))).toBe(wrap('{"v":"1","s":2}'));
    expect(one(str(b([0xff]), { expiresAt: 10, stamp: 0 }))).toBe(wrap('{"v":{"b64":"/w=="},"x":10,"s":0}'));
  });

  it('an empty document', () => {
    expect(Document.empty().encode().toString('utf8')).toBe('{"format":3,"clock":0,"seq":0,"commits":[],"data":{},"data64":{}}');
  });

  const doc2 = (data: string, top = '"clock":0,"seq":0') => b(`{"format":2,${top},"commits":[],"data":${data},"data64":{}}`);

  it.each([
    ['clock missing', doc2('{}', '"seq":0')],
    ['seq missing', doc2('{}', '"clock":0')],
    ['clock a string', doc2('{}', '"clock":"0","seq":0')],
    ['seq negative', doc2('{}', '"clock":0,"seq":-1')],
    ['clock fractional', doc2('{}', '"clock":1.5,"seq":0')],
    ['unknown entry field', doc2('{"a":{"v":"1","y":2}}')],
    ['expiry not a number', doc2('{"a":{"v":"1","x":"soon"}}')],
    ['expiry fractional', doc2('{"a":{"v":"1","x":1.5}}')],
    ['stamp negative', doc2('{"a":{"v":"1","s":-1}}')],
    ['value missing', doc2('{"a":{"x":5}}')],
    ['value a number', doc2('{"a":{"v":1}}')],
    ['value an array', doc2('{"a":["1"]}')],
    ['b64 with meta beside it', doc2('{"a":{"b64":"/w==","x":5}}')],
  ])('%s → CorruptDocumentError', (_, body) => {
    expect(() => Document.decode(body)).toThrow(CorruptDocumentError);
  });

  it('an unknown type is corrupt, and the message names the key and its type', () => {
    expect(() => Document.decode(doc2('{"h":{"t":"hash","v":{"f":"1"}}}'))).toThrow('db.json: key "h" has type "hash", which this version does not know');
    const bin = b(`{"format":2,"clock":0,"seq":0,"commits":[],"data":{},"data64":{"/w==":{"t":"zset","v":[],"z":1}}}`);
    expect(() => Document.decode(bin)).toThrow('data64 key "/w==" has type "zset"');
  });

  it('"t":"string" and a wrapped entry without meta are accepted (hand-written documents)', () => {
    const doc = Document.decode(doc2('{"a":{"t":"string","v":"1"},"b":{"v":{"b64":"/w=="}}}'));
    expect(plain(doc.entry(b('a')) as Entry)).toEqual(plain(str(b('1'))));
    expect(doc.get(b('b'))).toEqual(b([0xff]));
  });

  it('an unknown format is still refused', () => {
    expect(() => Document.decode(b('{"format":5,"clock":0,"seq":0,"commits":[],"data":{}}'))).toThrow(UnknownFormatError);
  });
});

const stampArb = fc.option(fc.maxSafeNat(), { nil: undefined });
const expiryArb = fc.option(fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.maxSafeInteger()), { nil: undefined });
const entryArb: fc.Arbitrary<Entry> = fc.record({ type: fc.constant('string' as const), value: bytesArb, expiresAt: expiryArb, stamp: stampArb });
const keyArb = fc.oneof(fc.constantFrom(b('a'), b('b'), b([0xff]), b('')), bytesArb);

describe('round trip', () => {
  it('any byte keys and values with any expiry and stamp, clock and seq round-trip exactly (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(keyArb, entryArb), { maxLength: 30 }), fc.maxSafeNat(), fc.maxSafeNat(), (pairs, clock, seq) => {
        const doc = Document.empty();
        const model = new Map<string, Plain>();
        for (const [k, e] of pairs) {
          doc.put(k, e);
          model.set(k.toString('hex'), plain(e));
        }
        doc.clock = clock;
        doc.seq = seq;
        const back = contents(Document.decode(doc.encode()));
        expect(back.entries).toEqual([...model].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
        expect([back.clock, back.seq, back.size]).toEqual([clock, seq, model.size]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('sizes measured without encoding', () => {
  it('stringBytes and entryBytes equal the UTF-8 length of the JSON they stand for (property)', () => {
    const utf8 = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary-ascii', maxLength: 20 })).map((s) => Buffer.from(s, 'utf8'));
    const bytes = fc.oneof(utf8, fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)));
    const meta = fc.option(fc.integer({ min: -1e15, max: 1e15 }), { nil: undefined });
    fc.assert(
      fc.property(utf8, bytes, meta, fc.option(fc.nat(), { nil: undefined }), (s, value, expiresAt, stamp) => {
        expect(stringBytes(s)).toBe(Buffer.byteLength(JSON.stringify(s.toString('utf8'))));
        const e: Entry = { type: 'string', value, ...(expiresAt === undefined ? {} : { expiresAt }), ...(stamp === undefined ? {} : { stamp }) };
        expect(entryBytes(e)).toBe(Buffer.byteLength(entryJson(e)));
      }),
    );
    for (let c = 0; c < 0x80; c++) expect(stringBytes(Buffer.from([c]))).toBe(Buffer.byteLength(JSON.stringify(String.fromCharCode(c))));
  });
});
