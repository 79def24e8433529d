/**
 * Stubs and aggregate pages as bytes (layout.ts §3): a stub's JSON round
 * trips through a log record and a page record; a malformed stub, a stub in
 * db.json's inline part, or an aggregate page under the wrong name or of the
 * wrong kind is refused, naming what is wrong; a node's leaf refs carry the
 * index pages of their leaves' stubs.
 */
import { Document } from '../../lambda/document';
import { CorruptDocumentError, type Entry } from '../../lambda/document-format';
import { wholeEntryJson } from '../../lambda/document-entry-json';
import { HashValue, StreamValue } from '../../lambda/document-values';
import { FieldMap, Seq } from '../../lambda/document-chunks';
import { decodeAggPage, encodeAggPage } from '../../lambda/pages/agg-codec';
import { decodePage, encodePage, PageCorruptError } from '../../lambda/pages/codec';
import { pageName } from '../../lambda/pages/name';
import { decodeRecEntry, piecesOf, stubOf, toStub, unexpanded, type Stub } from '../../lambda/pages/stub';
import { AggPages, pendingPages } from '../../lambda/pages/agg-io';
import { PageMissingError } from '../../lambda/pages/codec';
import { ListValue, SetValue, ZSetValue } from '../../lambda/document-values';

const hash = (n: number): Entry => ({ type: 'hash', value: new HashValue(FieldMap.from<Buffer>(Array.from({ length: n }, (_, i) => [`f${i}`, Buffer.from(`value ${i}`)] as const))), expiresAt: 1_900_000_000_000, stamp: 7 });

