/**
 * The file store collects its own pages (layout.ts §11, lambda/store/file-gc.ts):
 * pages of replaced roots disappear once retired past the grace, a reader
 * holding a replaced root reads all of it within the grace, pages the current
 * root names never disappear however old, a put of the root starts a
 * collection by itself, and nothing is deleted when a node page the root
 * names cannot be read.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONTRACT_VERSION, type BatchRequest, type BatchResponse } from '../../lambda/contract';
import { encodeArg } from '../../lambda/contract-wire';
import { Document } from '../../lambda/document';
import { createHandler, type BatchHandler } from '../../lambda/handler';
import { decodePage, encodePage } from '../../lambda/pages/codec';
import { PageReader, resolve } from '../../lambda/pages/keyspace';
import { GRACE_MS } from '../../lambda/pages/layout';
import { pageName } from '../../lambda/pages/name';
import { FileStore } from '../../lambda/store/file';
import { TINY } from './paged-store';

const KEY = 'db.json';
const PAGING = { threshold: 400, softBytes: 200, hardBytes: 1500, limits: TINY };
let dir: string;
let store: FileStore;
let t: number;
let h: BatchHandler;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-filegc-'));
  t = Date.now();
  store = new FileStore(dir, { now: () => t, intervalMs: 0 });
  h = createHandler({ store, now: () => t, paging: PAGING, sleep: async () => undefined });
});
afterEach(async () => {
  await store.collected(KEY);
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const batch = (cmds: string[][], extra: Partial<BatchRequest> = {}): BatchRequest => ({
  v: CONTRACT_VERSION,
  batchId: `g${++n}`,
  sessions: [{ id: 's', commands: cmds.map((c) => c.map((a) => encodeArg(Buffer.from(a)))) }],
  ...extra,
});
function ok(res: BatchResponse): Extract<BatchResponse, { ok: true }> {
  if (!res.ok) throw new Error(`batch failed: ${res.failure.message}`);
  return res;
}
const pagesDir = (): string => path.join(dir, `${KEY}.pages`);
const onDisk = (): Set<string> => new Set(fs.readdirSync(pagesDir()));
const root = (): Document => Document.decode(fs.readFileSync(path.join(dir, KEY)));

/** Pages `doc` names: node pages and their leaves. */
function named(doc: Document): string[] {
  const out: string[] = [];
  for (const d of doc.pagedRoot.dbs) {
    for (const r of d?.nodes ?? []) out.push(r.page, ...(decodePage(r.page, fs.readFileSync(path.join(pagesDir(), r.page))).leaves ?? []).map((l) => l.page));
  }
  return out;
}

/** Writes key:from..to (tag) and folds; the roots it made, decoded. */
async function writeAndFold(from: number, to: number, tag: string): Promise<Document[]> {
  const roots: Document[] = [];
  for (let i = from; i < to; i += 20) {
    ok(await h(batch(Array.from({ length: Math.min(20, to - i) }, (_, j) => ['SET', `key:${i + j}`, `${tag}-${i + j}`]))));
    roots.push(root());
  }
  const f = ok(await h({ v: CONTRACT_VERSION, batchId: `f${++n}`, sessions: [], fold: {} }));
  ok(await h(batch([['PING']], { deltas: f.folds })));
  roots.push(root());
  return roots;
}

async function expectKeys(count: number, tag: (i: number) => string): Promise<void> {
  const fresh = createHandler({ store, now: () => t, paging: PAGING, cache: false });
  const res = ok(await fresh(batch([...Array.from({ length: count }, (_, i) => ['GET', `key:${i}`]), ['DBSIZE']])));
  expect(res.sessions[0].replies).toEqual([...Array.from({ length: count }, (_, i) => ({ t: 'bulk', v: encodeArg(Buffer.from(tag(i))) })), { t: 'int', v: count }]);
}

