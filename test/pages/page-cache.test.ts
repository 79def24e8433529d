/**
 * The page cache (PageReader, lambda/pages/keyspace.ts) and the fold's use
 * of forget(): a page the fold read whole and retired leaves the cache (a
 * fully parsed page holds ~4× the bytes the cache counts), and is fetched
 * again, intact, if anything still reads it; pages it did not touch stay.
 */
import type { Entry } from '../../lambda/document';
import { encodePage, PageMissingError } from '../../lambda/pages/codec';
import { fold } from '../../lambda/pages/fold';
import { PageReader } from '../../lambda/pages/keyspace';
import { pageName } from '../../lambda/pages/name';
import { emptyRoot, writeRecord } from '../../lambda/pages/root';
import { b } from '../lambda/util';

function bucket(): { pages: Map<string, Buffer>; loads: string[]; reader: PageReader } {
  const pages = new Map<string, Buffer>();
  const loads: string[] = [];
  const reader = new PageReader(async (n) => {
    loads.push(n);
    const p = pages.get(n);
    if (!p) throw new PageMissingError(n);
    return p;
  });
  return { pages, loads, reader };
}

const str = (v: string): Entry => ({ type: 'string', value: b(v) });

describe('PageReader.forget', () => {
  it('drops a fetched page: the next get fetches it again; unknown names are a no-op', async () => {
    const { pages, loads, reader } = bucket();
    const bytes = encodePage({ kind: 'leaf', db: 0, lo: 0, hi: 2 ** 52 }, [['k', { e: str('v'), p: 0, seq: 1 }]]);
    const name = pageName(bytes, 'AAAAAAAA');
    pages.set(name, bytes);
    await reader.get(name);
    await reader.get(name);
    expect(loads).toEqual([name]);
    reader.forget(name);
    reader.forget('0000000000000000-AAAAAAAA');
    expect((await reader.get(name)).recs.get('k')?.e).toEqual(str('v'));
    expect(loads).toEqual([name, name]);
  });

  it('a fold forgets the node and leaves it retired, keeps the leaves it did not rewrite', async () => {
    const { pages, loads, reader } = bucket();
    const limits = { leafMaxBytes: 300, nodeMaxLeaves: 8, leafMinRecords: 2, nodeBufferMaxBytes: 1 << 20 };
    const root = emptyRoot();
    for (let i = 0; i < 40; i++) writeRecord(root, 0, `key:${i}`, str(`v${i}`), 0, 1);
    const first = (await fold(root, 0, reader, { limits, now: 0 }))!;
    for (const [n, bytes] of first.pages) pages.set(n, bytes);
    root.dbs[0] = { nodes: first.replaced[0].refs, log: root.dbs[0]!.log };
    root.dbs[0].log.clear();
    const node = (await reader.get(root.dbs[0].nodes[0].page))!;
    const leaves = node.leaves!.map((l) => l.page);
    expect(leaves.length).toBeGreaterThan(2);
    for (const l of leaves) await reader.get(l);
    // One record, for key:0's leaf: with leafMinRecords 1 that leaf alone is rewritten.
    writeRecord(root, 0, 'key:0', str('new'), 1, 2);
    const delta = (await fold(root, 0, reader, { limits: { ...limits, leafMinRecords: 1 }, now: 0 }))!;
    const retiredLeaves = delta.retired.filter((p) => leaves.includes(p));
    expect(retiredLeaves.length).toBe(1);
    expect(delta.retired).toContain(root.dbs[0].nodes[0].page);
    const before = loads.length;
    for (const l of leaves) await reader.get(l);
    await reader.get(root.dbs[0].nodes[0].page);
    // Refetched: the retired leaf and the node; every other leaf came from the cache.
    expect(loads.slice(before).sort()).toEqual([...retiredLeaves, root.dbs[0].nodes[0].page].sort());
  });
});
