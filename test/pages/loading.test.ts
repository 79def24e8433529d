/**
 * Loading (layout.ts §6) through the real handler: a paged db.json (built by
 * the fold, its pages in the memory store) answers every batch as its flat
 * format-3 twin does and ends holding the same keyspace: keys named by key
 * specs, EVAL's KEYS, MULTI/EXEC across databases, MOVE and COPY … DB; what
 * a run meets unresolved (a script's undeclared key, KEYS, SCAN, FLUSHDB's
 * node pages) in a second round; SWAPDB needs none. A page a stale root references heals by a
 * re-read of the root; a page missing or corrupt under the current root
 * answers TRYAGAIN naming it, and nothing is written.
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONTRACT_VERSION, encodeTransaction, failureReply, type BatchRequest, type BatchResponse, type WireReply } from '../../lambda/contract';
import { encodeArg } from '../../lambda/contract-wire';
import { Document, NotResolvedError } from '../../lambda/document';
import { PageLoader } from '../../lambda/loading';
import { createHandler, type BatchHandler } from '../../lambda/handler';
import { pageKey } from '../../lambda/pages/name';
import { FileStore } from '../../lambda/store/file';
import type { ObjectStore } from '../../lambda/store/types';
import { MemoryStore } from '../support/memory-store';
import { keyPos, rangeOf } from '../../lambda/pages/layout';
import { argv, bulk, int, OK } from '../lambda/util';
import { contents, DOC, fixture, INLINE, NOW, PAGED, type Fixture } from './paged-store';

interface Session {
  db: number;
  commands: Buffer[][];
}

const request = (id: string, sessions: Session[]): BatchRequest => ({
  v: CONTRACT_VERSION,
  batchId: id,
  sessions: sessions.map((s, i) => ({ id: `s${i}`, db: s.db, commands: s.commands.map((c) => c.map(encodeArg)) })),
});

/** EXEC as the proxy sends it: the queued commands, each in its database. */
const exec = (...commands: [number, string[]][]): Buffer[] => encodeTransaction({ watch: [], commands: commands.map(([db, c]) => ({ db, argv: c.map((w) => encodeArg(Buffer.from(w, 'latin1'))) })) });

const handlerOn = (store: ObjectStore, pageCacheBytes?: number): BatchHandler => createHandler({ store, now: () => NOW, sleep: async () => undefined, pageCacheBytes });

function stores(f: Fixture): { flat: MemoryStore; paged: MemoryStore } {
  const flat = new MemoryStore();
  flat.seed(DOC, f.flat);
  const paged = new MemoryStore();
  paged.seed(DOC, f.paged);
  for (const [name, bytes] of f.pages) void paged.putPage(DOC, name, bytes);
  return { flat, paged };
}

/** KEYS answers in no particular order: compared sorted. */
function comparable(res: BatchResponse, sessions: Session[]): unknown {
  if (!res.ok) return res.failure;
  return res.sessions.map((s, i) =>
    s.replies.map((r: WireReply, j) => {
      const name = sessions[i].commands[j]?.[0]?.toString('latin1').toUpperCase();
      return name === 'KEYS' && r.t === 'array' ? { ...r, v: [...r.v].sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1)) } : r;
    }),
  );
}

const KEYS = ['k0', 'k1', 'k2', 'k3', 'k6', 'k9', 'k13', 'k20', 'fresh', 'nope', 'c', 'h0', 'l0', 's0', 'z0'];
const DBS = [INLINE, ...PAGED];
const key = fc.constantFrom(...KEYS);
const val = fc.constantFrom('a', 'bb', '7');
const dbArb = fc.constantFrom(...DBS);
const GET_UNDECLARED = "return redis.call('GET', ARGV[1])";
const SET_UNDECLARED = "return redis.call('SET', ARGV[1], ARGV[2])";