describe('the file store collects its own pages', () => {
  it('deletes pages of replaced roots only past the grace; a reader of a replaced root reads it all meanwhile; referenced pages never go', async () => {
    const first = await writeAndFold(0, 60, 'a');
    const roots = [...first, ...(await writeAndFold(0, 60, 'b')), ...(await writeAndFold(60, 80, 'b'))];
    await store.collected(KEY);
    const everNamed = new Set(roots.flatMap((r) => (r.pagedFormat ? named(r) : [])));
    // Collections ran after every put, within the grace: nothing named once is gone yet.
    for (const p of everNamed) expect(onDisk().has(p)).toBe(true);
    const held = first[first.length - 1];
    const heldKeys = Array.from({ length: 60 }, (_, i) => `key:${i}`);

    t += GRACE_MS / 2;
    expect((await store.collectPages(KEY)).deleted).toEqual([]);
    const reader = new PageReader((name) => store.getPage(KEY, name));
    const seen = await resolve(held.pagedRoot, 0, heldKeys, reader);
    expect(heldKeys.map((k) => seen.get(k)?.e?.type)).toEqual(heldKeys.map(() => 'string'));

    t += GRACE_MS;
    const current = named(root());
    const result = await store.collectPages(KEY);
    const gone = [...everNamed].filter((p) => !current.includes(p));
    expect(gone.length).toBeGreaterThan(0);
    for (const p of gone) expect(result.deleted).toContain(p);
    for (const p of current) expect(result.deleted).not.toContain(p);
    for (const p of gone) expect(onDisk().has(p)).toBe(false);
    for (const p of current) expect(onDisk().has(p)).toBe(true);
    await expectKeys(80, (i) => `b-${i}`);

    // However old, what the current root names stays.
    t += 10 * 24 * 3_600_000;
    expect((await store.collectPages(KEY)).deleted).toEqual([]);
    expect([...onDisk()].sort()).toEqual([...new Set(current)].sort());
    await expectKeys(80, (i) => `b-${i}`);
  });

  it('a put of the root starts a collection by itself once the grace has passed', async () => {
    await writeAndFold(0, 60, 'a');
    const before = named(root());
    await writeAndFold(0, 60, 'c');
    await store.collected(KEY);
    const replaced = before.filter((p) => !named(root()).includes(p));
    expect(replaced.length).toBeGreaterThan(0);
    for (const p of replaced) expect(onDisk().has(p)).toBe(true);
    t += 2 * GRACE_MS;
    ok(await h(batch([['SET', 'key:0', 'c-0']])));
    await store.collected(KEY);
    for (const p of replaced) expect(onDisk().has(p)).toBe(false);
    for (const p of named(root())) expect(onDisk().has(p)).toBe(true);
    await expectKeys(60, (i) => `c-${i}`);
  });

  it('deletes nothing when a node page the root names cannot be read', async () => {
    await writeAndFold(0, 60, 'a');
    await store.collected(KEY);
    const orphan = encodePage({ kind: 'leaf', db: 0, lo: 0, hi: 1 }, []);
    const orphanName = pageName(orphan);
    expect((await store.putPage(KEY, orphanName, orphan)).status).toBe('ok');
    const node = root().pagedRoot.dbs[0]!.nodes[0].page;
    fs.rmSync(path.join(pagesDir(), node));
    t += 2 * GRACE_MS;
    const before = onDisk();
    await expect(store.collectPages(KEY)).rejects.toThrow();
    expect(onDisk()).toEqual(before);
    expect(before.has(orphanName)).toBe(true);
  });

  it('an idle database still sheds its replaced pages once their grace has passed (no put needed)', async () => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-filegc-'));
    // A real clock and a short grace; commits fold themselves (no fold delta waits between its pages and its root).
    store = new FileStore(dir, { graceMs: 1500, intervalMs: 0 });
    h = createHandler({ store, paging: { ...PAGING, hardBytes: 250 }, sleep: async () => undefined });
    const roots: Document[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 60; i += 20) {
        ok(await h(batch(Array.from({ length: 20 }, (_, j) => ['SET', `key:${i + j}`, `r${round}-${i + j}`]))));
        roots.push(root());
      }
    }
    const current = named(root());
    const replaced = [...new Set(roots.flatMap((r) => (r.pagedFormat ? named(r) : [])))].filter((p) => !current.includes(p));
    // Retired within the grace by the last commits: only a later run, with no put to start it, can take them.
    expect(replaced.filter((p) => onDisk().has(p)).length).toBeGreaterThan(0);
    const deadline = Date.now() + 10_000;
    while (replaced.some((p) => onDisk().has(p)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const p of replaced) expect(onDisk().has(p)).toBe(false);
    for (const p of current) expect(onDisk().has(p)).toBe(true);
    await expectKeys(60, (i) => `r3-${i}`);
  });
});
