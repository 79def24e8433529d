/**
 * Page GC with big aggregates (layout.ts §3, §8): a stub's member pages are
 * referenced through its index page, from the root log, a node buffer or a
 * leaf (whose stubs' index pages ride in its node's leaf ref). The planner
 * refuses to judge without every index page read; the runner, on the
 * emulator, keeps every page the current root and a retained snapshot name
 * (both read back whole afterwards) and reclaims the pages writes replaced.
 */
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { failureReply } from '../../lambda/contract';
import { collectPages } from '../../lambda/gc';
import { referencedPages } from '../../lambda/pages/gc';
import { Log } from '../../lambda/pages/log';
import { emptyRoot } from '../../lambda/pages/root';
import { decodeRecEntry } from '../../lambda/pages/stub';
import { S3Store } from '../../lambda/store/s3';
import type { Emulator } from '../support/emulator';
import { closeWithClient, emulatorWithClient } from '../support/emulator-client';
import { batch, bigAggregates, both, DOC, foldDeltas, handlerOn, ok, pagesIn, rootOf, twins, WHOLE } from './agg-twin';
import { decodeAggPage } from '../../lambda/pages/agg-codec';
import { decodePage } from '../../lambda/pages/codec';
import { pageKey } from '../../lambda/pages/name';
import { stubOf } from '../../lambda/pages/stub';
import { MemoryStore } from '../support/memory-store';
import { Document } from '../../lambda/document';

const name = (i: number): string => `${i.toString(16).padStart(16, '0')}-tok${String(i).padStart(5, '0')}`;

describe('the GC planner and stubs', () => {
  const root = emptyRoot();
  root.dbs[0] = { nodes: [{ lo: 0, page: name(1), n: 2, x: 0 }], log: new Log() };
  root.dbs[0].log.set('h', { e: decodeRecEntry({ t: 'hash', pg: name(10), n: 5 }, 'h', 0), p: 1, seq: 3 });
  const children = new Map([[name(1), [name(2)]]]);

  it('follows log stubs, node buffer stubs and lifted leaf stubs through their index pages to their member pages', () => {
    const stubs = { byNode: new Map([[name(1), [name(20)]]]), members: new Map([[name(10), [name(11), name(12)]], [name(20), [name(21)]]]) };
    expect([...referencedPages([root], children, stubs)].sort()).toEqual([1, 2, 10, 11, 12, 20, 21].map(name));
  });

  it('refuses to judge when an index page or a node\'s stubs were not read: their members would look unreferenced', () => {
    expect(() => referencedPages([root], children, { byNode: new Map([[name(1), []]]), members: new Map() })).toThrow(/index page 000000000000000a-tok00010 .* not read/);
    expect(() => referencedPages([root], children, { byNode: new Map(), members: new Map([[name(10), []]]) })).toThrow(/stubs of node page/);
    expect(() => referencedPages([root], children)).toThrow(/index page .* not read/);
  });
});

describe('retiring the pages of replaced stubs', () => {
  it('a commit replacing a stub in the root log retires its index page and the member page it rewrote; a fold replacing one in a leaf, likewise', async () => {
    const store = new MemoryStore();
    const t = twins(store);
    await both(t, bigAggregates(400));
    const members = (index: string): string[] => (decodeAggPage(index, store.body(pageKey(DOC, index)) as Buffer).head as { runs: [string, number][] }).runs.map(([p]) => p);
    const isHash = (index: string): boolean => decodeAggPage(index, store.body(pageKey(DOC, index)) as Buffer).head.t === 'hash';
    // The commit that paged the database folded it: the first stub is in a leaf.
    const [inLeaf] = pagesIn(store).indexes.filter(isHash);
    const retired = (): Set<string> => new Set(rootOf(store).pagedRoot.retired.flatMap(([, names]) => names));
    const logStub = (): string => stubOf(rootOf(store).pagedRoot.dbs[0]!.log.get('h')!.e)!.index;
    await both(t, [['HSET', 'h', 'field:1', 'one']]);
    const first = logStub();
    expect(retired().has(inLeaf)).toBe(false);
    await both(t, [['HSET', 'h', 'field:2', 'two']]);
    const second = logStub();
    const gone = members(first).filter((p) => !members(second).includes(p));
    expect(gone.length).toBeGreaterThan(0);
    for (const p of [first, ...gone]) expect(retired().has(p)).toBe(true);
    for (const p of [second, ...members(second)]) expect(retired().has(p)).toBe(false);
    // Folds move the stub down until one rewrites the leaf holding the first: that fold retires it.
    const tree = (): string[] =>
      rootOf(store).pagedRoot.dbs[0]!.nodes.flatMap((n) => {
        const node = decodePage(n.page, store.body(pageKey(DOC, n.page)) as Buffer);
        return [...(node.leaves ?? []).flatMap((l) => l.a ?? []), ...[...node.recs.values()].flatMap((r) => stubOf(r.e)?.index ?? [])];
      });
    expect(tree()).toContain(inLeaf);
    for (let i = 0; i < 8 && tree().includes(inLeaf); i++) await both(t, [['SET', `str${i}`, 'x'], ['SET', 'str1', String(i)]], await foldDeltas(t.paged.h));
    expect(tree()).not.toContain(inLeaf);
    expect(retired().has(inLeaf)).toBe(true);
    for (const p of members(inLeaf).filter((m) => !members(second).includes(m))) expect(retired().has(p)).toBe(true);
  });
});

