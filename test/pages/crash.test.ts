/**
 * A crash between the page uploads and the root PUT (layout.ts §13), through
 * the real handler over the emulator's S3: the environment dies right after a
 * fold uploaded its pages — inside a commit (paging a database, or past the
 * hard bound) or inside a fold request. Nothing was acknowledged, db.json is
 * untouched, the pages are orphans; the re-sent batch lands once on a new
 * environment, every key reads back, and the GC deletes exactly the orphans.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { CONTRACT_VERSION, type BatchRequest, type BatchResponse } from '../../lambda/contract';
import { encodeArg } from '../../lambda/contract-wire';
import { Document } from '../../lambda/document';
import { collectPages } from '../../lambda/gc';
import { createHandler, type BatchHandler } from '../../lambda/handler';
import { pagePrefix } from '../../lambda/pages/name';
import { S3Store } from '../../lambda/store/s3';
import type { Emulator } from '../support/emulator';
import { closeWithClient, emulatorWithClient } from '../support/emulator-client';
import { TINY } from './paged-store';

const PAGING = { threshold: 400, softBytes: 200, hardBytes: 1500, limits: TINY };

let emu: Emulator;
let s3: S3Client;
let doc = 0;
let n = 0;

beforeAll(async () => ({ emu, s3 } = await emulatorWithClient()));
afterAll(() => closeWithClient({ emu, s3 }));

class Crash extends Error {}

/** A fresh environment on its own document; `crashes` says which afterPageUploads calls die (1-based). */
function environment(key: string, crashes: number[] = []): { h: BatchHandler; uploads: () => number } {
  let calls = 0;
  const store = new S3Store({ bucket: emu.bucket, endpoint: emu.endpoint, region: emu.region, credentials: emu.credentials });
  const h = createHandler({
    store,
    key,
    paging: PAGING,
    sleep: async () => undefined,
    afterPageUploads: () => {
      if (crashes.includes(++calls)) throw new Crash('killed after the page uploads');
    },
  });
  return { h, uploads: () => calls };
}

const batch = (cmds: string[][], extra: Partial<BatchRequest> = {}): BatchRequest => ({
  v: CONTRACT_VERSION,
  batchId: `b${++n}`,
  sessions: [{ id: 's', commands: cmds.map((c) => c.map((a) => encodeArg(Buffer.from(a)))) }],
  ...extra,
});
const sets = (from: number, to: number, tag = 'v'): string[][] => Array.from({ length: to - from }, (_, i) => ['SET', `key:${from + i}`, `${tag}${from + i}`]);

function ok(res: BatchResponse): Extract<BatchResponse, { ok: true }> {
  if (!res.ok) throw new Error(`batch failed: ${res.failure.message}`);
  return res;
}

const objects = (): Map<string, { body: Buffer }> => emu.s3.buckets.get(emu.bucket) as Map<string, { body: Buffer }>;
const rootBody = (key: string): Buffer | undefined => objects().get(key)?.body;
const pageNames = (key: string): string[] => [...objects().keys()].filter((k) => k.startsWith(pagePrefix(key))).map((k) => k.slice(pagePrefix(key).length));

/** Every key reads back as written, and DBSIZE is right. */
async function expectAll(h: BatchHandler, count: number, tag = (i: number) => `v${i}`): Promise<void> {
  const gets = Array.from({ length: count }, (_, i) => ['GET', `key:${i}`]);
  const replies = ok(await h(batch([...gets, ['DBSIZE']]))).sessions[0].replies;
  expect(replies.slice(0, count)).toEqual(Array.from({ length: count }, (_, i) => ({ t: 'bulk', v: encodeArg(Buffer.from(tag(i))) })));
  expect(replies[count]).toEqual({ t: 'int', v: count });
}

describe('a crash between the page uploads and the root PUT', () => {
  it('inside the commit that pages a database: nothing written, the re-sent batch lands once, the GC removes only the orphans', async () => {
    const key = `crash-${++doc}/db.json`;
    const first = environment(key, [1]);
    ok(await first.h(batch(sets(0, 10))));
    const before = rootBody(key);
    expect(Document.decode(before as Buffer).pagedFormat).toBe(false);

    // This batch passes the threshold: its commit pages db 0, uploads the pages, and dies before the PUT.
    const crossing = batch(sets(10, 40));
    await expect(first.h(crossing)).rejects.toThrow(Crash);
    expect(first.uploads()).toBe(1);
    expect(rootBody(key)).toEqual(before);
    const orphans = pageNames(key);
    expect(orphans.length).toBeGreaterThan(0);

    // The proxy re-sends the batch (same id) to a new environment: it lands, once.
    const second = environment(key);
    ok(await second.h(crossing));
    const root = Document.decode(rootBody(key) as Buffer);
    expect(root.pagedFormat).toBe(true);
    await expectAll(second.h, 40);

    // The orphans are named by no root; once past the grace the GC deletes them and nothing else.
    const referenced = pageNames(key).filter((p) => !orphans.includes(p));
    expect(referenced.length).toBeGreaterThan(0);
    const gc = await collectPages({ s3, bucket: emu.bucket, key, snapshotPrefix: `${key}.snapshots/`, now: () => Date.now() + 3_600_000 });
    expect(gc.status).toBe('collected');
    if (gc.status === 'collected') expect([...gc.deleted].sort()).toEqual([...orphans].sort());
    expect(pageNames(key).sort()).toEqual(referenced.sort());
    // A cold environment reads every key from the pages that are left.
    await expectAll(environment(key).h, 40);
  });

  it('inside a fold request: no deltas answered, db.json untouched; the next fold and commit lose nothing', async () => {
    const key = `crash-${++doc}/db.json`;
    const env = environment(key, [2]);
    ok(await env.h(batch(sets(0, 30))));
    const wanted = ok(await env.h(batch(sets(30, 45))));
    expect(wanted.stats.foldWanted).toBe(true);
    const before = rootBody(key);
    const pagesBefore = pageNames(key).length;

    await expect(env.h({ v: CONTRACT_VERSION, batchId: `f${++n}`, sessions: [], fold: {} })).rejects.toThrow(Crash);
    expect(rootBody(key)).toEqual(before);
    expect(pageNames(key).length).toBeGreaterThan(pagesBefore);

    const folded = ok(await env.h({ v: CONTRACT_VERSION, batchId: `f${++n}`, sessions: [], fold: {} }));
    expect(folded.folds?.length).toBe(1);
    const applied = ok(await env.h(batch([['SET', 'key:0', 'again']], { deltas: folded.folds })));
    expect(applied.stats.foldsApplied).toBe(1);
    await expectAll(environment(key).h, 45, (i) => (i === 0 ? 'again' : `v${i}`));
  });

  it('past the hard bound: the commit that would fold itself dies, and its writes are not half applied', async () => {
    const key = `crash-${++doc}/db.json`;
    const env = environment(key, [2]);
    ok(await env.h(batch(sets(0, 30))));
    const before = rootBody(key);
    const big = batch(sets(30, 130, 'w'));
    await expect(env.h(big)).rejects.toThrow(Crash);
    expect(rootBody(key)).toEqual(before);
    // The same environment, after its crash, has dropped its cached document: the re-sent batch runs from db.json.
    ok(await env.h(big));
    await expectAll(environment(key).h, 130, (i) => (i < 30 ? `v${i}` : `w${i}`));
  });
});
