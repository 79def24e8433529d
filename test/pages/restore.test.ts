/**
 * Restoring a paged snapshot (layout.ts §9) with the operator's tool
 * (bin/restore.ts → lambda/restore.ts) against the emulator, real SDK client:
 * every key reads back through the handler as the snapshot had it; clock and
 * seq move forward; a batch that landed before the restore is not applied
 * again; a fold delta made before it is dropped; a reader of the replaced
 * root keeps its pages through the grace; the GC afterwards deletes nothing
 * the restored root names. A conflicting commit makes the restore write
 * nothing; --help and --dry-run write nothing either.
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { HELP, main } from '../../bin/restore';
import { CONTRACT_VERSION, type BatchRequest, type BatchResponse } from '../../lambda/contract';
import { encodeArg } from '../../lambda/contract-wire';
import { Document } from '../../lambda/document';
import { collectPages } from '../../lambda/gc';
import { createHandler, type BatchHandler } from '../../lambda/handler';
import { decodePage } from '../../lambda/pages/codec';
import { PageReader, resolve } from '../../lambda/pages/keyspace';
import { GRACE_MS, keyPos, rangeOf } from '../../lambda/pages/layout';
import { pagePrefix } from '../../lambda/pages/name';
import { emptyRoot, encodeRoot, writeRecord } from '../../lambda/pages/root';
import { restoreSnapshot } from '../../lambda/restore';
import { S3Store } from '../../lambda/store/s3';
import { pagesOf, type ObjectStore } from '../../lambda/store/types';
import { startEmulator, type Emulator } from '../support/emulator';
import { TINY } from './paged-store';

const PAGING = { threshold: 400, softBytes: 200, hardBytes: 1500, limits: TINY };
let emu: Emulator;
let s3: S3Client;
let store: S3Store;
let docs = 0;

beforeAll(async () => {
  emu = await startEmulator();
  s3 = new S3Client({ ...emu.clientConfig(), maxAttempts: 1 });
  store = new S3Store({ bucket: emu.bucket, endpoint: emu.endpoint, region: emu.region, credentials: emu.credentials });
});
afterAll(async () => {
  store.close?.();
  s3.destroy();
  await emu.close();
});

let n = 0;
const batch = (cmds: string[][], extra: Partial<BatchRequest> = {}): BatchRequest => ({
  v: CONTRACT_VERSION,
  batchId: `r${++n}`,
  sessions: [{ id: 's', commands: cmds.map((c) => c.map((a) => encodeArg(Buffer.from(a)))) }],
  ...extra,
});
const foldAsk = (): BatchRequest => ({ v: CONTRACT_VERSION, batchId: `f${++n}`, sessions: [], fold: {} });
const sets = (from: number, to: number, tag: string): string[][] => Array.from({ length: to - from }, (_, i) => ['SET', `key:${from + i}`, `${tag}-${from + i}`]);

function ok(res: BatchResponse): Extract<BatchResponse, { ok: true }> {
  if (!res.ok) throw new Error(`batch failed: ${res.failure.message}`);
  return res;
}

const handler = (key: string): BatchHandler => createHandler({ store, key, paging: PAGING, sleep: async () => undefined });

async function body(key: string): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket: emu.bucket, Key: key }));
  return Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

/** Writes `cmds` and folds what the responses ask for, so that pages change. */
async function writeAndFold(h: BatchHandler, cmds: string[][]): Promise<void> {
  for (let i = 0; i < cmds.length; i += 20) ok(await h(batch(cmds.slice(i, i + 20))));
  const f = ok(await h(foldAsk()));
  ok(await h(batch([['SET', 'marker', String(n)]], { deltas: f.folds })));
}

/** Every page `root` names (node pages and their leaves), read from the store. */
async function namedPages(key: string, doc: Document): Promise<string[]> {
  const out: string[] = [];
  for (const d of doc.pagedRoot.dbs) {
    for (const r of d?.nodes ?? []) {
      out.push(r.page);
      for (const l of decodePage(r.page, await pagesOf(store).getPage(key, r.page)).leaves ?? []) out.push(l.page);
    }
  }
  return out;
}

async function listed(key: string): Promise<Set<string>> {
  const res = await s3.send(new ListObjectsV2Command({ Bucket: emu.bucket, Prefix: pagePrefix(key) }));
  return new Set((res.Contents ?? []).map((c) => (c.Key as string).slice(pagePrefix(key).length)));
}

