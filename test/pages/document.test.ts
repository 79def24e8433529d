/**
 * Format 4 in the Document (layout.ts §1, §12): format 3 stays byte for byte
 * while nothing is paged; a format-4 root (inline databases, a paged one,
 * retired records) round-trips byte for byte; writes to a paged database's
 * resolved keys become log records (the commit's seq, the right p), undo
 * with the transaction, keep the size running exactly, and read back cold
 * through the pages; what was not resolved is refused, never guessed.
 */
import fc from 'fast-check';
import { CorruptDocumentError, Document, NotResolvedError, OutOfMemoryError, type Entry } from '../../lambda/document';
import { PageMissingError } from '../../lambda/pages/codec';
import { applyFold, fold } from '../../lambda/pages/fold';
import { PageReader, resolve } from '../../lambda/pages/keyspace';
import type { PageLimits } from '../../lambda/pages/layout';
import { Log, recordBytes } from '../../lambda/pages/log';
import { dbSize, emptyRoot, encodeRoot, expiresCount, writeRecord, type PagedRoot } from '../../lambda/pages/root';
import { b, bytesArb } from '../lambda/util';
import { entryArb, form } from './entries';

const TINY: PageLimits = { leafMaxBytes: 200, nodeMaxLeaves: 3, leafMinRecords: 2, nodeBufferMaxBytes: 300 };
const PAGED = 3;
const str = (v: string, expiresAt?: number): Entry => (expiresAt === undefined ? { type: 'string', value: b(v) } : { type: 'string', value: b(v), expiresAt });

/** Pages by name, and a reader over them. */
function bucket(): { pages: Map<string, Buffer>; reader: () => PageReader } {
  const pages = new Map<string, Buffer>();
  const reader = () =>
    new PageReader(async (n) => {
      const p = pages.get(n);
      if (!p) throw new PageMissingError(n);
      return p;
    });
  return { pages, reader };
}

/** Database PAGED of `n` keys folded into pages, then a few log records over them. */
async function pagedRoot(n: number, pages: Map<string, Buffer>, reader: PageReader): Promise<PagedRoot> {
  const root = emptyRoot();
  for (let i = 0; i < n; i++) writeRecord(root, PAGED, `k${i}`, str(`v${i}`, i % 3 === 0 ? 10_000 + i : undefined), 0, 1);
  const delta = await fold(root, PAGED, reader, { limits: TINY, now: 0 });
  for (const [name, bytes] of delta?.pages ?? []) pages.set(name, bytes);
  expect(applyFold(root, delta!, 2, 0)).toBe(true);
  for (const [k, e] of [['k1', str('new')], ['k2', null], ['fresh', str('f', 99)]] as [string, Entry | null][]) {
    const found = (await resolve(root, PAGED, [k], reader)).get(k)!;
    writeRecord(root, PAGED, k, e, found.below, 3);
  }
  root.retired.push([5, ['cccccccccccccccc-retired1']]);
  return root;
}

/** A body's JSON with object members and log records in order: equal for the same document. */
function canon(body: Buffer): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [c]) => (a < c ? -1 : 1)).map(([k, x]) => [k, sort(x)])) : v;
  const doc = JSON.parse(body.toString()) as { pages?: Record<string, { log: unknown[] }> };
  for (const d of Object.values(doc.pages ?? {})) d.log.sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
  return JSON.stringify(sort(doc));
}

/** A format-4 body: a format-3 document's members, then the paged ones. */
function format4(flat: Document, root: PagedRoot): Buffer {
  const text = flat.encode().toString('utf8');
  return Buffer.from(`{"format":4,${text.slice('{"format":3,'.length, -1)},${encodeRoot(root)}}`);
}

function inlineDoc(): Document {
  const d = Document.empty();
  d.set(b('a'), b('1'));
  d.put(b('\xff\x00'), str('bin', 123));
  d.set(b('other'), b('x'), undefined, 7);
  d.seq = 3;
  d.clock = 77;
  return d;
}

describe('format 3 stays format 3, byte for byte', () => {
  it('any document with nothing paged encodes format 3, decodes and re-encodes to the same bytes, its size as before', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(0, 1, 5, 15), bytesArb, fc.option(entryArb, { nil: null })), { maxLength: 30 }), (ops) => {
        const doc = Document.empty();
        for (const [db, k, e] of ops) (e ? doc.put(k, e, db) : doc.delete(k, db));
        // Before encoding, format 3's estimate may count a separator its first entry does without.
        const size = doc.approxBytes;
        const body = Buffer.from(doc.encode());
        expect(size - body.length).toBeGreaterThanOrEqual(0);
        expect(size - body.length).toBeLessThanOrEqual(17);
        expect(body.subarray(0, 11).toString()).toBe('{"format":3');
        expect(doc.pagedFormat).toBe(false);
        const back = Document.decode(body);
        expect(back.approxBytes).toBe(body.length);
        expect(back.encode().equals(body)).toBe(true);
      }),
    );
  });
});

