/** The db.json codec: byte-exact round trips, readability, format guard, commit window, transactions, size cap. */
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { CorruptDocumentError, Document, FORMAT_VERSION, OutOfMemoryError, UnknownFormatError, type CommitRecord } from '../../lambda/document';
import { b, bytesArb, canonical, SPECIAL_BYTES } from './util';

const pairsArb = fc.array(fc.tuple(bytesArb, bytesArb), { maxLength: 30 });

/** The expected final map (last write wins), keyed by hex. */
function model(pairs: [Buffer, Buffer][]): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const [k, v] of pairs) m.set(k.toString('hex'), v);
  return m;
}

function build(pairs: [Buffer, Buffer][]): Document {
  const doc = Document.empty();
  for (const [k, v] of pairs) doc.set(k, v);
  return doc;
}

function parsed(doc: Document): { format: unknown; commits: CommitRecord[]; data: Record<string, unknown>; data64: Record<string, unknown> } {
  return JSON.parse(doc.encode().toString('utf8'));
}

const rec = (id: string, at: number, r: CommitRecord['r'] = [['+OK']]): CommitRecord => ({ id, at, r });

describe('round trip', () => {
  it('every byte string survives encode → decode byte-exact (property)', () => {
    fc.assert(
      fc.property(pairsArb, (pairs) => {
        const expected = model(pairs);
        const back = Document.decode(build(pairs).encode());
        // Plain comparisons in the loop (expect() per key is slow over hundreds of runs).
        const wrong = [...expected].filter(([hex, v]) => !back.get(Buffer.from(hex, 'hex'))?.equals(v));
        expect(wrong).toEqual([]);
        expect(back.size).toBe(expected.size);
        // Decoding and re-encoding is stable in meaning (a second round trip changes nothing).
        expect(canonical(Document.decode(back.encode()))).toBe(canonical(back));
      }),
      { numRuns: 200 },
    );
  });

  it('each special byte string round-trips as key and as value', () => {
    const doc = Document.empty();
    SPECIAL_BYTES.forEach((k, i) => doc.set(k, SPECIAL_BYTES[(i + 3) % SPECIAL_BYTES.length]));
    const back = Document.decode(doc.encode());
    expect(back.size).toBe(SPECIAL_BYTES.length);
    SPECIAL_BYTES.forEach((k, i) => expect(back.get(k)).toEqual(SPECIAL_BYTES[(i + 3) % SPECIAL_BYTES.length]));
  });

  it('"__proto__" is an ordinary key, not a prototype', () => {
    const doc = Document.empty();
    doc.set(b('__proto__'), b('{"polluted":1}'));
    const back = Document.decode(doc.encode());
    expect(back.get(b('__proto__'))?.toString()).toBe('{"polluted":1}');
    expect(back.has(b('polluted'))).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a stored value is a copy: changing the caller’s buffer afterwards changes nothing', () => {
    const doc = Document.empty();
    const v = b('abc');
    doc.set(b('k'), v);
    v[0] = 0x7a;
    expect(doc.get(b('k'))?.toString()).toBe('abc');
  });
});

