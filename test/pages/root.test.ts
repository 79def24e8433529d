/** The root's paged section (lambda/pages/root.ts) and applying a fold's delta to a newer root (fold.ts). */
import { applyFold, fold } from '../../lambda/pages/fold';
import { PageReader, resolve } from '../../lambda/pages/keyspace';
import { DEFAULT_LIMITS, FOLD_MAX_AGE_MS, GRACE_MS, LOG_HARD_BYTES, LOG_SOFT_BYTES, RETIRED_HORIZON_MS, rangeOf, type PageLimits } from '../../lambda/pages/layout';
import { Log } from '../../lambda/pages/log';
import { dbSize, decodeRoot, emptyRoot, encodeRoot, foldRequired, foldWanted, logBytes, retire, trimRetired, writeRecord, type PagedRoot } from '../../lambda/pages/root';
import { CorruptDocumentError, type Entry } from '../../lambda/document';
import { b } from '../lambda/util';

const str = (v: string, expiresAt?: number): Entry => (expiresAt === undefined ? { type: 'string', value: b(v) } : { type: 'string', value: b(v), expiresAt });
const roundTrip = (root: PagedRoot): PagedRoot => {
  const raw = JSON.parse(`{${encodeRoot(root)}}`) as { pages: unknown; retired: unknown };
  return decodeRoot(raw.pages, raw.retired);
};
const ONE_LEAF: PageLimits = { ...DEFAULT_LIMITS, leafMinRecords: 1 };

const P = 'aaaaaaaaaaaaaaaa-pppppppp';
const Q = 'bbbbbbbbbbbbbbbb-qqqqqqqq';

describe('the root section', () => {
  it('encodes binary keys, tombstones, p and seq, node refs and retired records, and reads them back', () => {
    const root = emptyRoot();
    root.dbs[2] = { nodes: [{ lo: 0, page: 'aaaaaaaaaaaaaaaa-tokenAAA', n: 5, x: 1 }, { lo: 99, page: 'bbbbbbbbbbbbbbbb-tokenBBB', n: 2, x: 0 }], log: new Log() };
    writeRecord(root, 2, '\xff\x00', str('v', 77), 0, 10);
    writeRecord(root, 2, 'gone', null, 2, 11);
    writeRecord(root, 2, 'never', null, 0, 12);
    retire(root, ['cccccccccccccccc-tokenCCC'], 5000);
    const text = encodeRoot(root);
    expect(text).toBe(
      '"pages":{"2":{"nodes":[[0,"aaaaaaaaaaaaaaaa-tokenAAA",5,1],[99,"bbbbbbbbbbbbbbbb-tokenBBB",2,0]],' +
        '"log":[[{"b64":"/wA="},{"v":"v","x":77},0,10],["gone",null,2,11]]}},"retired":[[5000,["cccccccccccccccc-tokenCCC"]]]',
    );
    const back = roundTrip(root);
    expect(encodeRoot(back)).toBe(text);
    // 7 below, one new key, one deleted: DBSIZE from the root alone.
    expect(dbSize(back, 2)).toBe(7);
    expect(logBytes(back)).toBe(Buffer.byteLength('[{"b64":"/wA="},{"v":"v","x":77},0,10],["gone",null,2,11],'));
  });

  it('refuses what valthree never writes, naming it', () => {
    const bad = (pages: unknown, retired: unknown = []) => () => decodeRoot(pages, retired);
    expect(bad({ 16: { nodes: [], log: [] } })).toThrow('pages has a member "16", not a database number');
    expect(bad({ 0: { nodes: [[5, P, 1, 0]], log: [] } })).toThrow('the first node does not start at 0');
    expect(bad({ 0: { nodes: [[0, P, 1, 0], [0, Q, 1, 0]], log: [] } })).toThrow('node ranges are not ascending');
    expect(bad({ 0: { nodes: [[0, P, 1, 0]], log: [['k', null, 0, 1]] } })).toThrow('a tombstone with nothing below it');
    expect(bad({ 0: { nodes: [], log: [['k', 'v', 1, 1]] } })).toThrow('is not paged, yet a log record says its key is below');
    expect(bad({ 0: { nodes: [[0, P, 1, 0]], log: [['k', 'v', 0, 1], ['k', 'w', 0, 2]] } })).toThrow('logs a key twice');
    expect(bad({ 0: { nodes: [[0, P, 1, 0]], log: [['k', { t: 'nope', v: [] }, 0, 1]] } })).toThrow(CorruptDocumentError);
    expect(bad({}, [[1, 'p']])).toThrow('retired is malformed');
    // Names come from db.json and become object keys and paths: only page names pass.
    expect(bad({ 0: { nodes: [[0, '../db.json', 1, 0]], log: [] } })).toThrow('malformed node ref');
    expect(bad({}, [[1, ['../db.json']]])).toThrow('retired is malformed');
  });

  it('bounds: a fold is wanted past the soft bound, required past the hard one; retired records leave after the horizon', () => {
    expect(GRACE_MS).toBeGreaterThanOrEqual(20_000 + 2 * 5_000);
    expect(RETIRED_HORIZON_MS).toBeGreaterThanOrEqual(GRACE_MS + 5_000);
    expect(FOLD_MAX_AGE_MS + 5_000).toBeLessThan(GRACE_MS - 5_000);
    const root = emptyRoot();
    // ~80 bytes a record: 64 KiB is ~800 records of 64-byte values.
    const fill = (db: number, bound: number) => {
      for (let i = 0; logBytes(root) <= bound; ) for (const end = i + 100; i < end; i++) writeRecord(root, db, `k${i}`, str('x'.repeat(64)), 0, i);
    };
    expect(foldWanted(root)).toBe(false);
    fill(0, LOG_SOFT_BYTES);
    expect([foldWanted(root), foldRequired(root)]).toEqual([true, false]);
    expect(root.dbs[0]?.log.size).toBeLessThan(1000);
    fill(1, LOG_HARD_BYTES);
    expect(foldRequired(root)).toBe(true);
    retire(root, ['a'], 1000);
    retire(root, ['b'], 50_000);
    trimRetired(root, 1000 + RETIRED_HORIZON_MS + 1);
    expect(root.retired).toEqual([[50_000, ['b']]]);
  });

  it('rangeOf: the last range starting at or before the position', () => {
    expect([0, 4, 5, 99, 2 ** 52 - 1].map((p) => rangeOf([0, 5, 100], p))).toEqual([0, 0, 1, 1, 2]);
  });
});