describe('format 4', () => {
  it('a root with inline databases, a paged one and retired pages round-trips byte for byte; counts from the root', async () => {
    const { pages, reader } = bucket();
    const root = await pagedRoot(20, pages, reader());
    const body = format4(inlineDoc(), root);
    const doc = Document.decode(body);
    expect(doc.isPaged(PAGED)).toBe(true);
    expect(doc.isPaged(0)).toBe(false);
    expect(doc.approxBytes).toBe(body.length);
    expect(doc.encode().equals(body)).toBe(true);
    // 20 paged, one deleted, one new; two inline in db 0, one in db 7.
    expect(doc.sizeOf(PAGED)).toBe(20);
    expect(doc.sizeOf(PAGED)).toBe(dbSize(root, PAGED));
    expect(doc.expiringCount(PAGED)).toBe(expiresCount(root, PAGED));
    expect(doc.size).toBe(23);
    expect(doc.keyspaceStats(0).map((s) => [s.db, s.keys])).toEqual([[0, 2], [PAGED, 20], [7, 1]]);
    expect(doc.entry(b('a'))).toEqual(str('1'));
  });

  it('stays format 4 while only retired records remain (the GC still needs them)', () => {
    const root = emptyRoot();
    root.retired.push([1, ['aaaaaaaaaaaaaaaa-AAAAAAAA']]);
    const body = format4(inlineDoc(), root);
    const doc = Document.decode(body);
    expect(doc.pagedFormat).toBe(true);
    expect(doc.encode().equals(body)).toBe(true);
    expect(body.toString()).toContain('"pages":{},"retired":[[1,["aaaaaaaaaaaaaaaa-AAAAAAAA"]]]}');
  });

  it('refuses what valthree never writes, naming it', () => {
    const root = emptyRoot();
    writeRecord(root, 0, 'a', str('paged too'), 0, 1);
    expect(() => Document.decode(format4(inlineDoc(), root))).toThrow('database 0 is paged and has inline entries too');
    const ok = format4(inlineDoc(), emptyRoot()).toString();
    expect(() => Document.decode(Buffer.from(ok.replace('"retired":[]', '"retired":[],"newer":1')))).toThrow('format 4 has an unknown field "newer"');
    expect(() => Document.decode(Buffer.from(ok.replace(',"pages":{},"retired":[]', '')))).toThrow(CorruptDocumentError);
  });
});

type Op = { k: string; e: Entry | null; inline: boolean };
const opArb: fc.Arbitrary<Op> = fc.record({
  k: fc.oneof(fc.nat(25).map((i) => `k${i}`), bytesArb.map((x) => x.toString('latin1'))),
  e: fc.option(entryArb, { nil: null, freq: 4 }),
  inline: fc.boolean(),
});