describe('the GC runner over big aggregates (emulator)', () => {
  let emu: Emulator;
  let s3: S3Client;
  beforeAll(async () => ({ emu, s3 } = await emulatorWithClient()));
  afterAll(() => closeWithClient({ emu, s3 }));

  it('keeps the pages the current root and a snapshot name, reclaims what writes replaced', async () => {
    const { endpoint, region, credentials } = emu.clientConfig();
    const store = new S3Store({ bucket: emu.bucket, endpoint, region, credentials, forcePathStyle: true });
    const t = twins(store);
    const body = async (): Promise<Buffer> => {
      const r = await store.get(DOC);
      if (r.status !== 'found') throw new Error('no db.json');
      return r.body;
    };
    const put = (key: string, body: Buffer): Promise<unknown> => s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: key, Body: body }));
    const rounds = async (from: number, to: number): Promise<void> => {
      for (let r = from; r < to; r++) {
        const deltas = r % 2 === 0 ? await foldDeltas(t.paged.h) : undefined;
        await both(t, [['HSET', 'h', `field:${r}`, `r${r}`], ['SADD', 's', `r${r}`], ['ZADD', 'z', String(r), `r${r}`], ['RPUSH', 'l', `r${r}`], ['XADD', 'x', `${900 + r}-0`, 'r', String(r)], ['HDEL', 'h', `field:${200 + r}`]], deltas);
      }
    };
    await both(t, bigAggregates(400));
    await rounds(0, 3);
    const old = await body();
    const oldWhole = ok(await t.flat.h(batch(WHOLE))).sessions[0].replies;
    await put(`${DOC}.snapshots/1.json`, old);
    await rounds(3, 8);
    // The last stubs go down into node buffers and leaves: the GC must find them through node pages.
    await both(t, [['SET', 'str1', 'folded']], await foldDeltas(t.paged.h));
    const log = Document.decode(await body()).pagedRoot.dbs[0]?.log;
    expect(['h', 's', 'z', 'l', 'x'].filter((k) => log?.has(k))).toEqual([]);
    const later = (): number => Date.now() + 3_600_000;
    const gc = { s3, bucket: emu.bucket, key: DOC, snapshotPrefix: `${DOC}.snapshots/`, now: later };
    const first = await collectPages(gc);
    if (first.status !== 'collected') throw new Error(first.status);
    expect(first.deleted.length).toBeGreaterThan(0);
    const cold = async (): Promise<unknown> => {
      const res = await handlerOn(store, true)(batch(WHOLE));
      return res.ok ? res.sessions[0].replies : failureReply(res.failure);
    };
    expect(await cold()).toEqual(ok(await t.flat.h(batch(WHOLE))).sessions[0].replies);
    // A reader holding the snapshot's root reads every member it names.
    const current = await body();
    await put(DOC, old);
    expect(await cold()).toEqual(oldWhole);
    // Without the snapshot, its replaced pages go; the current root still reads whole.
    await s3.send(new DeleteObjectCommand({ Bucket: emu.bucket, Key: `${DOC}.snapshots/1.json` }));
    await put(DOC, current);
    const second = await collectPages(gc);
    if (second.status !== 'collected') throw new Error(second.status);
    expect(second.deleted.length).toBeGreaterThan(0);
    expect(await cold()).toEqual(ok(await t.flat.h(batch(WHOLE))).sessions[0].replies);
    await put(DOC, old);
    expect(await cold()).toMatchObject({ t: 'error', v: expect.stringMatching(/^TRYAGAIN not applied: db\.json page \S+ is missing/) });
  });
});
