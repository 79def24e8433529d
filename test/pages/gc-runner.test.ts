/**
 * The page GC runner (lambda/gc.ts) against the emulator (real SDK, real
 * wire): it lists with pagination, keeps every page a snapshot root or the
 * current root names (a reader holding an old root still reads them all),
 * deletes orphans past the grace, never touches db.json or foreign keys, and
 * deletes nothing when a root or node page it needs cannot be read.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Document } from '../../lambda/document';
import { collectPages, type GcOptions } from '../../lambda/gc';
import { encodePage, type PageRef, type Rec } from '../../lambda/pages/codec';
import { PageReader, resolve } from '../../lambda/pages/keyspace';
import { GRACE_MS } from '../../lambda/pages/layout';
import { Log } from '../../lambda/pages/log';
import { pageKey, pageName, pagePrefix } from '../../lambda/pages/name';
import { emptyRoot, encodeRoot, type PagedRoot } from '../../lambda/pages/root';
import { S3Store } from '../../lambda/store/s3';
import { pagesOf } from '../../lambda/store/types';
import type { Emulator } from '../support/emulator';
import { closeWithClient, emulatorWithClient } from '../support/emulator-client';
import { form } from './entries';

let emu: Emulator;
let s3: S3Client;
let n = 0;
/** A fresh document key per test: each has its own pages prefix. */
const freshKey = (): string => `gc-${++n}/db.json`;
/** Ages in the emulator are real: a GC "an hour later" sees every page old. */
const LATER = (): number => Date.now() + 3_600_000;

beforeAll(async () => ({ emu, s3 } = await emulatorWithClient()));
afterAll(() => closeWithClient({ emu, s3 }));

const opts = (key: string, o: Partial<GcOptions> = {}): GcOptions => ({ s3, bucket: emu.bucket, key, snapshotPrefix: `${key}.snapshots/`, ...o });
const put = (key: string, body: Buffer | string): Promise<unknown> => s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: key, Body: body }));

async function putPage(doc: string, bytes: Buffer): Promise<string> {
  const name = pageName(bytes);
  await s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: pageKey(doc, name), Body: bytes, IfNoneMatch: '*' }));
  return name;
}

/** A one-leaf, one-node tree of database 0 holding `values`; its node's ref. */
async function tree(doc: string, values: Record<string, string>): Promise<{ node: PageRef; leaf: string }> {
  const recs: [string, Rec][] = Object.entries(values).map(([k, v]) => [k, { e: { type: 'string', value: Buffer.from(v) }, p: 0, seq: 1 }]);
  const leaf = await putPage(doc, encodePage({ kind: 'leaf', db: 0, lo: 0, hi: 2 ** 52 }, recs));
  const ref = { lo: 0, page: leaf, n: recs.length, x: 0 };
  const node = await putPage(doc, encodePage({ kind: 'node', db: 0, lo: 0, hi: 2 ** 52, leaves: [ref] }, []));
  return { node: { lo: 0, page: node, n: recs.length, x: 0 }, leaf };
}

function rootOf(node: PageRef, retired: [number, string[]][] = []): PagedRoot {
  const root = emptyRoot();
  root.dbs[0] = { nodes: [node], log: new Log() };
  root.retired = retired;
  return root;
}

/** A format-4 db.json around the root (checked by the real decoder). */
function body(root: PagedRoot): string {
  const text = `{"format":4,"clock":1,"seq":1,"commits":[],"data":{},${encodeRoot(root)}}`;
  Document.decode(Buffer.from(text));
  return text;
}

async function pagesLeft(doc: string): Promise<string[]> {
  const res = await s3.send(new ListObjectsV2Command({ Bucket: emu.bucket, Prefix: pagePrefix(doc) }));
  return (res.Contents ?? []).map((c) => (c.Key as string).slice(pagePrefix(doc).length)).sort();
}