describe('writes to a paged database', () => {
  it('become log records of the commit, undo with the transaction, keep the size exact, and read back cold', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.array(opArb, { minLength: 1, maxLength: 6 }), fc.boolean()), { minLength: 1, maxLength: 8 }), async (batches) => {
        const { pages, reader } = bucket();
        let doc = Document.decode(format4(inlineDoc(), await pagedRoot(12, pages, reader())));
        // The model: what each key of db PAGED holds, from a cold read of the start.
        const model = new Map<string, string | undefined>();
        const keys = [...new Set(batches.flatMap(([ops]) => ops.map((o) => o.k)).concat(Array.from({ length: 26 }, (_, i) => `k${i}`), ['fresh']))];
        for (const [k, f] of await resolve(doc.pagedRoot, PAGED, keys, reader())) model.set(k, form(f.e));
        for (const [ops, keep] of batches) {
          const before = Buffer.from(doc.encode());
          doc.resolve(PAGED, await resolve(doc.pagedRoot, PAGED, ops.map((o) => o.k), reader()));
          doc.begin();
          const wrote = new Set<string>();
          for (const o of ops) {
            const db = o.inline ? 0 : PAGED;
            if (o.e) doc.put(b(o.k), o.e, db);
            // Deleting an absent key writes nothing: its record (if any) keeps its seq.
            if ((o.e || doc.delete(b(o.k), db)) && !o.inline) wrote.add(o.k);
          }
          if (!keep) {
            doc.rollback();
            // The same document; an undone delete puts a record back at the log's end, so compared in order.
            expect(canon(doc.encode())).toBe(canon(before));
            expect(doc.approxBytes).toBe(before.length);
            continue;
          }
          doc.seq += 1;
          doc.release();
          for (const o of ops) if (!o.inline) model.set(o.k, form(o.e));
          const size = doc.approxBytes;
          const body = Buffer.from(doc.encode());
          expect(size).toBe(body.length);
          for (const k of wrote) expect([k, doc.pagedRoot.dbs[PAGED]?.log.get(k)?.seq ?? doc.seq]).toEqual([k, doc.seq]);
          doc = Document.decode(body);
        }
        // Cold: a fresh reader over the last root; every key, and DBSIZE from the root alone.
        const cold = await resolve(doc.pagedRoot, PAGED, keys, reader());
        for (const k of keys) expect([k, form(cold.get(k)?.e)]).toEqual([k, model.get(k)]);
        expect(doc.sizeOf(PAGED)).toBe([...model.values()].filter((v) => v !== undefined).length);
      }),
      { numRuns: 60 },
    );
  });

  it('a key not resolved is refused, not taken for absent; so is what needs the whole database', async () => {
    const { pages, reader } = bucket();
    const doc = Document.decode(format4(inlineDoc(), await pagedRoot(8, pages, reader())));
    doc.resolve(PAGED, await resolve(doc.pagedRoot, PAGED, ['k3'], reader()));
    expect(doc.entry(b('k3'), PAGED)).toEqual(str('v3', 10_003));
    for (const touch of [() => doc.entry(b('k4'), PAGED), () => doc.set(b('k4'), b('x'), undefined, PAGED), () => doc.delete(b('k4'), PAGED)]) {
      expect(touch).toThrow(NotResolvedError);
    }
    expect(() => doc.entry(b('k4'), PAGED)).toThrow('db 3: key "k4" is paged and was not loaded for this batch');
    expect(() => [...doc.keys(PAGED)]).toThrow('the whole database is paged');
    // A flush needs the node pages (to retire the leaves they name), not the keys.
    expect(() => doc.clear(PAGED)).toThrow('db 3: its node pages were not loaded for this batch');
    expect(() => doc.clear()).toThrow(NotResolvedError);
    // Inline databases are untouched by all this.
    doc.set(b('a'), b('2'));
    expect(doc.entry(b('a'))).toEqual(str('2'));
  });

  it('a resolved key keeps what this snapshot wrote when resolved again', async () => {
    const { pages, reader } = bucket();
    const doc = Document.decode(format4(inlineDoc(), await pagedRoot(8, pages, reader())));
    doc.resolve(PAGED, await resolve(doc.pagedRoot, PAGED, ['k5'], reader()));
    doc.set(b('k5'), b('mine'), undefined, PAGED);
    doc.resolve(PAGED, await resolve(emptyRoot(), PAGED, ['k5'], reader()));
    expect(doc.entry(b('k5'), PAGED)).toEqual(str('mine'));
  });

  it('the size cap bounds the root: a paged write past it is OOM and changes nothing', async () => {
    const { pages, reader } = bucket();
    const doc = Document.decode(format4(inlineDoc(), await pagedRoot(8, pages, reader())));
    doc.resolve(PAGED, await resolve(doc.pagedRoot, PAGED, ['big'], reader()));
    doc.maxBytes = doc.approxBytes + 50;
    const before = Buffer.from(doc.encode());
    expect(() => doc.set(b('big'), Buffer.alloc(100, 'x'), undefined, PAGED)).toThrow(OutOfMemoryError);
    expect(doc.encode().equals(before)).toBe(true);
  });
});

describe('the log keeps its size and counts running', () => {
  it('equal to a recount after any sets and deletes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(9), fc.option(entryArb, { nil: null }), fc.constantFrom(0, 1, 2), fc.nat(1e6), fc.boolean())), (ops) => {
        const log = new Log();
        for (const [i, e, p, seq, del] of ops) (del ? log.delete(`k${i}`) : log.set(`k${i}`, { e, p: p as 0 | 1 | 2, seq }));
        let bytes = 0;
        let live = 0;
        let ttls = 0;
        for (const [k, r] of log) {
          bytes += Buffer.byteLength(log.json(k, r)) + 1;
          expect(recordBytes(k, r)).toBe(Buffer.byteLength(log.json(k, r)) + 1);
          live += (r.e ? 1 : 0) - (r.p > 0 ? 1 : 0);
          ttls += (r.e?.expiresAt !== undefined ? 1 : 0) - (r.p === 2 ? 1 : 0);
        }
        expect([log.bytes, log.live, log.ttls]).toEqual([bytes, live, ttls]);
      }),
    );
  });
});
