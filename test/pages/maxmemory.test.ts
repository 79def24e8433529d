/**
 * --maxmemory on the paged layout: the database's size is the root (less its
 * commit window) plus every page its node refs reach, counted from the refs'
 * `b` (no page read), exact; the OOM check and INFO's used_memory use it; the
 * default is 1 GiB; refs written without `b` are measured by the next fold.
 */
import { CONTRACT_VERSION, type BatchRequest, type BatchResponse } from '../../lambda/contract';
import { encodeArg } from '../../lambda/contract-wire';
import { DEFAULT_MAX_DOCUMENT_BYTES, Document } from '../../lambda/document';
import { storageSettingsFromEnv } from '../../lambda/config';
import { createHandler, type BatchHandler } from '../../lambda/handler';
import { decodePage, encodePage, type PageRef } from '../../lambda/pages/codec';
import { pageKey, pageName } from '../../lambda/pages/name';
import { decodeRoot, encodeRoot, pageBytes } from '../../lambda/pages/root';
import { MemoryStore } from '../support/memory-store';
import { TINY } from './paged-store';

const DOC = 'db.json';
const NOW = 1_700_000_000_000;
const PAGING = { threshold: 400, softBytes: 200, hardBytes: 1500, limits: TINY };
const OOM = { t: 'error', v: "OOM command not allowed when used memory > 'maxmemory'." };

let n = 0;
const batch = (cmds: string[][], extra: Partial<BatchRequest> = {}): BatchRequest => ({
  v: CONTRACT_VERSION,
  batchId: `m${++n}`,
  sessions: [{ id: 's', commands: cmds.map((c) => c.map((a) => encodeArg(Buffer.from(a)))) }],
  ...extra,
});
const sets = (from: number, to: number): string[][] => Array.from({ length: to - from }, (_, i) => ['SET', `key:${from + i}`, `value-${from + i}`]);

function ok(res: BatchResponse): Extract<BatchResponse, { ok: true }> {
  if (!res.ok) throw new Error(`batch failed: ${res.failure.message}`);
  return res;
}

const handler = (store: MemoryStore, maxDocumentBytes?: number): BatchHandler => createHandler({ store, now: () => NOW, sleep: async () => undefined, paging: PAGING, maxDocumentBytes });

/** Bytes of the root's commit window as Document counts them: each record's JSON and a separator. */
function windowBytes(body: Buffer): number {
  const commits = (JSON.parse(body.toString('utf8')) as { commits: unknown[] }).commits;
  return commits.reduce<number>((s, c) => s + Buffer.byteLength(JSON.stringify(c)) + 1, 0);
}

/** The database's bytes counted the slow way: the root less its window, plus every page reached, as stored. */
function measured(store: MemoryStore): { bytes: number; pages: number } {
  const body = store.body(DOC) as Buffer;
  let bytes = body.length - windowBytes(body);
  let pages = 0;
  const add = (name: string): Buffer => {
    const b = store.body(pageKey(DOC, name));
    if (!b) throw new Error(`page ${name} missing`);
    bytes += b.length;
    pages++;
    return b;
  };
  for (const d of Document.decode(body).pagedRoot.dbs) {
    for (const ref of d?.nodes ?? []) for (const leaf of decodePage(ref.page, add(ref.page)).leaves ?? []) add(leaf.page);
  }
  return { bytes, pages };
}

/** A paged database with pages in several nodes and records in the log. */
async function build(store: MemoryStore): Promise<BatchHandler> {
  const h = handler(store);
  ok(await h(batch(sets(0, 40))));
  for (let i = 40; i < 120; i += 20) {
    ok(await h(batch(sets(i, i + 20))));
    const f = ok(await h({ v: CONTRACT_VERSION, batchId: `f${++n}`, sessions: [], fold: {} }));
    ok(await h(batch([['SET', 'key:0', `again-${i}`]], { deltas: f.folds })));
  }
  ok(await h(batch(sets(120, 125))));
  return h;
}

