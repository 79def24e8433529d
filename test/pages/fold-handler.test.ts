/**
 * The fold end to end through the handler (layout.ts §5): a database passing
 * the page threshold is paged by its commit; a log past the soft bound makes
 * responses ask for a fold; a fold request uploads pages and answers deltas
 * without writing db.json; the next write batch applies them, or drops a
 * stale one with nothing lost; past the hard bound a commit folds itself.
 */
import { CONTRACT_VERSION, type BatchRequest, type BatchResponse, type WireFoldDelta } from '../../lambda/contract';
import { encodeArg } from '../../lambda/contract-wire';
import { Document } from '../../lambda/document';
import { createHandler, type BatchHandler } from '../../lambda/handler';
import { pagePrefix } from '../../lambda/pages/name';
import { logBytes } from '../../lambda/pages/root';
import { MemoryStore } from '../support/memory-store';
import { TINY } from './paged-store';

const DOC = 'db.json';
const NOW = 1_700_000_000_000;
const PAGING = { threshold: 400, softBytes: 200, hardBytes: 1500, limits: TINY };

let n = 0;
const batch = (cmds: string[][], extra: Partial<BatchRequest> = {}): BatchRequest => ({
  v: CONTRACT_VERSION,
  batchId: `b${++n}`,
  sessions: [{ id: 's', commands: cmds.map((c) => c.map((a) => encodeArg(Buffer.from(a)))) }],
  ...extra,
});
const foldRequest = (): BatchRequest => ({ v: CONTRACT_VERSION, batchId: `f${++n}`, sessions: [], fold: {} });
const sets = (from: number, to: number, tag = 'v'): string[][] => Array.from({ length: to - from }, (_, i) => ['SET', `key:${from + i}`, `${tag}${from + i}`]);

function ok(res: BatchResponse): Extract<BatchResponse, { ok: true }> {
  if (!res.ok) throw new Error(`batch failed: ${res.failure.message}`);
  return res;
}

const pages = (store: MemoryStore): number => [...store.objects.keys()].filter((k) => k.startsWith(pagePrefix(DOC))).length;
const root = (store: MemoryStore): Document => Document.decode(store.body(DOC) as Buffer);

/** Every key reads back as last written, and DBSIZE is right. */
async function expectAll(h: BatchHandler, count: number, tag = (i: number) => `v${i}`): Promise<void> {
  const gets = Array.from({ length: count }, (_, i) => ['GET', `key:${i}`]);
  const res = ok(await h(batch([...gets, ['DBSIZE']])));
  const replies = res.sessions[0].replies;
  expect(replies.slice(0, count)).toEqual(Array.from({ length: count }, (_, i) => ({ t: 'bulk', v: encodeArg(Buffer.from(tag(i))) })));
  expect(replies[count]).toEqual({ t: 'int', v: count });
}

function setup(): { store: MemoryStore; h: BatchHandler } {
  const store = new MemoryStore();
  return { store, h: createHandler({ store, now: () => NOW, sleep: async () => undefined, paging: PAGING }) };
}

describe('the fold through the handler', () => {
  it('pages a database past the threshold in its commit, then asks for a fold past the soft bound', async () => {
    const { store, h } = setup();
    ok(await h(batch(sets(0, 10))));
    expect(root(store).pagedFormat).toBe(false);
    const paged = ok(await h(batch(sets(10, 30))));
    // The commit that crossed the threshold paged db 0 and folded it itself: nothing is left in the log.
    expect(root(store).pagedFormat).toBe(true);
    expect(logBytes(root(store).pagedRoot)).toBe(0);
    expect(pages(store)).toBeGreaterThan(0);
    expect(paged.stats.foldWanted).toBeUndefined();
    const more = ok(await h(batch(sets(30, 50))));
    expect(more.stats.foldWanted).toBe(true);
    await expectAll(h, 50);
  });

  it('a fold request uploads pages and answers deltas without writing db.json; the next commit applies them', async () => {
    const { store, h } = setup();
    ok(await h(batch(sets(0, 30))));
    ok(await h(batch(sets(30, 45))));
    const [body, before] = [store.body(DOC), pages(store)];
    const folded = ok(await h(foldRequest()));
    expect(folded.folds?.length).toBe(1);
    expect(store.body(DOC)).toEqual(body);
    expect(pages(store)).toBeGreaterThan(before);
    expect(folded.stats.s3Puts).toBe(pages(store) - before);
    const applied = ok(await h(batch([['SET', 'key:0', 'again']], { deltas: folded.folds })));
    expect([applied.stats.foldsApplied, applied.stats.foldsDropped]).toEqual([1, 0]);
    // Only the batch's own write is left in the log.
    expect(root(store).pagedRoot.dbs[0]?.log.size).toBe(1);
    await expectAll(h, 45, (i) => (i === 0 ? 'again' : `v${i}`));
  });

  it('drops a stale delta (another fold landed first), and nothing is lost', async () => {
    const { store, h } = setup();
    ok(await h(batch(sets(0, 30))));
    ok(await h(batch(sets(30, 45))));
    const first = ok(await h(foldRequest())).folds as WireFoldDelta[];
    const second = ok(await h(foldRequest())).folds as WireFoldDelta[];
    ok(await h(batch(sets(45, 50), { deltas: second })));
    const late = ok(await h(batch([['SET', 'key:1', 'late']], { deltas: first })));
    expect([late.stats.foldsApplied, late.stats.foldsDropped]).toEqual([0, 1]);
    expect(root(store).pagedRoot.dbs[0]?.log.has('key:1')).toBe(true);
    await expectAll(h, 50, (i) => (i === 1 ? 'late' : `v${i}`));
  });

  it('past the hard bound a commit folds itself, in its one root PUT', async () => {
    const { store, h } = setup();
    ok(await h(batch(sets(0, 30))));
    const res = ok(await h(batch(sets(30, 130, 'w'))));
    expect(res.stats.s3Puts).toBeGreaterThan(1);
    expect(logBytes(root(store).pagedRoot)).toBeLessThanOrEqual(PAGING.hardBytes);
    await expectAll(h, 130, (i) => (i < 30 ? `v${i}` : `w${i}`));
  });

  it('refuses malformed deltas like any malformed request', async () => {
    const { h } = setup();
    const res = await h(batch([['SET', 'a', '1']], { deltas: [{ db: 0, replaced: [{ old: '../x', refs: [] }], folded: [], retired: [], startedAt: NOW }] }));
    expect(res.ok).toBe(false);
    const read = await h(batch([['GET', 'a']], { write: false, deltas: [] }));
    expect(!read.ok && read.failure.message).toBe('fold deltas ride on write batches only');
  });
});

