/**
 * RANDOMKEY and SWAPDB on paged databases (layout.ts §2, step 5). RANDOMKEY
 * reads a node and one leaf (weighted by the refs' counts) and answers a
 * live key of it, nil only for an empty database; SWAPDB trades the root
 * parts without reading a page, and both databases then answer as the flat
 * twin's, in the same batch too.
 */
import { Document } from '../../lambda/document';
import { RANDOM_TRIES } from '../../lambda/document-paged-ops';
import { PageLoader } from '../../lambda/loading';
import { bulk, int, NIL } from '../lambda/util';
import { DOC, ok, request, rootOf, sorted, text, twins, tx, words, type Twins } from './whole-commands.support';

const exists = async (t: Twins, db: number, key: string): Promise<boolean> => {
  const r = ok(await t.hf(request([{ db, commands: [words('EXISTS', key)] }]))).sessions[0].replies[0];
  return r.t === 'int' && r.v === 1;
};

describe('RANDOMKEY on a paged database', () => {
  it('a cold handler reads a node and a leaf, and answers a live key', async () => {
    const t = await twins(200);
    for (let i = 0; i < 5; i++) {
      const cold = t.cold();
      t.paged.pageGets.length = 0;
      const r = ok(await cold(request([{ db: 0, commands: [words('RANDOMKEY')] }]))).sessions[0].replies[0];
      expect(r.t).toBe('bulk');
      expect(await exists(t, 0, text(r))).toBe(true);
      // A node and a leaf per pick; an empty pick is drawn again, a few times at most.
      expect(t.paged.pageGets.length).toBeGreaterThanOrEqual(2);
      expect(t.paged.pageGets.length).toBeLessThanOrEqual(2 * RANDOM_TRIES);
    }
  });

  it('many in one batch: each a live key, spread over the database, in a few rounds', async () => {
    const t = await twins(200);
    const got = ok(await t.hp(request([{ db: 0, commands: Array.from({ length: 40 }, () => words('RANDOMKEY')) }]))).sessions[0].replies.map(text);
    for (const k of new Set(got)) expect(await exists(t, 0, k)).toBe(true);
    expect(new Set(got).size).toBeGreaterThan(8);
  });

  it('one live key left among deleted ones: found; an empty database: nil, without a page read', async () => {
    const t = await twins(60);
    const { flat } = { flat: ok(await t.hf(request([{ db: 0, commands: [words('KEYS', '*')] }]))).sessions[0].replies[0] };
    const all = flat.t === 'array' ? flat.v.map(text) : [];
    const keep = all.find((k) => k.startsWith('key:'))!;
    await t.both(0, words('DEL', ...all.filter((k) => k !== keep)));
    expect(rootOf(t.paged).isPaged(0)).toBe(true);
    // Leaves still count the deleted keys (tombstones above them): most picks come up empty, then the database is read whole.
    for (let i = 0; i < 3; i++) expect(await t.both(0, words('RANDOMKEY'))).toEqual([bulk(keep)]);
    expect(await t.both(0, words('DEL', keep), words('RANDOMKEY'))).toEqual([int(1), NIL]);
    const cold = t.cold();
    t.paged.pageGets.length = 0;
    expect(ok(await cold(request([{ db: 0, commands: [words('RANDOMKEY')] }]))).sessions[0].replies).toEqual([NIL]);
    expect(t.paged.pageGets).toEqual([]);
  });
});

/** db 0 paged (150 keys), db 2 paged (60 keys), db 1 inline (3 keys), db 4 empty. */
async function fourDbs(): Promise<Twins> {
  const many = Array.from({ length: 60 }, (_, i) => ['SET', `two:${i}`, `t${i}`]);
  const t = await twins(150, { 2: many, 1: [['SET', 'one', '1'], ['SET', 'key:1', 'inline'], ['HSET', 'h', 'f', 'v']] });
  const root = rootOf(t.paged);
  expect([0, 1, 2, 4].map((db) => root.isPaged(db))).toEqual([true, false, true, false]);
  return t;
}

