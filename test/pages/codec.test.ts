/** Page names and page bytes (lambda/pages/name.ts, codec.ts): round trips of every type, and corruption named. */
import fc from 'fast-check';
import { decodePage, encodePage, PageCorruptError, PageMissingError, type Rec } from '../../lambda/pages/codec';
import { nameHash, pageKey, pageName } from '../../lambda/pages/name';
import { bytesArb } from '../lambda/util';
import { entryArb, form } from './entries';

const leaf = (recs: [string, Rec][]) => encodePage({ kind: 'leaf', db: 3, lo: 0, hi: 2 ** 52 }, recs);

describe('page names', () => {
  it('are the content hash plus a per-upload token: equal bytes never share a name', () => {
    const bytes = leaf([]);
    const a = pageName(bytes);
    const b = pageName(bytes);
    expect(a).toMatch(/^[0-9a-f]{16}-[A-Za-z0-9_-]{8}$/);
    expect(a).not.toBe(b);
    expect(nameHash(a)).toBe(nameHash(b));
    expect(pageName(bytes, 'AAAAAAAA')).toBe(`${nameHash(a)}-AAAAAAAA`);
    expect(pageKey('db.json', a)).toBe(`db.json.pages/${a}`);
    expect(() => pageName(bytes, '../x')).toThrow(RangeError);
    expect(nameHash('db.json')).toBeUndefined();
  });
});

describe('page bytes', () => {
  it('round-trip any binary keys and entries of every type, tombstones, p and seq', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(bytesArb, fc.option(entryArb, { nil: null }), fc.constantFrom(0, 1, 2), fc.maxSafeNat()), { maxLength: 12 }), (rows) => {
        const recs = new Map<string, Rec>();
        for (const [k, e, p, seq] of rows) recs.set(k.toString('latin1'), { e, p: p as 0 | 1 | 2, seq });
        const bytes = encodePage({ kind: 'node', db: 15, lo: 7, hi: 99, leaves: [{ lo: 7, page: 'abcdefabcdefabcd-AAAAAAAA', n: 4, x: 1 }] }, recs);
        const page = decodePage(pageName(bytes), bytes);
        expect(page).toMatchObject({ kind: 'node', db: 15, lo: 7, hi: 99, leaves: [{ lo: 7, page: 'abcdefabcdefabcd-AAAAAAAA', n: 4, x: 1 }] });
        expect([...page.recs.keys()]).toEqual([...recs.keys()]);
        for (const [k, r] of recs) {
          const got = page.recs.get(k) as Rec;
          expect([form(got.e), got.p, got.seq]).toEqual([form(r.e), r.p, r.seq]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('any flipped byte, truncation or a wrong name is a PageCorruptError naming the page', () => {
    const bytes = leaf([['k', { e: { type: 'string', value: Buffer.from('v') }, p: 0, seq: 1 }]]);
    const name = pageName(bytes, 'tokentok');
    for (let i = 0; i < bytes.length; i++) {
      const bad = Buffer.from(bytes);
      bad[i] ^= 0x40;
      expect(() => decodePage(name, bad)).toThrow(PageCorruptError);
    }
    expect(() => decodePage(name, bytes.subarray(0, 10))).toThrow(`db.json page ${name} is corrupt: 10 bytes is too short; nothing was written`);
    expect(() => decodePage(name, bytes.subarray(0, bytes.length - 1))).toThrow('checksum mismatch');
    const other = pageName(leaf([]), 'tokentok');
    expect(() => decodePage(other, bytes)).toThrow(`db.json page ${other} is corrupt: its checksum does not match its name; nothing was written`);
    expect(decodePage(name, bytes).recs.get('k')?.e).toEqual({ type: 'string', value: Buffer.from('v') });
  });

  it('a missing page has its own error text, naming it', () => {
    expect(new PageMissingError('0123456789abcdef-AAAAAAAA').message).toBe(
      'db.json page 0123456789abcdef-AAAAAAAA is missing, though the current db.json references it; nothing was written',
    );
  });
});