describe('page PUTs that fail', () => {
  /** A memory store whose page PUTs go through `put` (which may call the real one). */
  function failing(put: (real: MemoryStore['putPage'], key: string, name: string, bytes: Buffer) => ReturnType<MemoryStore['putPage']>): { store: MemoryStore; h: BatchHandler; calls: () => number } {
    const store = new MemoryStore();
    const real = store.putPage.bind(store);
    let calls = 0;
    store.putPage = (key, name, bytes) => {
      calls++;
      return put(real, key, name, bytes);
    };
    return { store, h: createHandler({ store, now: () => NOW, sleep: async () => undefined, paging: PAGING }), calls: () => calls };
  }

  it('a page whose answer was lost is tried again, and "exists" then is its own upload', async () => {
    const lost = new Set<string>();
    const { store, h, calls } = failing(async (real, key, name, bytes) => {
      const r = await real(key, name, bytes);
      if (lost.has(name)) return r;
      lost.add(name);
      return { status: 'unknown', detail: 'connection reset (test)' };
    });
    ok(await h(batch(sets(0, 30))));
    expect(root(store).pagedFormat).toBe(true);
    expect(logBytes(root(store).pagedRoot)).toBe(0);
    expect(calls()).toBe(2 * pages(store));
    await expectAll(h, 30);
  });

  it("a commit whose own fold cannot make pages still lands with its log whole, until the log passes twice the hard bound", async () => {
    const { store, h } = failing(async () => ({ status: 'unknown', detail: 'S3 is down for pages (test)' }));
    ok(await h(batch(sets(0, 30))));
    // Paged, every record still in the root's log: correct, only bigger.
    expect(root(store).pagedFormat).toBe(true);
    expect(pages(store)).toBe(0);
    await expectAll(h, 30);
    const before = store.body(DOC);
    const refused = await h(batch(sets(30, 200, 'w')));
    expect(!refused.ok && refused.failure).toMatchObject({ kind: 'not-applied', message: expect.stringMatching(/page .* was not created/) });
    expect(store.body(DOC)).toEqual(before);
    await expectAll(h, 30);
  });

  it('a fold delta made before a SWAPDB never takes the other database\'s records for its own (same key, same commit)', async () => {
    let down = true;
    const { store, h } = failing(async (real, key, name, bytes) => (down ? { status: 'unknown', detail: 'pages down (test)' } : real(key, name, bytes)));
    // One commit pages db 0 and db 1 (their folds fail: nodes none, every record in the log at that commit's seq), with `k` in both.
    const fill = (db: number, tag: string) => ({ id: `s${db}`, db, commands: [['SET', 'k', tag], ...sets(0, 60, `${tag}-`)].map((c) => c.map((a) => encodeArg(Buffer.from(a)))) });
    ok(await h({ v: CONTRACT_VERSION, batchId: `b${++n}`, sessions: [fill(0, 'zero'), fill(1, 'one')] }));
    expect([root(store).isPaged(0), root(store).isPaged(1), pages(store)]).toEqual([true, true, 0]);
    down = false;
    const folded = ok(await h(foldRequest())).folds;
    expect(folded?.length).toBe(2);
    // Pages down again: the SWAPDB's commit cannot fold (which would make the deltas stale by their nodes).
    down = true;
    ok(await h(batch([['SWAPDB', '0', '1']])));
    expect(root(store).pagedRoot.dbs[0]?.nodes).toEqual([]);
    // The stale deltas ride on the next write: db 0 now holds what db 1 held.
    ok(await h(batch([['SET', 'other', 'x']], { deltas: folded })));
    const read = async (db: number) => ok(await h({ v: CONTRACT_VERSION, batchId: `b${++n}`, sessions: [{ id: 'r', db, commands: [['GET', 'k'], ['GET', 'key:3'], ['DBSIZE']].map((c) => c.map((a) => encodeArg(Buffer.from(a)))) }] })).sessions[0].replies;
    const value = (v: string) => ({ t: 'bulk', v: encodeArg(Buffer.from(v)) });
    expect(await read(0)).toEqual([value('one'), value('one-3'), { t: 'int', v: 62 }]);
    expect(await read(1)).toEqual([value('zero'), value('zero-3'), { t: 'int', v: 61 }]);
  });
});
