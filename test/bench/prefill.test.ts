/**
 * The benchmark's prefill (test/bench/prefill.ts): a database past the page
 * threshold is written PAGED (format 4, pages uploaded before the root), and
 * the real handler reads back every key, DBSIZE and KEYS from it exactly as
 * from the inline document the old prefill wrote; below the threshold the
 * prefill is that inline document, byte for byte. A tiny threshold and tiny
 * page limits make a few hundred keys span many leaves and nodes.
 */
import { CONTRACT_VERSION, type BatchResponse, type WireReply } from '../../lambda/contract';
import { encodeArg } from '../../lambda/contract-wire';
import { Document } from '../../lambda/document';
import { createHandler } from '../../lambda/handler';
import type { PagingOptions } from '../../lambda/folding';
import { pageKey } from '../../lambda/pages/name';
import { MemoryStore } from '../support/memory-store';
import { argv, bulk, int } from '../lambda/util';
import { benchKey, prefillDocument, prefillStore } from './prefill';

const KEY = 'db.json';
const TINY: PagingOptions = { threshold: 2000, limits: { leafMaxBytes: 2000, nodeMaxLeaves: 4, leafMinRecords: 2, nodeBufferMaxBytes: 3000 } };
const N = 300;
const VALUE = 'a'.repeat(16);

async function run(store: MemoryStore, commands: Buffer[][]): Promise<WireReply[]> {
  const handler = createHandler({ store, key: KEY, now: () => 1_700_000_000_000, sleep: async () => undefined });
  const res: BatchResponse = await handler({ v: CONTRACT_VERSION, batchId: `b${Math.random()}`, sessions: [{ id: 's', db: 0, commands: commands.map((c) => c.map(encodeArg)) }] });
  if (!res.ok) throw new Error(`batch failed: ${res.failure.message}`);
  return res.sessions[0].replies;
}

const pagesIn = (store: MemoryStore): string[] => [...store.objects.keys()].filter((k) => k.startsWith(`${KEY}.pages/`));

describe('bench prefill', () => {
  it('pages a database past the threshold: format 4, pages first, every key read back through the handler', async () => {
    const store = new MemoryStore();
    const r = await prefillStore(store, KEY, N, VALUE.length, TINY);
    expect(r.paged).toBe(true);
    const body = (await store.get(KEY)) as { status: 'found'; body: Buffer };
    expect(JSON.parse(body.body.toString()).format).toBe(4);
    const root = Document.decode(body.body);
    expect(root.isPaged(0)).toBe(true);
    // Several nodes, each over several leaves: the build's cuts were exercised.
    const nodes = root.pagedRoot.dbs[0]!.nodes;
    expect(nodes.length).toBeGreaterThan(1);
    expect(root.pagedRoot.dbs[0]!.log.size).toBe(0);
    expect(pagesIn(store).length).toBe(r.pages);
    expect(r.pages).toBeGreaterThan(nodes.length);
    for (const n of nodes) expect(pagesIn(store)).toContain(pageKey(KEY, n.page));

    const keys = Array.from({ length: N }, (_, i) => benchKey(i));
    const replies = await run(store, [...keys.map((k) => argv('GET', k)), argv('GET', 'key:absent'), argv('DBSIZE')]);
    expect(replies).toEqual([...keys.map(() => bulk(VALUE)), { t: 'null' }, int(N)]);
    const all = await run(store, [argv('KEYS', '*')]);
    const listed = (all[0] as { t: 'array'; v: { v: string }[] }).v.map((x) => Buffer.from(x.v, 'base64').toString()).sort();
    expect(listed).toEqual([...keys].sort());
  });

  it('a write after the prefill commits on the paged root and reads back', async () => {
    const store = new MemoryStore();
    await prefillStore(store, KEY, N, VALUE.length, TINY);
    expect(await run(store, [argv('SET', benchKey(7), 'changed'), argv('DEL', benchKey(8))])).toEqual([{ t: 'simple', v: 'OK' }, int(1)]);
    expect(await run(store, [argv('GET', benchKey(7)), argv('GET', benchKey(8)), argv('GET', benchKey(9)), argv('DBSIZE')])).toEqual([bulk('changed'), { t: 'null' }, bulk(VALUE), int(N - 1)]);
  });

  it('below the threshold writes the inline document the old prefill wrote, byte for byte', async () => {
    const store = new MemoryStore();
    const r = await prefillStore(store, KEY, 50, VALUE.length, TINY);
    expect(r).toMatchObject({ paged: false, pages: 0, pageBytes: 0 });
    const body = (await store.get(KEY)) as { status: 'found'; body: Buffer };
    expect(body.body.equals(Buffer.from(prefillDocument(50, VALUE.length).encode()))).toBe(true);
    expect(pagesIn(store)).toEqual([]);
  });
});