/** Keys among key:0..99 whose position falls in node `i` of `doc`'s database 0. */
function inNode(doc: Document, i: number): number[] {
  const los = doc.pagedRoot.dbs[0]!.nodes.map((r) => r.lo);
  return Array.from({ length: 100 }, (_, k) => k).filter((k) => rangeOf(los, keyPos(`key:${k}`)) === i);
}

/**
 * A paged database, its snapshot under `<key>.snapshots/`, then changes
 * after it (rewritten, deleted and new keys, folded) confined to the node
 * holding `marker`, so that the other nodes stay shared with the snapshot.
 */
async function scene(): Promise<{ key: string; snapshotKey: string; h: BatchHandler; snap: Document; shared: number[]; nearMarker: string }> {
  const key = `restore-${++docs}/db.json`;
  const h = handler(key);
  await writeAndFold(h, sets(0, 60, 'old'));
  await writeAndFold(h, sets(60, 80, 'old'));
  const snapshotKey = `${key}.snapshots/${new Date().toISOString()}.json`;
  const snapBody = await body(key);
  await s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: snapshotKey, Body: snapBody }));
  const snap = Document.decode(snapBody);
  const nodes = snap.pagedRoot.dbs[0]!.nodes;
  expect(nodes.length).toBeGreaterThan(1);
  const a = rangeOf(nodes.map((r) => r.lo), keyPos('marker'));
  const mine = inNode(snap, a);
  const cmds = mine.map((k) => (k >= 80 ? ['SET', `key:${k}`, `new-${k}`] : k % 3 === 0 ? ['DEL', `key:${k}`] : ['SET', `key:${k}`, `new-${k}`]));
  expect(cmds.length).toBeGreaterThan(0);
  await writeAndFold(h, cmds);
  const los = nodes.map((r) => r.lo);
  const nearMarker = Array.from({ length: 1000 }, (_, i) => `after${i}`).find((k) => rangeOf(los, keyPos(k)) === a) as string;
  return { key, snapshotKey, h, snap, shared: inNode(snap, a === 0 ? 1 : 0).filter((k) => k < 80), nearMarker };
}

const expectOld = async (h: BatchHandler): Promise<void> => {
  const res = ok(await h(batch([...Array.from({ length: 100 }, (_, i) => ['GET', `key:${i}`]), ['DBSIZE']])));
  const want = Array.from({ length: 100 }, (_, i) => (i < 80 ? { t: 'bulk', v: encodeArg(Buffer.from(`old-${i}`)) } : { t: 'null' }));
  // 80 keys and the marker the snapshot's last commit wrote.
  expect(res.sessions[0].replies).toEqual([...want, { t: 'int', v: 81 }]);
};