describe('a fold applied by a later commit', () => {
  const setup = async () => {
    const store = new Map<string, Buffer>();
    const reader = new PageReader(async (n) => store.get(n) as Buffer);
    const root = emptyRoot();
    writeRecord(root, 0, 'a', str('1'), 0, 1);
    writeRecord(root, 0, 'b', str('2', 9e12), 0, 2);
    const delta = await fold(root, 0, reader, { limits: ONE_LEAF, now: 0 });
    if (!delta) throw new Error('no delta');
    for (const [n, p] of delta.pages) store.set(n, p);
    return { store, reader, root, delta };
  };

  it('keeps a write made after the fold began, with what is now below it', async () => {
    const { reader, root, delta } = await setup();
    writeRecord(root, 0, 'a', str('new'), 0, 3);
    expect(applyFold(root, delta, 4, 10)).toBe(true);
    expect(root.dbs[0]?.log.get('a')).toMatchObject({ p: 1, seq: 3 });
    expect((await resolve(root, 0, ['a', 'b'], reader)).get('a')?.e).toEqual(str('new'));
    expect(dbSize(root, 0)).toBe(2);
  });

  it('hides a key deleted after the fold began with a tombstone (its entry went into a page meanwhile)', async () => {
    const { reader, root, delta } = await setup();
    writeRecord(root, 0, 'b', null, 0, 3);
    expect(root.dbs[0]?.log.has('b')).toBe(false);
    expect(applyFold(root, delta, 4, 10)).toBe(true);
    expect(root.dbs[0]?.log.get('b')).toEqual({ e: null, p: 2, seq: 4 });
    expect((await resolve(root, 0, ['b'], reader)).get('b')).toEqual({ e: undefined, below: 2 });
    expect(dbSize(root, 0)).toBe(1);
  });

  it('is dropped, the root untouched, when stale: a node it replaces is gone, or it is older than FOLD_MAX_AGE_MS', async () => {
    const { root, delta } = await setup();
    const before = encodeRoot(root);
    expect(applyFold(root, delta, 4, FOLD_MAX_AGE_MS + 1)).toBe(false);
    expect(applyFold(root, delta, 4, 10)).toBe(true);
    const after = encodeRoot(root);
    expect(after).not.toBe(before);
    // The same delta again: the database is paged now, so "not paged yet" no longer holds.
    expect(applyFold(root, delta, 5, 10)).toBe(false);
    expect(encodeRoot(root)).toBe(after);
  });

  it('retires the pages it replaces, with the commit time', async () => {
    const { store, reader, root, delta } = await setup();
    applyFold(root, delta, 3, 10);
    writeRecord(root, 0, 'c', str('3'), 0, 4);
    const next = await fold(root, 0, reader, { limits: ONE_LEAF, now: 20 });
    if (!next) throw new Error('no delta');
    for (const [n, p] of next.pages) store.set(n, p);
    const old = [...(root.dbs[0]?.nodes ?? []).map((n) => n.page)];
    expect(applyFold(root, next, 5, 30)).toBe(true);
    expect(root.retired).toHaveLength(1);
    expect(root.retired[0][0]).toBe(30);
    expect(root.retired[0][1]).toEqual(expect.arrayContaining(old));
    expect(root.retired[0][1].length).toBeGreaterThan(old.length);
  });
});