describe('readable JSON', () => {
  it('UTF-8 keys and values are plain JSON strings in "data" (property)', () => {
    const utf8 = fc.string({ unit: 'grapheme', maxLength: 12 });
    fc.assert(
      fc.property(fc.dictionary(utf8, utf8, { maxKeys: 10 }), (dict) => {
        const doc = Document.empty();
        for (const [k, v] of Object.entries(dict)) doc.set(Buffer.from(k), Buffer.from(v));
        const text = doc.encode().toString('utf8');
        const json = JSON.parse(text);
        expect(json.data64).toEqual({});
        expect(Object.keys(json.data).sort()).toEqual(Object.keys(dict).sort());
        for (const [k, v] of Object.entries(dict)) {
          expect(json.data[k]).toBe(v);
          // Readable in the file itself, not only after parsing: the text carries the string as JSON writes it.
          expect(text).toContain(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
        }
      }),
    );
  });

  it('a non-UTF-8 value becomes {"b64"}, a non-UTF-8 key goes to data64', () => {
    const doc = Document.empty();
    doc.set(b('text'), b([0x00, 0xff]));
    doc.set(b([0xff, 0xfe]), b('readable'));
    doc.set(b([0xc3]), b([0x80, 0x81]));
    const json = parsed(doc);
    expect(json.data).toEqual({ text: { b64: 'AP8=' } });
    expect(json.data64).toEqual({ '//4=': 'readable', 'ww==': { b64: 'gIE=' } });
  });

  it('key placement follows UTF-8 validity exactly (property)', () => {
    fc.assert(
      fc.property(bytesArb, bytesArb, (k, v) => {
        const doc = Document.empty();
        doc.set(k, v);
        const json = parsed(doc);
        const slot = isUtf8(k) ? json.data[k.toString('utf8')] : json.data64[k.toString('base64')];
        expect(slot).toEqual(isUtf8(v) ? v.toString('utf8') : { b64: v.toString('base64') });
      }),
    );
  });

  it('the body is always valid UTF-8 JSON, whatever the bytes', () => {
    fc.assert(
      fc.property(pairsArb, (pairs) => {
        const body = build(pairs).encode();
        expect(isUtf8(body)).toBe(true);
        expect(() => JSON.parse(body.toString('utf8'))).not.toThrow();
      }),
    );
  });
});

describe('format guard', () => {
  it.each([5, 0, '2', null, undefined])('format %p → UnknownFormatError naming it', (format) => {
    const body = Buffer.from(JSON.stringify({ format, commits: [], data: { a: '1' }, data64: {} }));
    expect(() => Document.decode(body)).toThrow(UnknownFormatError);
    expect(() => Document.decode(body)).toThrow(/refusing to touch it/);
  });

  it('the message says which format it found and which it knows', () => {
    const body = Buffer.from('{"format":5,"commits":[],"data":{},"somethingNew":{}}');
    expect(() => Document.decode(body)).toThrow('db.json has format 5, this version understands 1, 2, 3, 4 only');
    expect(FORMAT_VERSION).toBe(3);
  });

  it.each([
    ['truncated JSON', '{"format":1,"commits":[],"da'],
    ['not an object', '"hello"'],
    ['null', 'null'],
    ['data missing', '{"format":1,"commits":[]}'],
    ['data is an array', '{"format":1,"commits":[],"data":[]}'],
    ['commits not an array', '{"format":1,"commits":{},"data":{}}'],
    ['a value of the wrong type', '{"format":1,"commits":[],"data":{"a":1}}'],
    ['b64 not a string', '{"format":1,"commits":[],"data":{"a":{"b64":1}}}'],
    ['commit without id', '{"format":1,"commits":[{"at":1,"r":[]}],"data":{}}'],
    ['commit without replies', '{"format":1,"commits":[{"id":"x","at":1}],"data":{}}'],
  ])('%s → CorruptDocumentError', (_, text) => {
    expect(() => Document.decode(Buffer.from(text))).toThrow(CorruptDocumentError);
  });

  it('a body that is not valid UTF-8 is corrupt, not silently repaired with U+FFFD', () => {
    const body = Buffer.concat([b('{"format":1,"commits":[],"data":{"k":"'), b([0xff]), b('"},"data64":{}}')]);
    expect(() => Document.decode(body)).toThrow(CorruptDocumentError);
  });

  it('data64 is optional on read (hand-written documents)', () => {
    const doc = Document.decode(b('{"format":1,"commits":[],"data":{"a":"1"}}'));
    expect(doc.get(b('a'))?.toString()).toBe('1');
  });
});

describe('commit window', () => {
  const withCommits = (n: number, at: (i: number) => number) => {
    const doc = Document.empty();
    for (let i = 0; i < n; i++) doc.recordCommit(rec(`c${i}`, at(i)));
    return doc;
  };

  it('drops ids older than retainMs, but always keeps the newest', () => {
    const doc = withCommits(5, (i) => i * 1000);
    doc.trimCommits(5000, { retainMs: 2500, maxEntries: 100, withReplies: 100 });
    expect(doc.commits.map((c) => c.id)).toEqual(['c3', 'c4']);
    expect(doc.hasCommit('c2')).toBeUndefined();
    expect(doc.hasCommit('c3')?.id).toBe('c3');

    doc.trimCommits(1e9, { retainMs: 1, maxEntries: 100, withReplies: 100 });
    expect(doc.commits.map((c) => c.id)).toEqual(['c4']);
  });

  it('keeps at most maxEntries ids, newest last', () => {
    const doc = withCommits(10, () => 0);
    doc.trimCommits(0, { retainMs: 1e9, maxEntries: 3, withReplies: 100 });
    expect(doc.commits.map((c) => c.id)).toEqual(['c7', 'c8', 'c9']);
    expect(parsed(doc).commits.map((c) => c.id)).toEqual(['c7', 'c8', 'c9']);
  });

  it('older records lose their replies; their ids stay', () => {
    const doc = withCommits(6, () => 0);
    doc.trimCommits(0, { retainMs: 1e9, maxEntries: 100, withReplies: 2 });
    expect(doc.commits.map((c) => c.r)).toEqual([[], [], [], [], [['+OK']], [['+OK']]]);
    for (let i = 0; i < 6; i++) expect(doc.hasCommit(`c${i}`)).toBeDefined();
    const back = Document.decode(doc.encode());
    expect(back.commits.map((c) => [c.id, c.r.length])).toEqual([['c0', 0], ['c1', 0], ['c2', 0], ['c3', 0], ['c4', 1], ['c5', 1]]);
  });

  it('an id recorded twice stays known after one of its records is rolled back or trimmed', () => {
    const doc = Document.empty();
    doc.recordCommit(rec('Q', 0));
    doc.begin();
    doc.recordCommit(rec('Q', 1));
    doc.rollback();
    expect(doc.hasCommit('Q')).toBeDefined();
    doc.recordCommit(rec('R', 50));
    doc.recordCommit(rec('Q', 100));
    doc.trimCommits(100, { retainMs: 10, maxEntries: 100, withReplies: 100 });
    expect(doc.commits.map((c) => c.id)).toEqual(['Q']);
    expect(doc.hasCommit('Q')?.at).toBe(100);
    expect(doc.hasCommit('R')).toBeUndefined();
  });

  it('commit records survive a round trip unchanged', () => {
    const doc = Document.empty();
    const r: CommitRecord = { id: 'batch-1', at: 123, a: 'tok', r: [['+OK', 2, null, '-ERR syntax error']] };
    doc.recordCommit(r);
    expect(Document.decode(doc.encode()).hasCommit('batch-1')).toEqual(r);
  });
});

type Op =
  | { op: 'set'; k: Buffer; v: Buffer }
  | { op: 'del'; k: Buffer }
  | { op: 'clear' }
  | { op: 'commit'; id: string }
  | { op: 'partial' }; // mark, more writes, rollback to the mark

const keyArb = fc.oneof(fc.constantFrom(b('a'), b('b'), b([0xff]), b('')), bytesArb);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('set' as const), k: keyArb, v: bytesArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('del' as const), k: keyArb }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('commit' as const), id: fc.string({ minLength: 1, maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'partial' as const }) },
);