const commandArb: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom('GET', 'TYPE', 'TTL', 'EXISTS', 'INCR', 'DEL', 'PERSIST', 'HGETALL', 'LRANGE', 'SMEMBERS'), key).map(([c, k]) => (c === 'LRANGE' ? [c, k, '0', '-1'] : [c, k])) },
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom('SET', 'APPEND', 'SADD', 'LPUSH', 'SETNX'), key, val).map(([c, k, v]) => [c, k, v]) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('MGET', 'DEL', 'RENAME', 'COPY', 'EXISTS'), key, key).map(([c, k, l]) => [c, k, l]) },
  { weight: 2, arbitrary: fc.tuple(key, val, key, val).map(([k, v, l, w]) => ['MSET', k, v, l, w]) },
  { weight: 2, arbitrary: fc.tuple(key, key, dbArb).map(([k, l, d]) => ['COPY', k, l, 'DB', String(d), 'REPLACE']) },
  { weight: 2, arbitrary: fc.tuple(key, dbArb).map(([k, d]) => ['MOVE', k, String(d)]) },
  { weight: 2, arbitrary: fc.tuple(key, fc.constantFrom('f1', 'f3'), val).map(([k, f, v]) => ['HSET', k, f, v]) },
  { weight: 2, arbitrary: key.map((k) => ['EVAL', "return redis.call('GET', KEYS[1])", '1', k]) },
  { weight: 2, arbitrary: key.map((k) => ['EVAL', GET_UNDECLARED, '0', k]) },
  { weight: 2, arbitrary: fc.tuple(key, val).map(([k, v]) => ['EVAL', SET_UNDECLARED, '0', k, v]) },
  { weight: 1, arbitrary: fc.constantFrom<string[]>(['KEYS', '*'], ['KEYS', 'k1*'], ['SCAN', '0', 'COUNT', '4'], ['DBSIZE'], ['EXPIRE', 'k3', '1000']) },
  { weight: 1, arbitrary: fc.constantFrom<string[]>(['FLUSHDB'], ['SWAPDB', '0', '3'], ['SWAPDB', '3', '5'], ['FLUSHALL']) },
);
const txArb = fc.array(fc.tuple(dbArb, commandArb.filter((c) => c[0] !== 'KEYS' && !c[0].startsWith('FLUSH'))), { minLength: 1, maxLength: 3 }).map((cs) => exec(...cs));
const sessionArb: fc.Arbitrary<Session> = fc.record({
  db: dbArb,
  commands: fc.array(fc.oneof({ weight: 6, arbitrary: commandArb.map((c) => argv(...c)) }, { weight: 1, arbitrary: txArb }), { minLength: 1, maxLength: 4 }),
});
/** Flushes are rare: most runs should keep data to compare. */
const batchesArb = fc.array(fc.array(sessionArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 }).filter((bs) => bs.flat().flatMap((s) => s.commands).filter((c) => c[0].toString().startsWith('FLUSH')).length <= 1);

describe('a paged db.json answers as its flat twin', () => {
  it('any batches (two warm handlers taking turns on the paged one): the same replies, the same keyspace after', async () => {
    await fc.assert(
      fc.asyncProperty(batchesArb, fc.boolean(), async (batches, tinyCache) => {
        const f = await fixture();
        const s = stores(f);
        const flat = handlerOn(s.flat);
        const paged = [handlerOn(s.paged, tinyCache ? 1 : undefined), handlerOn(s.paged)];
        for (const [i, sessions] of batches.entries()) {
          const want = comparable(await flat(request(`b${i}`, sessions)), sessions);
          const got = comparable(await paged[i % 2](request(`b${i}`, sessions)), sessions);
          expect(got).toEqual(want);
        }
        expect(await contents(s.paged.body(DOC)!, s.paged)).toEqual(await contents(s.flat.body(DOC)!, s.flat));
      }),
      { numRuns: 40 },
    );
  });
});

/** One batch on both twins: the same replies, and those replies. */
async function both(f: Fixture, sessions: Session[]): Promise<{ replies: unknown; s: { flat: MemoryStore; paged: MemoryStore }; res: BatchResponse }> {
  const s = stores(f);
  const want = comparable(await handlerOn(s.flat)(request('one', sessions)), sessions);
  const res = await handlerOn(s.paged)(request('one', sessions));
  expect(comparable(res, sessions)).toEqual(want);
  expect(await contents(s.paged.body(DOC)!, s.paged)).toEqual(await contents(s.flat.body(DOC)!, s.flat));
  return { replies: want, s, res };
}

