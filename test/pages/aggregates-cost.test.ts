/**
 * Big aggregates (layout.ts §3): what one write costs, a missing member
 * page, and the upgrade from format-4 roots written without stubs.
 *  - One HSET on a paged hash puts a stub (~100 bytes) in db.json and
 *    uploads one member page and an index page: bytes bounded whatever the
 *    hash's size, where before it put the whole hash in the root log.
 *  - A member page missing under the current root answers TRYAGAIN naming
 *    it, and nothing is written.
 *  - A root whose leaves hold big aggregates whole (written before stubs)
 *    reads unchanged; the first write turns the aggregate into a stub.
 */
import { failureReply } from '../../lambda/contract';
import { decodeAggPage } from '../../lambda/pages/agg-codec';
import { pageKey } from '../../lambda/pages/name';
import { stubOf } from '../../lambda/pages/stub';
import type { PagePutResult } from '../../lambda/store/types';
import { MemoryStore } from '../support/memory-store';
import { AGG_BYTES, batch, both, DOC, foldDeltas, handlerOn, ok, PAGING, range, rootOf, twins, WHOLE, bigAggregates } from './agg-twin';

/** A MemoryStore that counts the bytes of page PUTs. */
class CountingStore extends MemoryStore {
  pageBytes = 0;
  pagePuts = 0;
  override async putPage(docKey: string, name: string, bytes: Buffer): Promise<PagePutResult> {
    this.pageBytes += bytes.length;
    this.pagePuts++;
    return super.putPage(docKey, name, bytes);
  }
}

const hashJson = (size: number): number => Buffer.byteLength(JSON.stringify(range(size, (i) => [`field:${i}`, `value:${i}`])));

/** One HSET on a hash of `size` fields (its stub below the log, or in it): page bytes and PUTs, and db.json's growth. */
async function oneHset(size: number, folded: boolean, cold = false): Promise<{ pageBytes: number; pagePuts: number; rootGrowth: number; root: string }> {
  const store = new CountingStore();
  let h = handlerOn(store, true);
  for (let at = 0; at < size; at += 1000) ok(await h(batch([['HSET', 'h', ...range(Math.min(1000, size - at), (i) => [`field:${at + i}`, `value:${at + i}`])], ['SET', `pad${at}`, 'x'.repeat(20_000)]])));
  if (folded) ok(await h(batch([['SET', 'other', '1']], { deltas: await foldDeltas(h) })));
  // A cold environment reads the stub from db.json: it reuses the pages the loader expanded.
  if (cold) h = handlerOn(store, true);
  const [bytes, puts, root] = [store.pageBytes, store.pagePuts, (store.body(DOC) as Buffer).length];
  const res = ok(await h(batch([['HSET', 'h', 'field:1', 'changed']])));
  expect(res.sessions[0].replies).toEqual([{ t: 'int', v: 0 }]);
  const body = (store.body(DOC) as Buffer).toString();
  return { pageBytes: store.pageBytes - bytes, pagePuts: store.pagePuts - puts, rootGrowth: body.length - root, root: body };
}

describe('the cost of a write to a big aggregate', () => {
  for (const [folded, cold] of [[false, false], [true, false], [false, true], [true, true]]) {
    it(`one HSET uploads a bounded number of bytes whatever the hash's size (stub ${folded ? 'in a leaf' : 'in the root log'}, ${cold ? 'cold' : 'warm'} handler)`, async () => {
      // A member page holds runs of whole chunks (≤ 256 members each, ~5 KB here): the bound is a chunk plus the run target plus the index.
      const bound = 256 * 26 + AGG_BYTES / 2 + 3000;
      for (const size of [800, 12_800]) {
        const c = await oneHset(size, folded, cold);
        expect(c.pagePuts).toBe(2);
        expect(c.pageBytes).toBeLessThanOrEqual(bound);
        expect(c.pageBytes).toBeLessThan(hashJson(size) / 2);
        // The root gained at most the commit's record and the stub's change: no member.
        expect(c.rootGrowth).toBeLessThan(1500);
        expect(c.root).not.toContain('field:2"');
      }
    });
  }
});