function apply(doc: Document, ops: Op[]): void {
  for (const o of ops) {
    if (o.op === 'set') doc.set(o.k, o.v);
    else if (o.op === 'del') doc.delete(o.k);
    else if (o.op === 'clear') doc.clear();
    else if (o.op === 'commit') doc.recordCommit(rec(o.id, 1));
    else {
      const before = canonical(doc);
      const m = doc.mark();
      doc.set(b('partial'), b('x'));
      doc.delete(b('a'));
      doc.rollback(m);
      // rollback(m) with m = 0 ends the transaction; only then is there nothing left to check against.
      expect(canonical(doc)).toBe(before);
      if (m === 0) doc.begin();
    }
  }
}

describe('transactions', () => {
  const startArb = fc.tuple(pairsArb, fc.array(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 4 }));

  it('random operations then rollback() restore the original document (property)', () => {
    fc.assert(
      fc.property(startArb, fc.array(opArb, { maxLength: 25 }), ([pairs, ids], ops) => {
        const doc = build(pairs);
        ids.forEach((id) => doc.recordCommit(rec(id, 0)));
        const original = canonical(doc);
        const size = doc.size;
        doc.begin();
        apply(doc, ops);
        doc.rollback();
        expect(canonical(doc)).toBe(original);
        expect(doc.size).toBe(size);
        for (const id of ids) expect(doc.hasCommit(id)).toBeDefined();
        for (const o of ops) if (o.op === 'commit' && !ids.includes(o.id)) expect(doc.hasCommit(o.id)).toBeUndefined();
        expect(doc.mark()).toBe(0); // the transaction is over
      }),
      { numRuns: 300 },
    );
  });

  it('release() keeps the changes; a later rollback() does nothing', () => {
    const doc = build([[b('a'), b('1')]]);
    doc.begin();
    doc.set(b('b'), b('2'));
    doc.delete(b('a'));
    doc.release();
    doc.rollback();
    expect(doc.has(b('a'))).toBe(false);
    expect(doc.get(b('b'))?.toString()).toBe('2');
  });

  it('rollback(mark) undoes only what came after the mark', () => {
    const doc = build([[b('a'), b('1')]]);
    doc.begin();
    doc.set(b('b'), b('2'));
    const m = doc.mark();
    doc.set(b('a'), b('changed'));
    doc.clear();
    doc.set(b('c'), b('3'));
    doc.rollback(m);
    expect(doc.get(b('a'))?.toString()).toBe('1');
    expect(doc.get(b('b'))?.toString()).toBe('2');
    expect(doc.has(b('c'))).toBe(false);
    expect(doc.mark()).toBe(m);
    doc.rollback();
    expect(doc.has(b('b'))).toBe(false);
  });

  it('mark() is 0 until something changed: the handler reads it as "nothing to commit"', () => {
    const doc = build([[b('a'), b('1')]]);
    doc.begin();
    expect(doc.mark()).toBe(0);
    doc.get(b('a'));
    doc.delete(b('missing'));
    expect(doc.mark()).toBe(0);
    doc.delete(b('a'));
    expect(doc.mark()).toBe(1);
  });

  it('clear() of an empty keyspace records no change', () => {
    const doc = Document.empty();
    doc.begin();
    doc.clear();
    expect(doc.mark()).toBe(0);
  });
});