/** Reads every key of `root` through fresh pages from S3: what a reader holding that root does. */
async function readAll(doc: string, root: PagedRoot, keys: string[]): Promise<Record<string, string | undefined>> {
  const store = new S3Store({ bucket: emu.bucket, endpoint: emu.endpoint, region: emu.region, credentials: emu.credentials });
  try {
    const pages = pagesOf(store);
    const found = await resolve(root, 0, keys, new PageReader((name) => pages.getPage(doc, name)));
    return Object.fromEntries([...found].map(([k, f]) => [k, form(f.e)]));
  } finally {
    store.close?.();
  }
}

describe('page GC runner', () => {
  it('keeps what a snapshot root names, so a reader holding it still reads every page; deletes an old orphan', async () => {
    const doc = freshKey();
    const old = await tree(doc, { a: '1', b: '2' });
    const snapshotRoot = rootOf(old.node);
    await put(`${doc}.snapshots/2025-01-01T00:00:00.000Z.json`, body(snapshotRoot));
    const cur = await tree(doc, { a: '10', b: '20' });
    // The old pages' retirement is long past the horizon: no record keeps them, only the snapshot.
    await put(doc, body(rootOf(cur.node)));
    const orphan = await putPage(doc, encodePage({ kind: 'leaf', db: 0, lo: 0, hi: 1 }, []));

    const result = await collectPages(opts(doc, { now: LATER }));
    expect(result).toMatchObject({ status: 'collected', listed: 5, deleted: [orphan], referenced: 4, snapshotsRead: 1 });
    expect(await pagesLeft(doc)).toEqual([old.node.page, old.leaf, cur.node.page, cur.leaf].sort());
    expect(await readAll(doc, snapshotRoot, ['a', 'b'])).toEqual({ a: '"1"', b: '"2"' });
    expect(await readAll(doc, rootOf(cur.node), ['a', 'b'])).toEqual({ a: '"10"', b: '"20"' });
    // db.json itself is read, never written.
    const after = await s3.send(new GetObjectCommand({ Bucket: emu.bucket, Key: doc }));
    expect(await after.Body?.transformToString()).toBe(body(rootOf(cur.node)));
  });

  it('keeps the pages a reader of the previous root may be fetching (retired a moment ago), deletes them once retired past the grace', async () => {
    const doc = freshKey();
    const old = await tree(doc, { k: 'old' });
    const held = rootOf(old.node);
    const cur = await tree(doc, { k: 'new' });
    const now = LATER();
    await put(doc, body(rootOf(cur.node, [[now - 1000, [old.node.page, old.leaf]]])));
    expect(await collectPages(opts(doc, { now: () => now }))).toMatchObject({ deleted: [], referenced: 2, young: 2 });
    expect(await readAll(doc, held, ['k'])).toEqual({ k: '"old"' });

    await put(doc, body(rootOf(cur.node, [[now - GRACE_MS - 1, [old.node.page, old.leaf]]])));
    const r = await collectPages(opts(doc, { now: () => now }));
    expect(r.status === 'collected' && r.deleted.sort()).toEqual([old.node.page, old.leaf].sort());
    expect(await pagesLeft(doc)).toEqual([cur.node.page, cur.leaf].sort());
  });

  it('keeps an orphan younger than the grace (a fold delta not yet committed)', async () => {
    const doc = freshKey();
    const cur = await tree(doc, { k: 'v' });
    await put(doc, body(rootOf(cur.node)));
    const young = await putPage(doc, encodePage({ kind: 'leaf', db: 0, lo: 0, hi: 7 }, []));
    expect(await collectPages(opts(doc))).toMatchObject({ deleted: [], referenced: 2, young: 1 });
    expect(await pagesLeft(doc)).toContain(young);
  });

  it('lists across many ListObjectsV2 pages and deletes every orphan', async () => {
    const doc = freshKey();
    const cur = await tree(doc, { k: 'v' });
    await put(doc, body(rootOf(cur.node)));
    const orphans: string[] = [];
    for (let i = 0; i < 240; i++) orphans.push(await putPage(doc, encodePage({ kind: 'leaf', db: 0, lo: i, hi: i + 1 }, [])));
    const lists = emu.stats.s3Lists;
    const r = await collectPages(opts(doc, { now: LATER, listPageSize: 50 }));
    // 242 pages at 50 a page: 5 list calls for the pages, 1 for the (empty) snapshot prefix.
    expect(emu.stats.s3Lists - lists).toBe(6);
    expect(r.status === 'collected' && r.deleted.sort()).toEqual(orphans.sort());
    expect(await pagesLeft(doc)).toEqual([cur.node.page, cur.leaf].sort());
  });

  it('never deletes keys under the prefix that are not page names, nor anything with no pages at all', async () => {
    const doc = freshKey();
    await put(`${pagePrefix(doc)}notes.txt`, 'operator file');
    await put(doc, body(emptyRoot()));
    expect(await collectPages(opts(doc, { now: LATER }))).toMatchObject({ status: 'collected', listed: 0, deleted: [], foreign: [`${pagePrefix(doc)}notes.txt`] });
  });

  it('deletes nothing when a snapshot is unreadable, a node page is missing, or there is no db.json', async () => {
    const doc = freshKey();
    const cur = await tree(doc, { k: 'v' });
    const orphan = await putPage(doc, encodePage({ kind: 'leaf', db: 0, lo: 0, hi: 9 }, []));
    expect(await collectPages(opts(doc, { now: LATER }))).toEqual({ status: 'no-document', listed: 3 });

    await put(`${doc}.snapshots/bad.json`, '{"format":4,"pages":');
    await put(doc, body(rootOf(cur.node)));
    await expect(collectPages(opts(doc, { now: LATER }))).rejects.toThrow(/snapshot .*bad\.json cannot be read .*nothing was deleted/);

    const missing = { ...cur.node, page: pageName(Buffer.from('never uploaded, sixteen bytes+++')) };
    await put(`${doc}.snapshots/bad.json`, body(rootOf(missing)));
    await expect(collectPages(opts(doc, { now: LATER }))).rejects.toThrow(/node page .* missing; nothing was deleted/);
    expect(await pagesLeft(doc)).toContain(orphan);
  });

  it('reads a format-3 snapshot as naming nothing, and skips snapshots older than every page', async () => {
    const doc = freshKey();
    await put(`${doc}.snapshots/format3.json`, '{"format":3,"clock":0,"seq":0,"commits":[],"data":{"k":"v"}}');
    const cur = await tree(doc, { k: 'v' });
    await put(doc, body(rootOf(cur.node)));
    expect(await collectPages(opts(doc, { now: LATER }))).toMatchObject({ deleted: [], snapshotsRead: 1, snapshotsSkipped: 0 });
    // An hour on, the snapshot is older than every page by more than the grace.
    const obj = emu.s3.buckets.get(emu.bucket)?.get(`${doc}.snapshots/format3.json`);
    if (obj) obj.lastModified = new Date(Date.now() - 3_600_000);
    expect(await collectPages(opts(doc, { now: LATER }))).toMatchObject({ deleted: [], snapshotsRead: 0, snapshotsSkipped: 1 });
  });
});

describe('page GC Lambda entry', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('refuses to run without a bucket, or with a grace shorter than the derivation allows', async () => {
    const { handler } = await import('../../lambda/gc');
    process.env = { ...saved };
    delete process.env.VALTHREE_BUCKET;
    await expect(handler()).rejects.toThrow(/VALTHREE_BUCKET/);
    process.env = { ...saved, VALTHREE_BUCKET: 'b', VALTHREE_GC_GRACE_MS: String(GRACE_MS - 1) };
    await expect(handler()).rejects.toThrow(/VALTHREE_GC_GRACE_MS must be an integer of at least 60000/);
  });
});
