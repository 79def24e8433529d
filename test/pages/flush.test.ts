/**
 * FLUSHDB/FLUSHALL on a paged database (layout.ts §2, step 5): the database's
 * refs and log leave the root and every page they named is retired for the
 * GC, in O(pages): the node pages are read, no leaf is, the root does not
 * grow with the keys; the same replies as the flat twin, in MULTI/EXEC and
 * scripts, seen by WATCH, and undone with a transaction that fails.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Document } from '../../lambda/document';
import { createHandler } from '../../lambda/handler';
import { FileStore } from '../../lambda/store/file';
import { RETIRED_HORIZON_MS } from '../../lambda/pages/layout';
import { argv, bulk, int, NIL, OK } from '../lambda/util';
import { DOC, NOW, ok, PAGING, referenced, request, rootOf, sorted, twins, tx, words } from './whole-commands.support';

const VARIANTS: string[] = ['FLUSHALL', 'FLUSHALL ASYNC', 'FLUSHDB', 'FLUSHDB SYNC'];
const ABORTED = { t: 'null', array: true };

describe('FLUSHDB and FLUSHALL on a paged database', () => {
  it.each(VARIANTS)('%s: the replies of the flat twin; refs and log gone; every page retired; node pages read, no leaf', async (variant) => {
    const flush = variant.split(' ');
    const t = await twins(120, { 1: [['SET', 'one', '1']] });
    const before = rootOf(t.paged);
    expect(before.isPaged(0)).toBe(true);
    expect(before.pagedRoot.dbs[0]!.nodes.length).toBeGreaterThan(2);
    const pages = referenced(t.paged, 0);
    const nodes = before.pagedRoot.dbs[0]!.nodes.map((r) => r.page);
    const cold = t.cold();
    t.paged.pageGets.length = 0;
    const batch = [words(...flush), words('DBSIZE'), words('SCAN', '0'), words('RANDOMKEY'), words('EVAL', "return redis.call('GET', 'key:1')", '0')];
    const res = ok(await cold(request([{ db: 0, commands: batch }])));
    // Only the node pages were read (to name their leaves), each once.
    expect([...t.paged.pageGets].sort()).toEqual([...nodes].sort());
    const want = ok(await t.hf(request([{ db: 0, commands: batch }])));
    expect(res.sessions).toEqual(want.sessions);
    expect(res.sessions[0].replies).toEqual([OK, int(0), { t: 'array', v: [bulk('0'), { t: 'array', v: [] }] }, NIL, NIL]);
    const after = rootOf(t.paged);
    expect(after.isPaged(0)).toBe(false);
    expect(after.pagedRoot.retired.at(-1)).toEqual([NOW, expect.arrayContaining(pages)]);
    expect(after.pagedRoot.retired.at(-1)![1]).toHaveLength(pages.length);
    // FLUSHDB leaves db 1; FLUSHALL takes it too.
    expect(after.sizeOf(1)).toBe(flush[0] === 'FLUSHDB' ? 1 : 0);
    // Both twins go on alike: the flushed database takes new keys, inline.
    await t.both(0, words('SET', 'a', '1'), words('KEYS', '*'), words('DBSIZE'));
    expect(rootOf(t.paged).isPaged(0)).toBe(false);
  });

  it('root bytes after FLUSHALL do not grow with the keys: all but the commit window and the retired names is the same; those are ~30 B a page', async () => {
    const rest: unknown[] = [];
    const sizes: { pages: number; retired: number }[] = [];
    for (const count of [60, 300]) {
      const t = await twins(count);
      const pages = referenced(t.paged, 0).length;
      await t.both(0, words('FLUSHALL'));
      const body = t.paged.body(DOC)!;
      const doc = rootOf(t.paged);
      expect(doc.pagedRoot.dbs.every((d) => d === undefined)).toBe(true);
      // The flush's own record (folds retired pages before it, as many as they rewrote).
      sizes.push({ pages, retired: JSON.stringify(doc.pagedRoot.retired.at(-1)).length });
      // The commit window (a record per batch, the same policy for both) and the seq differ by how the twins were built.
      const { commits: _c, seq: _s, retired: _r, ...others } = JSON.parse(body.toString()) as Record<string, unknown>;
      rest.push(others);
    }
    const [small, big] = sizes;
    expect(big.pages).toBeGreaterThan(2 * small.pages);
    expect(rest[1]).toEqual(rest[0]);
    for (const s of sizes) expect(s.retired).toBeLessThanOrEqual(32 * s.pages + 20);
  });

  it('past the retention horizon a commit drops the record: the root is format 3 again', async () => {
    const t = await twins(60);
    await t.both(0, words('FLUSHALL'));
    expect(rootOf(t.paged).pagedRoot.retired).toHaveLength(1);
    const later = t.cold(() => NOW + RETIRED_HORIZON_MS + 1);
    ok(await later(request([{ db: 0, commands: [words('SET', 'x', '1')] }])));
    const doc = rootOf(t.paged);
    expect([doc.pagedFormat, doc.pagedRoot.retired]).toEqual([false, []]);
    expect(t.paged.body(DOC)!.toString().startsWith('{"format":3,')).toBe(true);
  });

  it('in MULTI/EXEC and in a script, followed by writes: the replies of the flat twin', async () => {
    const t = await twins(80, { 2: [['SET', 'two', '2']] });
    await t.both(0, tx([], [0, ['FLUSHALL']], [0, ['SET', 'a', '1']], [2, ['SET', 'b', '2']], [0, ['DBSIZE']], [0, ['KEYS', '*']]), words('DBSIZE'));
    const u = await twins(80);
    const r = await u.both(0, words('EVAL', "redis.call('FLUSHDB'); redis.call('SET', KEYS[1], 'v'); return {redis.call('DBSIZE'), redis.call('EXISTS', 'key:1'), redis.call('GET', KEYS[1])}", '1', 'k'), words('KEYS', '*'));
    expect(r[0]).toEqual({ t: 'array', v: [int(1), int(0), bulk('v')] });
    expect(r[1]).toEqual({ t: 'array', v: [bulk('k')] });
  });

  it('WATCH on any key of the flushed database sees the change; on another database FLUSHDB does not', async () => {
    const t = await twins(80, { 4: [['SET', 'other', 'o']] });
    const seq = rootOf(t.paged).seq;
    expect(seq).toBe(rootOf(t.flat).seq);
    await t.both(0, words('FLUSHDB'));
    // key:1 was live when watched (its page never read since): the transaction aborts on both.
    const aborted = await t.both(0, tx([{ db: 0, key: 'key:1', seq, state: 1 }], [0, ['SET', 'w', '1']]));
    expect(aborted).toEqual([ABORTED]);
    const kept = await t.both(4, tx([{ db: 4, key: 'other', seq, state: 1 }], [4, ['GET', 'other']]));
    expect(kept).toEqual([{ t: 'array', v: [bulk('o')] }]);
    const all = await t.both(4, words('FLUSHALL'), tx([{ db: 4, key: 'other', seq: seq + 1, state: 1 }], [4, ['GET', 'other']]));
    expect(all).toEqual([OK, ABORTED]);
  });

  it('a batch whose commit fails leaves root, pages and the warm snapshot as they were', async () => {
    const t = await twins(100);
    const [body, pages] = [t.paged.body(DOC)!, referenced(t.paged, 0)];
    t.paged.onPut({ kind: 'throw', error: new Error('403 denied') });
    const res = await t.hp(request([{ db: 0, commands: [argv('FLUSHALL'), argv('SET', 'a', '1')] }]));
    expect(res.ok).toBe(false);
    expect(t.paged.body(DOC)!.equals(body)).toBe(true);
    // The same warm handler: its snapshot rolled back to the stored root (refs, log, resolved state).
    await t.both(0, words('GET', 'key:1'), words('DBSIZE'), words('EXISTS', 'a'));
    const keysOf = async (h: typeof t.hp) => sorted(ok(await h(request([{ db: 0, commands: [argv('KEYS', '*')] }]))).sessions[0].replies[0]);
    expect(await keysOf(t.hp)).toEqual(await keysOf(t.hf));
    expect(referenced(t.paged, 0)).toEqual(pages);
    expect(Document.decode(t.paged.body(DOC)!).pagedRoot.retired).toEqual(Document.decode(body).pagedRoot.retired);
  });

  it('on the file store (npm start): the same, its pages recorded as retired in the data directory\'s db.json', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-flush-'));
    const store = new FileStore(dir);
    try {
      const h = createHandler({ store, now: () => NOW, sleep: async () => undefined, paging: PAGING });
      for (let i = 0; i < 100; i += 25) ok(await h(request([{ db: 0, commands: Array.from({ length: 25 }, (_, j) => words('SET', `f:${i + j}`, 'x'.repeat(12))) }])));
      const read = async (): Promise<Document> => {
        const got = await store.get(DOC);
        if (got.status !== 'found') throw new Error('no db.json');
        return Document.decode(got.body);
      };
      const nodes = (await read()).pagedRoot.dbs[0]?.nodes.map((n) => n.page) ?? [];
      expect(nodes.length).toBeGreaterThan(1);
      const res = ok(await h(request([{ db: 0, commands: [words('FLUSHALL'), words('SET', 'a', '1'), words('DBSIZE'), words('GET', 'f:1')] }])));
      expect(res.sessions[0].replies).toEqual([OK, OK, int(1), NIL]);
      const after = await read();
      expect([after.isPaged(0), after.sizeOf(0)]).toEqual([false, 1]);
      expect(after.pagedRoot.retired.at(-1)?.[1]).toEqual(expect.arrayContaining(nodes));
      // The pages are still in the data directory: only the GC deletes them, past the grace period.
      for (const n of nodes) expect(fs.existsSync(path.join(dir, `${DOC}.pages`, n))).toBe(true);
    } finally {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
