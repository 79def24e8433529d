/**
 * Twins for the whole-database commands (layout.ts step 5): the same writes
 * through a handler paging with tiny limits (so its database 0 ends as many
 * nodes and leaves, records in node buffers and in the root log) and through
 * one that keeps everything inline. Every batch then runs on both.
 */
import { CONTRACT_VERSION, encodeTransaction, type WatchState, type BatchRequest, type BatchResponse, type WireReply } from '../../lambda/contract';
import { encodeArg } from '../../lambda/contract-wire';
import { Document } from '../../lambda/document';
import { createHandler, type BatchHandler } from '../../lambda/handler';
import { decodePage } from '../../lambda/pages/codec';
import { pageKey } from '../../lambda/pages/name';
import { MemoryStore } from '../support/memory-store';
import { TINY } from './paged-store';

export const DOC = 'db.json';
export const NOW = 1_700_000_000_000;
export const PAGING = { threshold: 400, softBytes: 200, hardBytes: 1500, limits: TINY };

let n = 0;
export const request = (sessions: { db: number; commands: Buffer[][] }[]): BatchRequest => ({
  v: CONTRACT_VERSION,
  batchId: `w${++n}`,
  sessions: sessions.map((s, i) => ({ id: `s${i}`, db: s.db, commands: s.commands.map((c) => c.map(encodeArg)) })),
});
export const words = (...w: string[]): Buffer[] => w.map((x) => Buffer.from(x, 'latin1'));
/** EXEC as the proxy sends it. */
export const tx = (watch: { db: number; key: string; seq: number; state: WatchState }[], ...commands: [number, string[]][]): Buffer[] =>
  encodeTransaction({
    watch: watch.map((w) => ({ ...w, key: encodeArg(Buffer.from(w.key, 'latin1')) })),
    commands: commands.map(([db, c]) => ({ db, argv: c.map((w) => encodeArg(Buffer.from(w, 'latin1'))) })),
  });

export function ok(res: BatchResponse): Extract<BatchResponse, { ok: true }> {
  if (!res.ok) throw new Error(`batch failed: ${res.failure.message}`);
  return res;
}

export const rootOf = (store: MemoryStore): Document => Document.decode(store.body(DOC) as Buffer);

/** A store whose page GETs are recorded by name. */
export class CountingStore extends MemoryStore {
  readonly pageGets: string[] = [];
  override async getPage(docKey: string, name: string): Promise<Buffer> {
    this.pageGets.push(name);
    return super.getPage(docKey, name);
  }
}

export interface Twins {
  paged: CountingStore;
  flat: MemoryStore;
  /** A warm handler on each. */
  hp: BatchHandler;
  hf: BatchHandler;
  /** Runs one session on both; expects the same replies and returns them. */
  both(db: number, ...commands: Buffer[][]): Promise<WireReply[]>;
  /** A new (cold) handler on the paged store: its page cache is empty. */
  cold(now?: () => number): BatchHandler;
}

export function handler(store: MemoryStore, paged: boolean, now: () => number = () => NOW): BatchHandler {
  return createHandler({ store, now, sleep: async () => undefined, ...(paged ? { paging: PAGING } : {}) });
}

/**
 * `count` keys in db 0 (strings, every fifth with a TTL, a hash and a set),
 * then some overwritten and deleted, written by batches of 40: the paged
 * twin's commits fold past the hard bound, so it ends paged, many pages.
 * `mirror` gets every batch too (a reference redis-server).
 */
export async function twins(count: number, extra: Record<number, string[][]> = {}, mirror?: (db: number, commands: string[][]) => Promise<void>): Promise<Twins> {
  const paged = new CountingStore();
  const flat = new MemoryStore();
  const hp = handler(paged, true);
  const hf = handler(flat, false);
  const both = async (db: number, ...commands: Buffer[][]): Promise<WireReply[]> => {
    const want = ok(await hf(request([{ db, commands }]))).sessions[0].replies;
    const got = ok(await hp(request([{ db, commands }]))).sessions[0].replies;
    expect(got).toEqual(want);
    return got;
  };
  const cmds: string[][] = [];
  for (let i = 0; i < count; i++) cmds.push(i % 5 === 0 ? ['SET', `key:${i}`, `v${i}`, 'PX', '100000000'] : ['SET', `key:${i}`, `v${i}`]);
  cmds.push(['HSET', 'hash', 'f', '1', 'g', '2'], ['SADD', 'set', 'a', 'b']);
  for (let i = 0; i < count; i += 7) cmds.push(['DEL', `key:${i}`]);
  for (let i = 3; i < count; i += 11) cmds.push(['SET', `key:${i}`, `again${i}`]);
  const batches: [number, string[][]][] = [];
  for (let i = 0; i < cmds.length; i += 40) batches.push([0, cmds.slice(i, i + 40)]);
  for (const [db, cs] of Object.entries(extra)) batches.push([Number(db), cs]);
  for (const [db, cs] of batches) {
    await both(db, ...cs.map((c) => words(...c)));
    await mirror?.(db, cs);
  }
  return { paged, flat, hp, hf, both, cold: (now?: () => number) => handler(paged, true, now) };
}

/** Every page the root references in `db`: its node pages and the leaves they name. */
export function referenced(store: MemoryStore, db: number): string[] {
  const out: string[] = [];
  for (const node of rootOf(store).pagedRoot.dbs[db]?.nodes ?? []) {
    out.push(node.page);
    const bytes = store.body(pageKey(DOC, node.page)) as Buffer;
    for (const l of decodePage(node.page, bytes).leaves ?? []) out.push(l.page);
  }
  return out;
}


export const sorted = (r: WireReply): WireReply => (r.t === 'array' ? { ...r, v: [...r.v].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) } : r);
export const text = (r: WireReply): string => (r.t === 'bulk' ? Buffer.from(r.v, 'base64').toString('latin1') : JSON.stringify(r));