async function sameDb(t: Twins, db: number): Promise<void> {
  const run = async (h: typeof t.hp) => ok(await h(request([{ db, commands: [words('KEYS', '*'), words('DBSIZE'), words('GET', 'key:1'), words('GET', 'two:5'), words('SCAN', '0', 'COUNT', '4')] }]))).sessions[0].replies;
  const [p, f] = [await run(t.hp), await run(t.hf)];
  expect([sorted(p[0]), ...p.slice(1)]).toEqual([sorted(f[0]), ...f.slice(1)]);
}

describe('SWAPDB with paged databases', () => {
  it.each([
    [0, 1],
    [2, 0],
    [0, 4],
    [4, 2],
  ])('SWAPDB %i %i: no page read; refs and logs trade places; every database as the flat twin', async (a, b) => {
    const t = await fourDbs();
    const before = rootOf(t.paged);
    const cold = t.cold();
    t.paged.pageGets.length = 0;
    const res = ok(await cold(request([{ db: 0, commands: [words('SWAPDB', String(a), String(b))] }])));
    expect(res.sessions[0].replies).toEqual(ok(await t.hf(request([{ db: 0, commands: [words('SWAPDB', String(a), String(b))] }]))).sessions[0].replies);
    expect(t.paged.pageGets).toEqual([]);
    const after = rootOf(t.paged);
    for (const [x, y] of [[a, b], [b, a]]) {
      expect(after.isPaged(x)).toBe(before.isPaged(y));
      expect(after.pagedRoot.dbs[x]?.nodes).toEqual(before.pagedRoot.dbs[y]?.nodes);
      expect(after.sizeOf(x)).toBe(before.sizeOf(y));
    }
    for (const db of [0, 1, 2, 4]) await sameDb(t, db);
    await t.both(a, words('SET', 'after', '1'), words('DEL', 'key:2'), words('DBSIZE'));
    for (const db of [a, b]) await sameDb(t, db);
  });

  it('in one batch: SWAPDB, then reads and writes that need pages of the moved databases', async () => {
    const t = await fourDbs();
    await t.both(0, words('SWAPDB', '0', '2'), words('GET', 'key:7'), words('GET', 'two:7'), words('SCAN', '0', 'COUNT', '3'), words('DBSIZE'));
    await t.both(1, tx([], [1, ['SWAPDB', '1', '0']], [1, ['GET', 'two:9']], [0, ['GET', 'one']], [0, ['SET', 'x', 'y']], [1, ['KEYS', 'two:1*']], [0, ['FLUSHDB']], [1, ['DBSIZE']]));
    for (const db of [0, 1, 2]) await sameDb(t, db);
  });

  it('undone with its transaction: the document is byte for byte as before, and reads as before', async () => {
    const t = await fourDbs();
    const body = t.paged.body(DOC)!;
    const doc = Document.decode(body);
    const loader = new PageLoader(t.paged, DOC);
    await loader.loadNodes(doc, 0);
    doc.begin();
    doc.swapDbs(0, 1);
    // The size estimate the cap checks follows the swap (the inline side's
    // frame moved); within the one byte an inline SWAPDB into an empty db 0 is off by, as before paging.
    const close = (): void => expect(Math.abs(doc.approxBytes - Buffer.from(doc.encode()).length)).toBeLessThanOrEqual(1);
    close();
    doc.swapDbs(2, 0);
    close();
    // db 1 holds what db 0 held: its node pages are known, so it can be flushed.
    doc.clear(1, 5);
    expect(doc.pagedRoot.retired.at(-1)?.[0]).toBe(5);
    close();
    expect([doc.isPaged(0), doc.isPaged(1), doc.isPaged(2)]).toEqual([true, false, false]);
    doc.rollback();
    expect(doc.encode().equals(body)).toBe(true);
    await loader.resolveWhole(doc, 0);
    expect(doc.sizeOf(0)).toBe([...doc.keys(0)].length);
  });
});