describe('stubs', () => {
  it('a stub entry writes ~100 bytes whatever the size, and reads back as a stub with its meta, not expanded', () => {
    for (const n of [300, 30_000]) {
      const s = toStub(hash(n) as Exclude<Entry, { type: 'string' }>, undefined, 1000)!;
      const json = wholeEntryJson(s);
      expect(json.length).toBeLessThan(120);
      const back = decodeRecEntry(JSON.parse(json), 'k', 0);
      expect([unexpanded(back), stubOf(back)?.index, stubOf(back)?.n, back.expiresAt, back.stamp]).toEqual([true, stubOf(s)?.index, n, 1_900_000_000_000, 7]);
      expect(wholeEntryJson(back)).toBe(json);
    }
  });

  it('a stream stub keeps its counters', () => {
    const items = Array.from({ length: 400 }, (_, i) => ({ id: { ms: BigInt(i + 1), seq: 0n }, fields: [Buffer.from('field'), Buffer.from(`value ${i}`)] }));
    const e: Entry = { type: 'stream', value: new StreamValue(Seq.from(items), { ms: 9000n, seq: 3n }, 412, { ms: 5n, seq: 0n }) };
    const back = decodeRecEntry(JSON.parse(wholeEntryJson(toStub(e, undefined, 1000)!)), 'x', 0);
    expect(back.type === 'stream' && [back.value.lastId, back.value.entriesAdded, back.value.maxDeletedId, back.value.size]).toEqual([{ ms: 9000n, seq: 3n }, 412, { ms: 5n, seq: 0n }, 400]);
  });

  it('refuses malformed stubs, naming the key', () => {
    const pg = pageName(encodeAggPage({ kind: 'index', t: 'hash', n: 1, runs: [] }));
    for (const bad of [{ t: 'hash', pg: '../x', n: 3 }, { t: 'hash', pg, n: 0 }, { t: 'hash', pg, n: 3, v: [] }, { t: 'string', pg, n: 3 }, { t: 'stream', pg, n: 3, added: 1, maxdel: '0-0' }]) {
      expect(() => decodeRecEntry(bad, 'key', 2)).toThrow(CorruptDocumentError);
      expect(() => decodeRecEntry(bad, 'key', 2)).toThrow(/db 2 key "key"/);
    }
  });

  it("db.json's inline part never holds a stub", () => {
    const pg = pageName(encodeAggPage({ kind: 'index', t: 'hash', n: 1, runs: [] }));
    expect(() => Document.decode(Buffer.from(JSON.stringify({ format: 3, clock: 0, seq: 0, commits: [], data: { h: { t: 'hash', pg, n: 3 } }, data64: {} })))).toThrow(/unknown field "pg"/);
  });

  it('aggregate pages are checked against their names and kinds', () => {
    const index = encodeAggPage({ kind: 'index', t: 'set', n: 2, bits: 0, runs: [] });
    const name = pageName(index);
    expect(decodeAggPage(name, index).head).toEqual({ kind: 'index', t: 'set', n: 2, bits: 0, runs: [] });
    const other = pageName(encodeAggPage({ kind: 'members', t: 'set', chunks: [3] }, [Buffer.from('"a"')]));
    expect(() => decodeAggPage(other, index)).toThrow(new PageCorruptError(other, 'its checksum does not match its name'));
    const flipped = Buffer.from(index);
    flipped[9] ^= 1;
    expect(() => decodeAggPage(name, flipped)).toThrow(new PageCorruptError(name, 'checksum mismatch'));
  });

  it("a node's leaf refs carry their leaves' stub index pages", () => {
    const [a, b] = [pageName(Buffer.alloc(20, 1)), pageName(Buffer.alloc(20, 2))];
    const leaves = [{ lo: 0, page: a, n: 1, x: 0, a: [b] }, { lo: 5, page: b, n: 2, x: 0 }];
    const bytes = encodePage({ kind: 'node', db: 0, lo: 0, hi: 2 ** 52, leaves }, []);
    expect(decodePage(pageName(bytes), bytes).leaves).toEqual(leaves);
  });

  it("member pages hold each chunk's fragment exactly as db.json writes it (the cache is shared)", () => {
    const zset = (): ZSetValue => {
      const d = ZSetValue.EMPTY.draft();
      for (let i = 0; i < 600; i++) d.add(`m${i}`, i % 7 === 0 ? -Infinity : i / 3);
      return d.done();
    };
    const stream = (): StreamValue => new StreamValue(Seq.from(Array.from({ length: 300 }, (_, i) => ({ id: { ms: BigInt(i), seq: 1n }, fields: [Buffer.from('f'), Buffer.from([0xff, i % 256])] }))), { ms: 400n, seq: 0n }, 300, { ms: 0n, seq: 0n });
    const makers = [stream, () => hash(700).value as HashValue, () => SetValue.of(Array.from({ length: 700 }, (_, i) => `s${i}\u00ff`)), () => new ListValue(Seq.from(Array.from({ length: 700 }, (_, i) => Buffer.from([i % 256, 0xc3])))), zset];
    for (const make of makers) {
      // Two equal values built apart: neither's cached fragments can serve the other.
      const pages = piecesOf(make()).pieces.map((p) => p.json().toString()).filter((j) => j !== '');
      expect(pages.join(',')).toBe(Buffer.concat(make().encoded().parts).toString());
    }
  });

  it('expanding a stub reads its pages once: they and the value stay cached by page name, within the bound', async () => {
    const store = new Map<string, Buffer>();
    const stubs = [hash(2000), hash(2100)].map((e) => toStub(e as Exclude<Entry, { type: 'string' }>, undefined, 4000)!);
    for (const [name, bytes, done] of pendingPages(stubs.map((e) => stubOf(e)!))) (store.set(name, bytes), done());
    let gets = 0;
    const load = async (name: string): Promise<Buffer> => (gets++, store.get(name) ?? Promise.reject(new PageMissingError(name)));
    const read = async (pages: AggPages, e: Entry): Promise<Entry> => pages.expand(decodeRecEntry(JSON.parse(wholeEntryJson(e)), 'h', 0) as Exclude<Entry, { type: 'string' }>, stubOf(decodeRecEntry(JSON.parse(wholeEntryJson(e)), 'h', 0)) as Stub);
    const roomy = new AggPages(load, 1 << 30);
    const first = await read(roomy, stubs[0]);
    const cold = gets;
    expect(cold).toBe(1 + stubOf(stubs[0])!.runs!.length);
    expect(first.type === 'hash' && first.value.get('f1999')).toEqual(Buffer.from('value 1999'));
    await read(roomy, stubs[0]);
    expect(gets).toBe(cold);
    // A bound below one aggregate keeps only the newest: reading another evicts the first, which is fetched again.
    const tight = new AggPages(load, 1000);
    gets = 0;
    for (const i of [0, 1, 0]) await read(tight, stubs[i]);
    expect(gets).toBe(2 * (1 + stubOf(stubs[0])!.runs!.length) + 1 + stubOf(stubs[1])!.runs!.length);
  });
});