describe('a missing or corrupt member page', () => {
  async function pagedHash(): Promise<{ store: MemoryStore; member: string; index: string }> {
    const store = new MemoryStore();
    const t = twins(store);
    await both(t, bigAggregates(400));
    await both(t, [['SET', 'x', '1']], await foldDeltas(t.paged.h));
    const index = [...store.objects.keys()].map((k) => k.slice(`${DOC}.pages/`.length)).find((p) => {
      const b = store.body(pageKey(DOC, p)) as Buffer;
      return b.subarray(0, 4).toString() === 'vpa1' && decodeAggPage(p, b).head.kind === 'index' && (decodeAggPage(p, b).head as { t: string }).t === 'hash';
    }) as string;
    const head = decodeAggPage(index, store.body(pageKey(DOC, index)) as Buffer).head as { runs: [string, number][] };
    return { store, member: head.runs[1][0], index };
  }

  it('missing: TRYAGAIN naming it, nothing written, for reads and writes alike', async () => {
    const { store, member } = await pagedHash();
    store.objects.delete(pageKey(DOC, member));
    const before = store.body(DOC) as Buffer;
    for (const cmd of [['HGET', 'h', 'field:1'], ['HSET', 'h', 'field:1', 'x'], ['DEL', 'h']]) {
      const res = await handlerOn(store, true)(batch([['SET', 'elsewhere', '1'], cmd]));
      expect(res.ok ? res.sessions : failureReply(res.failure)).toEqual({ t: 'error', v: `TRYAGAIN not applied: db.json page ${member} is missing, though the current db.json references it; nothing was written; safe to retry` });
    }
    expect((store.body(DOC) as Buffer).equals(before)).toBe(true);
  });

  it('corrupt index: TRYAGAIN naming it, nothing written', async () => {
    const { store, index } = await pagedHash();
    const bytes = Buffer.from(store.body(pageKey(DOC, index)) as Buffer);
    bytes[10] ^= 0x01;
    store.objects.set(pageKey(DOC, index), { body: bytes, etag: '"x"' });
    const before = store.body(DOC) as Buffer;
    const res = await handlerOn(store, true)(batch([['HLEN', 'h']]));
    expect(res.ok ? res.sessions : failureReply(res.failure)).toEqual({ t: 'error', v: `TRYAGAIN not applied: db.json page ${index} is corrupt: checksum mismatch; nothing was written; safe to retry` });
    expect((store.body(DOC) as Buffer).equals(before)).toBe(true);
  });
});

describe('upgrade', () => {
  it('a format-4 root holding big aggregates whole reads unchanged; the first write makes a stub', async () => {
    const store = new MemoryStore();
    const old = { paged: { store, h: handlerOn(store, true, { paging: { ...PAGING, aggPageBytes: 1e12 } }) }, flat: twins().flat };
    await both(old, bigAggregates(400));
    await both(old, [['SET', 'x', '1']], await foldDeltas(old.paged.h));
    expect(rootOf(store).pagedFormat).toBe(true);
    expect([...store.objects.keys()].some((k) => (store.body(k) as Buffer).subarray(0, 4).toString() === 'vpa1')).toBe(false);
    const now = { paged: { store, h: handlerOn(store, true) }, flat: old.flat };
    await both(now, WHOLE);
    await both(now, [['HSET', 'h', 'field:3', 'new'], ['RPUSH', 'l', 'end']]);
    const log = rootOf(store).pagedRoot.dbs[0]!.log;
    expect([stubOf(log.get('h')?.e)?.n, stubOf(log.get('l')?.e)?.n]).toEqual([400, 401]);
    await both(now, WHOLE);
    const cold = ok(await handlerOn(store, true)(batch(WHOLE)));
    expect(cold.sessions[0].replies).toEqual(ok(await old.flat.h(batch(WHOLE))).sessions[0].replies);
  });
});

describe('a write to a big aggregate whose commit does not land at once', () => {
  for (const fault of ['concurrent-write', 'unknown-not-applied', 'throw'] as const) {
    it(`${fault}: the pages it uploaded are orphans, the retry or next batch commits its own, every member reads back`, async () => {
      const store = new MemoryStore();
      const t = twins(store);
      await both(t, bigAggregates(400));
      await both(t, [['HSET', 'h', 'field:1', 'one'], ['RPUSH', 'l', 'one']]);
      store.onPut(fault === 'concurrent-write' ? { kind: fault, write: (b?: Buffer) => Buffer.from(b as Buffer) } : fault === 'throw' ? { kind: fault, error: new Error('injected') } : { kind: fault });
      const cmds = [['HSET', 'h', 'field:2', 'two'], ['RPUSH', 'l', 'two'], ['ZADD', 'z', '5', 'new']];
      const res = await t.paged.h(batch(cmds));
      if (fault === 'throw') {
        expect(res.ok).toBe(false);
        // The next batch runs on the same cached snapshot, rolled back: it must not count on the failed attempt's pages.
        await both(t, [['SET', 'noop', '1']]);
        await both(t, cmds);
      } else {
        expect(ok(res).sessions[0].replies).toEqual(ok(await t.flat.h(batch(cmds))).sessions[0].replies);
      }
      expect(store.pendingFaults).toBe(0);
      await both(t, [['HSET', 'h', 'field:3', 'three'], ['LPOP', 'l']]);
      await both(t, WHOLE);
      const cold = ok(await handlerOn(store, true)(batch(WHOLE)));
      expect(cold.sessions[0].replies).toEqual(ok(await t.flat.h(batch(WHOLE))).sessions[0].replies);
    });
  }
});