describe('restore of a paged snapshot', () => {
  it('brings back the snapshot: every key through the handler; the GC afterwards deletes nothing it names', async () => {
    const { key, snapshotKey, h, snap, shared, nearMarker } = await scene();
    const replacedBody = await body(key);
    const replaced = Document.decode(replacedBody);
    // Landed before the restore: its retry must not apply it again.
    const landed = batch([['SET', nearMarker, 'x']]);
    ok(await h(landed));
    // Folded and carried, so that the pending fold below touches the shared node only.
    ok(await h(batch([['PING']], { deltas: ok(await h(foldAsk())).folds })));
    // A fold of the replaced root, not yet carried by a commit, replacing a node the snapshot shares.
    expect(shared.length).toBeGreaterThan(0);
    ok(await h(batch(shared.map((k) => ['SET', `key:${k}`, 'pending']))));
    const pending = ok(await h(foldAsk())).folds;
    expect(pending?.length).toBe(1);
    const snapNodes = new Set(snap.pagedRoot.dbs[0]!.nodes.map((r) => r.page));
    expect(pending![0].replaced.map((r) => snapNodes.has(r.old as string))).toEqual([true]);
    const before = Document.decode(await body(key));
    const replacedPages = await namedPages(key, before);

    const out: string[] = [];
    const env = { AWS_ACCESS_KEY_ID: emu.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: emu.credentials.secretAccessKey };
    const flags = ['--snapshot', snapshotKey, '--bucket', emu.bucket, '--key', key, '--endpoint', emu.endpoint, '--region', emu.region];
    // A paged snapshot outside the prefix the GC reads is refused: its pages could go before the restored root names them.
    expect(await main(flags, env, { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(1);
    expect(out.splice(0)).toEqual([expect.stringMatching(/is not under snapshots\/.*nothing was written/)]);
    const code = await main([...flags, '--snapshot-prefix', `${key}.snapshots/`], env, { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect(out.length).toBe(1);
    expect(code).toBe(0);
    const result = JSON.parse(out[0]) as { status: string; seq: number; clock: number; retired: number; pages: number; id: string };
    expect(result.status).toBe('restored');

    const restored = Document.decode(await body(key));
    expect(restored.seq).toBe(before.seq + 1);
    expect(restored.clock).toBe(Math.max(before.clock, snap.clock));
    expect(restored.hasCommit(result.id)).toBeDefined();
    expect(restored.hasCommit(landed.batchId)).toBeDefined();
    // The node pages are fresh copies: no earlier root's delta can name them.
    const restoredNodes = restored.pagedRoot.dbs[0]!.nodes.map((r) => r.page);
    const earlier = new Set([...snap.pagedRoot.dbs[0]!.nodes, ...replaced.pagedRoot.dbs[0]!.nodes, ...before.pagedRoot.dbs[0]!.nodes].map((r) => r.page));
    expect(restoredNodes.some((p) => earlier.has(p))).toBe(false);
    const named = await namedPages(key, restored);
    expect(result.pages).toBe(named.length);
    // Every page of the replaced root the restored one does not name is recorded retired, at the restore.
    const retired = new Set(restored.pagedRoot.retired.flatMap(([, ns]) => ns));
    for (const p of replacedPages) expect(retired.has(p) || named.includes(p)).toBe(true);
    expect(result.retired).toBeGreaterThan(0);

    // The warm handler (its cached root revalidated) and a cold one both read the snapshot's data.
    await expectOld(h);
    await expectOld(handler(key));
    // The retry of the batch that landed before is answered from the window, not applied again.
    const retry = ok(await h(landed));
    expect(retry.stats.replayed).toBe(true);
    expect(ok(await h(batch([['EXISTS', nearMarker]]))).sessions[0].replies).toEqual([{ t: 'int', v: 0 }]);
    // The delta of the replaced root is stale on the restored one: dropped, nothing of it shows.
    const carried = ok(await h(batch([['GET', `key:${shared[0]}`]], { deltas: pending })));
    expect([carried.stats.foldsApplied, carried.stats.foldsDropped]).toEqual([0, 1]);
    expect(carried.sessions[0].replies).toEqual([{ t: 'bulk', v: encodeArg(Buffer.from(`old-${shared[0]}`)) }]);
    await expectOld(handler(key));

    // Within the grace, a reader still holding the replaced root reads every key of it.
    const within = await collectPages({ s3, bucket: emu.bucket, key, snapshotPrefix: `${key}.snapshots/`, now: () => Date.now() + GRACE_MS / 2 });
    expect(within.status).toBe('collected');
    const reader = new PageReader((name) => pagesOf(store).getPage(key, name));
    const seen = await resolve(before.pagedRoot, 0, Array.from({ length: 100 }, (_, i) => `key:${i}`), reader);
    expect([...seen.values()].filter((f) => f.e !== undefined).length).toBe(before.sizeOf(0) - 2); // all but marker and after

    // Long after, with the snapshot expired: only what no root names goes; the restored data stays whole.
    await s3.send(new DeleteObjectCommand({ Bucket: emu.bucket, Key: snapshotKey }));
    const later = await collectPages({ s3, bucket: emu.bucket, key, snapshotPrefix: `${key}.snapshots/`, now: () => Date.now() + 3_600_000 });
    if (later.status !== 'collected') throw new Error(later.status);
    expect(later.deleted.length).toBeGreaterThan(0);
    const left = await listed(key);
    const current = Document.decode(await body(key));
    for (const p of await namedPages(key, current)) expect(left.has(p)).toBe(true);
    await expectOld(handler(key));
  }, 60_000);

  it('writes nothing when db.json changes meanwhile, with --dry-run, or for --help', async () => {
    const { key, snapshotKey, h } = await scene();
    const untouched = await body(key);
    // A commit lands between the restore's read of db.json and its PUT.
    const racing: ObjectStore = Object.assign(Object.create(store) as S3Store, {
      put: async (...args: Parameters<S3Store['put']>) => {
        ok(await h(batch([['SET', 'racer', '1']])));
        return store.put(...args);
      },
    });
    await expect(restoreSnapshot({ store: racing, key, snapshotKey, snapshotPrefix: `${key}.snapshots/` })).rejects.toThrow(/changed while restoring.*nothing was written/);
    const raced = await body(key);
    expect(raced.equals(untouched)).toBe(false);
    const dry = await restoreSnapshot({ store, key, snapshotKey, snapshotPrefix: `${key}.snapshots/`, dryRun: true });
    expect(dry.status).toBe('dry-run');
    expect((await body(key)).equals(raced)).toBe(true);
    const out: string[] = [];
    expect(await main(['--help'], {}, { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(0);
    expect(out).toEqual([HELP]);
    expect(await main(['--bucket', 'b'], {}, { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(2);
    expect((await body(key)).equals(raced)).toBe(true);
  }, 60_000);

  it('refuses a snapshot whose page is missing, naming it, and writes nothing', async () => {
    const { key, snapshotKey } = await scene();
    const snap = Document.decode(await body(snapshotKey));
    const leaf = (await namedPages(key, snap)).find((p) => !snap.pagedRoot.dbs[0]!.nodes.some((r) => r.page === p)) as string;
    await s3.send(new DeleteObjectCommand({ Bucket: emu.bucket, Key: `${pagePrefix(key)}${leaf}` }));
    const before = await body(key);
    await expect(restoreSnapshot({ store, key, snapshotKey, snapshotPrefix: `${key}.snapshots/` })).rejects.toThrow(new RegExp(`page ${leaf} is missing`));
    expect((await body(key)).equals(before)).toBe(true);
  }, 60_000);

  it('folds a snapshot database paged without nodes into fresh pages; a format-3 snapshot retires every page of the replaced root', async () => {
    const { key, h } = await scene();
    const logOnly = emptyRoot();
    for (let i = 0; i < 30; i++) writeRecord(logOnly, 0, `key:${i}`, { type: 'string', value: Buffer.from(`log-${i}`) }, 0, 5);
    const snap1 = `${key}.snapshots/log-only.json`;
    await s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: snap1, Body: `{"format":4,"clock":7,"seq":5,"commits":[],"data":{},${encodeRoot(logOnly)}}` }));
    const replacedPages = await namedPages(key, Document.decode(await body(key)));
    const r1 = await restoreSnapshot({ store, key, snapshotKey: snap1, snapshotPrefix: `${key}.snapshots/` });
    const restored = Document.decode(await body(key));
    expect(restored.pagedRoot.dbs[0]!.nodes.length).toBeGreaterThan(0);
    expect(restored.pagedRoot.dbs[0]!.log.size).toBe(0);
    expect(r1.pages).toBe((await namedPages(key, restored)).length);
    const res = ok(await h(batch([...Array.from({ length: 30 }, (_, i) => ['GET', `key:${i}`]), ['DBSIZE']])));
    expect(res.sessions[0].replies).toEqual([...Array.from({ length: 30 }, (_, i) => ({ t: 'bulk', v: encodeArg(Buffer.from(`log-${i}`)) })), { t: 'int', v: 30 }]);

    const snap2 = `${key}.snapshots/flat.json`;
    await s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: snap2, Body: '{"format":3,"clock":9,"seq":2,"commits":[],"data":{"only":"one"}}' }));
    const before = await namedPages(key, restored);
    const r2 = await restoreSnapshot({ store, key, snapshotKey: snap2, snapshotPrefix: `${key}.snapshots/` });
    expect([r2.pages, r2.retired]).toEqual([0, before.length]);
    const flat = Document.decode(await body(key));
    // Format 4 while the retired records last: the GC reads them from it.
    const retired = new Set(flat.pagedRoot.retired.flatMap(([, ns]) => ns));
    for (const p of [...before, ...replacedPages]) expect(retired.has(p)).toBe(true);
    expect(ok(await h(batch([['GET', 'only'], ['DBSIZE']]))).sessions[0].replies).toEqual([{ t: 'bulk', v: encodeArg(Buffer.from('one')) }, { t: 'int', v: 1 }]);
  }, 60_000);

  it('over a db.json that cannot be read: refused unless --over-unreadable, then restored past the snapshot seq', async () => {
    const { key, snapshotKey, snap, h } = await scene();
    await s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: key, Body: '{"format":99}' }));
    const prefix = `${key}.snapshots/`;
    await expect(restoreSnapshot({ store, key, snapshotKey, snapshotPrefix: prefix })).rejects.toThrow(/cannot be read.*--over-unreadable.*nothing was written/);
    expect((await body(key)).toString()).toBe('{"format":99}');
    const r = await restoreSnapshot({ store, key, snapshotKey, snapshotPrefix: prefix, overUnreadable: true });
    expect([r.status, r.seq, r.retired]).toEqual(['restored', snap.seq + 1, 0]);
    await expectOld(h);
  }, 60_000);
});