describe('--maxmemory on the paged layout', () => {
  it('refs carry b when known, round-trip with or without it, and refuse a malformed one', () => {
    const page = pageName(encodePage({ kind: 'leaf', db: 0, lo: 0, hi: 1 }, []));
    const root = decodeRoot({ 0: { nodes: [[0, page, 3, 1, 900], [5, page, 2, 0]], log: [] } }, []);
    expect(root.dbs[0]?.nodes).toEqual([{ lo: 0, page, n: 3, x: 1, b: 900 }, { lo: 5, page, n: 2, x: 0 }]);
    expect(encodeRoot(root)).toBe(`"pages":{"0":{"nodes":[[0,"${page}",3,1,900],[5,"${page}",2,0]],"log":[]}},"retired":[]`);
    expect(pageBytes(root)).toEqual({ bytes: 900, unknown: 1 });
    for (const bad of [[0, page, 3, 1, -1], [0, page, 3, 1, 1.5], [0, page, 3, 1, 9, 9]]) expect(() => decodeRoot({ 0: { nodes: [bad], log: [] } }, [])).toThrow(/malformed node ref/);
    const node = encodePage({ kind: 'node', db: 0, lo: 0, hi: 9, leaves: [{ lo: 0, page, n: 1, x: 0, b: 77 }, { lo: 4, page, n: 1, x: 0 }] }, []);
    expect(decodePage(pageName(node), node).leaves).toEqual([{ lo: 0, page, n: 1, x: 0, b: 77 }, { lo: 4, page, n: 1, x: 0 }]);
    expect(decodePage(pageName(node), node).size).toBe(node.length);
  });

  it('defaults to 1 GiB (handler, settings)', () => {
    expect(DEFAULT_MAX_DOCUMENT_BYTES).toBe(1024 ** 3);
    expect(storageSettingsFromEnv({ VALTHREE_BUCKET: 'b' }).maxDocumentBytes).toBe(1024 ** 3);
  });

  it('counts the root, its log and every page the refs reach, exactly, from the refs alone', async () => {
    const store = new MemoryStore();
    const h = await build(store);
    const doc = Document.decode(store.body(DOC) as Buffer);
    const truth = measured(store);
    // Paged for real: several nodes, pages and log records.
    expect(doc.pagedRoot.dbs[0]?.nodes.length).toBeGreaterThan(1);
    expect(doc.pagedRoot.dbs[0]?.log.size).toBeGreaterThan(0);
    expect(truth.pages).toBeGreaterThan(5);
    expect(pageBytes(doc.pagedRoot)).toEqual({ bytes: expect.any(Number), unknown: 0 });
    expect(doc.usedBytes).toBe(truth.bytes);
    // The pages are most of it: a root-only count would miss them.
    expect(pageBytes(doc.pagedRoot).bytes).toBeGreaterThan((store.body(DOC) as Buffer).length);
    // INFO used_memory's source: the batch's stats.
    const res = ok(await h(batch([['GET', 'key:1']])));
    expect(res.stats.usedBytes).toBe(truth.bytes);
  });

  it('answers -OOM to a write that would pass the limit counting paged bytes; deletes and small writes within it still work', async () => {
    const store = new MemoryStore();
    await build(store);
    const used = measured(store).bytes;
    const rootOnly = (store.body(DOC) as Buffer).length;
    const h = handler(store, used + 120);
    const big = 'x'.repeat(300);
    // Counting only the root, this write would fit with room to spare.
    expect(rootOnly + big.length * 2).toBeLessThan(used + 120);
    const res = ok(await h(batch([['SET', 'new', big], ['EXISTS', 'new'], ['SET', 'tiny', 't'], ['DEL', 'key:5'], ['GET', 'key:6']])));
    expect(res.sessions[0].replies).toEqual([OOM, { t: 'int', v: 0 }, { t: 'simple', v: 'OK' }, { t: 'int', v: 1 }, { t: 'bulk', v: encodeArg(Buffer.from('value-6')) }]);
    expect(res.stats.usedBytes).toBeLessThanOrEqual(used + 120);
    expect(res.stats.usedBytes).toBe(measured(store).bytes);
    // At the limit exactly, any growth is refused, yet a delete (a tombstone in the log) still works.
    const full = measured(store).bytes;
    const atLimit = ok(await handler(store, full)(batch([['SET', 'one', '1'], ['DEL', 'key:9'], ['GET', 'key:9']])));
    expect(atLimit.sessions[0].replies).toEqual([OOM, { t: 'int', v: 1 }, { t: 'null' }]);
    // With the limit raised past it, the same write lands.
    const roomy = ok(await handler(store, used + 2000)(batch([['SET', 'new', big]])));
    expect(roomy.sessions[0].replies).toEqual([{ t: 'simple', v: 'OK' }]);
  });

  it('upgrade: refs written without their bytes (root and node pages) count as unknown until the next fold measures them', async () => {
    const store = new MemoryStore();
    const h = await build(store);
    // Rewrite the root as a version without `b` wrote it: node pages re-encoded without their leaves' b, refs without b.
    const raw = JSON.parse((store.body(DOC) as Buffer).toString('utf8')) as { pages: Record<string, { nodes: unknown[][] }> };
    for (const d of Object.values(raw.pages)) {
      d.nodes = d.nodes.map(([lo, page, n, x]) => {
        const node = decodePage(page as string, store.body(pageKey(DOC, page as string)) as Buffer);
        const leaves = (node.leaves ?? []).map(({ b: _b, ...l }): PageRef => l);
        const bytes = encodePage({ kind: 'node', db: node.db, lo: node.lo, hi: node.hi, leaves }, node.recs);
        const name = pageName(bytes);
        store.objects.set(pageKey(DOC, name), { body: bytes, etag: name });
        return [lo, name, n, x];
      });
    }
    store.seed(DOC, JSON.stringify(raw));
    const legacy = Document.decode(store.body(DOC) as Buffer);
    const nodes = legacy.pagedRoot.dbs[0]!.nodes.length;
    expect(pageBytes(legacy.pagedRoot)).toEqual({ bytes: 0, unknown: nodes });
    // Until measured, the pages add nothing: a lower bound.
    expect(legacy.usedBytes).toBeLessThan(measured(store).bytes);
    // One key written (so the database has a log to fold), a fold, its delta applied.
    ok(await h(batch([['SET', 'key:7', 'seven']])));
    const f = ok(await h({ v: CONTRACT_VERSION, batchId: `f${++n}`, sessions: [], fold: {} }));
    const applied = ok(await h(batch([['GET', 'key:8']], { deltas: f.folds })));
    expect(applied.stats.foldsApplied).toBe(1);
    const after = Document.decode(store.body(DOC) as Buffer);
    expect(pageBytes(after.pagedRoot).unknown).toBe(0);
    expect(after.usedBytes).toBe(measured(store).bytes);
    const all = ok(await h(batch([...Array.from({ length: 125 }, (_, i) => ['EXISTS', `key:${i}`]), ['DBSIZE']])));
    expect(all.sessions[0].replies).toEqual([...Array.from({ length: 125 }, () => ({ t: 'int', v: 1 })), { t: 'int', v: 125 }]);
  });
});