describe('the file store', () => {
  it('holds the pages in its data directory; its own handler (sole writer) answers as the flat twin', async () => {
    const f = await fixture();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-loading-'));
    const store = new FileStore(dir);
    try {
      await store.put(DOC, f.paged, { ifNoneMatch: '*' });
      for (const [name, bytes] of f.pages) expect((await store.putPage(DOC, name, bytes)).status).toBe('ok');
      const flat = stores(f).flat;
      const batches: Session[][] = [
        [{ db: 3, commands: [argv('GET', 'k1'), argv('SET', 'k13', 'x'), argv('HSET', 'h0', 'f3', 'c'), argv('EVAL', GET_UNDECLARED, '0', 'k13')] }, { db: 5, commands: [argv('MOVE', 'k0', '3'), argv('KEYS', 'k1*')] }],
        [{ db: 3, commands: [argv('GET', 'k0'), argv('DEL', 'k1', 'k2'), argv('DBSIZE'), argv('SCAN', '0', 'COUNT', '3')] }],
      ];
      const [onFlat, onFile] = [handlerOn(flat), handlerOn(store)];
      for (const [i, sessions] of batches.entries()) expect(comparable(await onFile(request(`f${i}`, sessions)), sessions)).toEqual(comparable(await onFlat(request(`f${i}`, sessions)), sessions));
      const got = await store.get(DOC);
      expect(got.status).toBe('found');
      if (got.status === 'found') expect(await contents(got.body, store)).toEqual(await contents(flat.body(DOC)!, flat));
    } finally {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a warm snapshot', () => {
  it('forgets what it resolved (past MAX_RESOLVED_KEYS) without changing a byte, and resolves it again from the page cache', async () => {
    const f = await fixture();
    const s = stores(f);
    const doc = Document.decode(f.paged);
    const loader = new PageLoader(s.paged, DOC);
    await loader.resolveKeys(doc, new Map([[3, new Set(['k1', 'k13'])]]));
    await loader.resolveWhole(doc, 5);
    const fetched = loader.fetched;
    // Two keys of db 3; db 5's 30 live keys and the tombstone of k6 (deleted over a page).
    expect([doc.resolvedCount, doc.entry(Buffer.from('k13'), 3)?.type, [...doc.keys(5)].length]).toEqual([33, 'string', 30]);
    doc.forgetResolved();
    expect(doc.resolvedCount).toBe(0);
    expect(() => doc.entry(Buffer.from('k13'), 3)).toThrow(NotResolvedError);
    expect(() => [...doc.keys(5)]).toThrow(NotResolvedError);
    expect(doc.encode().equals(f.paged)).toBe(true);
    await loader.resolveKeys(doc, new Map([[3, new Set(['k13'])]]));
    expect(doc.get(Buffer.from('k13'), 3)?.toString()).toBe('v13');
    expect(loader.fetched).toBe(fetched);
  });
});

describe('what the commands do not name', () => {
  it('a script reading and writing keys it does not declare: a second round loads them', async () => {
    const f = await fixture();
    const { replies, res } = await both(f, [{ db: 3, commands: [argv('EVAL', "redis.call('SET', 'k13', redis.call('GET', 'k1') .. '!'); return redis.call('GET', 'k13')", '0')] }]);
    expect(replies).toEqual([[bulk('newer!')]]);
    expect(res.ok && res.stats.s3Puts).toBe(1);
  });

  it('a script walking more undeclared keys than there are key rounds: its database is loaded whole, the rounds stay bounded', async () => {
    const f = await fixture();
    const walk = "local n = 0; for i = 0, 23 do if redis.call('EXISTS', 'k' .. i) == 1 then n = n + 1 end end; redis.call('SET', 'n', n); return n";
    const { replies } = await both(f, [{ db: 5, commands: [argv('EVAL', walk, '0')] }]);
    // k0–k23 less k6, which the second round of changes deleted.
    expect(replies).toEqual([[int(23)]]);
  });

  it('MULTI/EXEC across databases: each queued command in its own, watched keys too', async () => {
    const f = await fixture();
    const tx = encodeTransaction({
      watch: [{ db: 5, key: encodeArg(Buffer.from('k9')), seq: 6, state: 1 }],
      commands: [
        { db: 3, argv: ['GET', 'k1'].map((w) => encodeArg(Buffer.from(w))) },
        { db: 5, argv: ['INCR', 'c'].map((w) => encodeArg(Buffer.from(w))) },
        { db: 0, argv: ['SET', 'k1', 'zero'].map((w) => encodeArg(Buffer.from(w))) },
        { db: 3, argv: ['MOVE', 'k20', '5'].map((w) => encodeArg(Buffer.from(w))) },
        { db: 5, argv: ['GET', 'k20'].map((w) => encodeArg(Buffer.from(w))) },
      ],
    });
    const { replies } = await both(f, [{ db: 0, commands: [tx] }]);
    expect(replies).toEqual([[{ t: 'array', v: [bulk('newer'), int(11), OK, int(0), bulk('v20')] }]]);
  });

  it('KEYS, SCAN, DBSIZE, FLUSHDB and SWAPDB on paged databases', async () => {
    const f = await fixture();
    await both(f, [{ db: 3, commands: [argv('KEYS', 'k1*'), argv('SCAN', '0', 'COUNT', '5'), argv('DBSIZE'), argv('SWAPDB', '3', '0'), argv('GET', 'k1'), argv('FLUSHDB'), argv('DBSIZE')] }]);
    await both(f, [{ db: 5, commands: [argv('FLUSHALL'), argv('DBSIZE'), argv('GET', 'k0')] }]);
  });
});

/** The node page whose range holds `key`: every read of the key goes through it. */
function nodeOf(f: Fixture, db: number, key: string): string {
  const nodes = f.root.dbs[db]!.nodes;
  return nodes[rangeOf(nodes.map((n) => n.lo), keyPos(key))].page;
}

describe('a page that is not there', () => {
  it("a stale root's missing page heals by a re-read of the root", async () => {
    const f = await fixture();
    const s = stores(f);
    const h = handlerOn(s.paged);
    // A warm handler: its cached root is the one a write batch runs on without a read.
    expect((await h(request('warm', [{ db: 0, commands: [argv('SET', 'x', '1')] }]))).ok).toBe(true);
    // Meanwhile: the same data under new page names (a fold), the old pages collected.
    const next = await fixture();
    s.paged.seed(DOC, Document.decode(s.paged.body(DOC)!).encode().toString().replace(/,"pages":.*$/, next.paged.toString().replace(/^.*(,"pages":)/, '$1')));
    for (const [name, bytes] of next.pages) await s.paged.putPage(DOC, name, bytes);
    for (const name of f.pages.keys()) s.paged.objects.delete(pageKey(DOC, name));
    const res = await h(request('w', [{ db: 3, commands: [argv('SET', 'k13', 'new'), argv('GET', 'k1')] }]));
    expect(repliesOfWire(res)).toEqual([[OK, bulk('newer')]]);
    const after = await contents(s.paged.body(DOC)!, s.paged);
    expect([after.get('3/k13'), after.get('3/k1'), after.get('0/x')]).toEqual(['"new"', '"newer"', '"1"']);
  });

  it('missing under the current root: TRYAGAIN naming it, db.json untouched', async () => {
    const f = await fixture();
    const s = stores(f);
    const gone = nodeOf(f, 3, 'k0');
    s.paged.objects.delete(pageKey(DOC, gone));
    const before = s.paged.body(DOC)!;
    for (const cmd of [argv('GET', 'k0'), argv('SET', 'k0', 'x'), argv('KEYS', '*')]) {
      const res = await handlerOn(s.paged)(request('m', [{ db: 3, commands: [argv('SET', 'elsewhere', '1'), cmd] }]));
      expect(res.ok).toBe(false);
      if (res.ok) continue;
      expect(failureReply(res.failure)).toEqual({ t: 'error', v: `TRYAGAIN not applied: db.json page ${gone} is missing, though the current db.json references it; nothing was written; safe to retry` });
    }
    expect(s.paged.body(DOC)!.equals(before)).toBe(true);
    expect(s.paged.count('put')).toBe(0);
  });

  it('corrupt: TRYAGAIN naming it, db.json untouched', async () => {
    const f = await fixture();
    const s = stores(f);
    const bad = nodeOf(f, 5, 'k7');
    const bytes = Buffer.from(f.pages.get(bad)!);
    bytes[12] ^= 0x01;
    s.paged.objects.set(pageKey(DOC, bad), { body: bytes, etag: '"x"' });
    const before = s.paged.body(DOC)!;
    const res = await handlerOn(s.paged)(request('c', [{ db: 5, commands: [argv('FLUSHDB')] }]));
    expect(res.ok ? res.sessions : failureReply(res.failure)).toEqual({ t: 'error', v: `TRYAGAIN not applied: db.json page ${bad} is corrupt: checksum mismatch; nothing was written; safe to retry` });
    expect(s.paged.body(DOC)!.equals(before)).toBe(true);
    expect(s.paged.count('put')).toBe(0);
  });
});

function repliesOfWire(res: BatchResponse): WireReply[][] {
  if (!res.ok) throw new Error(`batch failed: ${res.failure.message}`);
  return res.sessions.map((x) => x.replies);
}