describe('size cap', () => {
  it('set() past maxBytes throws OutOfMemoryError and leaves the document unchanged', () => {
    const doc = build([[b('a'), b('1')]]);
    doc.maxBytes = doc.encode().length + 40;
    doc.begin();
    doc.set(b('b'), Buffer.alloc(10, 0x61)); // fits
    const before = canonical(doc);
    const mark = doc.mark();
    expect(() => doc.set(b('c'), Buffer.alloc(100, 0x61))).toThrow(OutOfMemoryError);
    expect(() => doc.set(b('b'), Buffer.alloc(100, 0x61))).toThrow(OutOfMemoryError);
    expect(canonical(doc)).toBe(before);
    expect(doc.mark()).toBe(mark); // nothing logged for the refused writes
  });

  it('writes that shrink or keep the size are allowed at the cap; deletes always are', () => {
    const doc = build([[b('a'), Buffer.alloc(50, 0x61)]]);
    doc.maxBytes = doc.encode().length;
    expect(() => doc.set(b('a'), Buffer.alloc(10, 0x62))).not.toThrow();
    expect(() => doc.set(b('a'), Buffer.alloc(10, 0x63))).not.toThrow();
    expect(doc.delete(b('a'))).toBe(true);
    doc.maxBytes = 1;
    expect(() => doc.clear()).not.toThrow();
  });

  it('the cap counts UTF-8 bytes: multi-byte text cannot overshoot it', () => {
    const doc = Document.empty();
    doc.maxBytes = 1000;
    // 3 bytes per character in UTF-8, 1 UTF-16 unit: 600 bytes per value.
    const text = Buffer.from('日'.repeat(200));
    doc.set(b('a'), text);
    expect(() => doc.set(b('b'), text)).toThrow(OutOfMemoryError);
    expect(doc.encode().length).toBeLessThanOrEqual(1000);
  });

  it('approxBytes tracks the encoded size within a few % (property)', () => {
    const seqArb = fc.array(fc.oneof(opArb.filter((o) => o.op !== 'partial'), fc.constant({ op: 'trim' as const })), { maxLength: 40 });
    fc.assert(
      fc.property(pairsArb, seqArb, (pairs, ops) => {
        const doc = build(pairs);
        for (const o of ops) {
          if (o.op === 'trim') doc.trimCommits(10, { retainMs: 5, maxEntries: 3, withReplies: 1 });
          else apply(doc, [o]);
        }
        const approx = doc.approxBytes;
        const actual = doc.encode().length;
        // Fixed slack for the envelope and separators, then a few % of the size.
        expect(Math.abs(approx - actual)).toBeLessThanOrEqual(24 + actual * 0.03);
      }),
      { numRuns: 300 },
    );
  });

  it('after decode, approxBytes is exact', () => {
    const body = build([[b('k'), b('日本')]]).encode();
    expect(Document.decode(body).approxBytes).toBe(body.length);
  });
});
