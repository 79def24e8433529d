/**
 * A paged database holding big aggregates (stubs + member pages, tiny
 * limits) and its flat twin (format 3, nothing paged), both behind real
 * handlers: every batch runs on both, and their replies must be equal.
 */
import { CONTRACT_VERSION, type BatchRequest, type BatchResponse, type WireFoldDelta } from '../../lambda/contract';
import { encodeArg } from '../../lambda/contract-wire';
import { Document } from '../../lambda/document';
import { createHandler, type BatchHandler, type HandlerOptions } from '../../lambda/handler';
import { decodeAggPage } from '../../lambda/pages/agg-codec';
import { pagePrefix } from '../../lambda/pages/name';
import type { ObjectStore } from '../../lambda/store/types';
import { MemoryStore } from '../support/memory-store';
import { TINY } from './paged-store';

export const DOC = 'db.json';
/** An aggregate whose JSON passes 2,000 bytes is a stub; a database is paged past 20,000 bytes inline (a copy of one aggregate stays inline). */
export const AGG_BYTES = 2000;
export const PAGING = { threshold: 20_000, softBytes: 1e9, hardBytes: 1e9, limits: TINY, aggPageBytes: AGG_BYTES };

let n = 0;
export const batch = (cmds: string[][], extra: Partial<BatchRequest> = {}): BatchRequest => ({
  v: CONTRACT_VERSION,
  batchId: `b${++n}`,
  sessions: [{ id: 's', commands: cmds.map((c) => c.map((a) => encodeArg(Buffer.from(a)))) }],
  ...extra,
});

export function ok(res: BatchResponse): Extract<BatchResponse, { ok: true }> {
  if (!res.ok) throw new Error(`batch failed: ${res.failure.message}`);
  return res;
}

export const range = (k: number, f: (i: number) => string[]): string[] => Array.from({ length: k }, (_, i) => f(i)).flat();

/** Commands building one big aggregate of each type (and a few strings), `size` members each. */
export function bigAggregates(size: number): string[][] {
  return [
    ...range(12, (i) => [`str${i}`]).map((k) => ['SET', k, `value of ${k}`]),
    ['HSET', 'h', ...range(size, (i) => [`field:${i}`, `value:${i}`])],
    ['SADD', 's', ...range(size, (i) => [`member:${i}`])],
    ['ZADD', 'z', ...range(size, (i) => [String(i % 97), `m:${i}`])],
    ['RPUSH', 'l', ...range(size, (i) => [`element:${i}`])],
    ['XADD', 'x', '1-1', 'f', 'first'],
    ...Array.from({ length: size / 4 }, (_, i) => ['XADD', 'x', `${i + 2}-0`, 'field', `stream value ${i}`]),
  ];
}

export interface Side {
  store: ObjectStore;
  h: BatchHandler;
}

export const handlerOn = (store: ObjectStore, paged: boolean, o: Partial<HandlerOptions> = {}): BatchHandler =>
  createHandler({ store, sleep: async () => undefined, ...(paged ? { paging: PAGING } : { paging: { threshold: 1e12 } }), ...o });

/** The two sides; `store` for the paged one (default a MemoryStore). */
export function twins(store: ObjectStore = new MemoryStore(), o: Partial<HandlerOptions> = {}): { paged: Side; flat: Side } {
  const flatStore = new MemoryStore();
  return { paged: { store, h: handlerOn(store, true, o) }, flat: { store: flatStore, h: handlerOn(flatStore, false) } };
}

/** Runs `cmds` on both sides (the paged one with `deltas`), expects equal replies, returns the paged side's response. */
export async function both(t: { paged: Side; flat: Side }, cmds: string[][], deltas?: WireFoldDelta[]): Promise<Extract<BatchResponse, { ok: true }>> {
  const [p, f] = [ok(await t.paged.h(batch(cmds, deltas ? { deltas } : {}))), ok(await t.flat.h(batch(cmds)))];
  expect(p.sessions[0].replies).toEqual(f.sessions[0].replies);
  return p;
}

/** A fold of the paged side's logs: its deltas, to ride on its next batch. */
export async function foldDeltas(h: BatchHandler): Promise<WireFoldDelta[]> {
  return ok(await h({ v: CONTRACT_VERSION, batchId: `f${++n}`, sessions: [], fold: {} })).folds ?? [];
}

/** Every member of each aggregate (and the strings), read whole: what two sides must agree on. */
export const WHOLE: string[][] = [['HGETALL', 'h'], ['HLEN', 'h'], ['SMEMBERS', 's'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['LRANGE', 'l', '0', '-1'], ['XRANGE', 'x', '-', '+'], ['XLEN', 'x'], ['DBSIZE'], ...range(12, (i) => [`str${i}`]).map((k) => ['GET', k])];

/** Object keys of the paged side's pages, and which are aggregate index pages. */
export function pagesIn(store: MemoryStore): { all: string[]; indexes: string[] } {
  const all = [...store.objects.keys()].filter((k) => k.startsWith(pagePrefix(DOC))).map((k) => k.slice(pagePrefix(DOC).length));
  const indexes = all.filter((p) => {
    const b = store.body(`${pagePrefix(DOC)}${p}`) as Buffer;
    return b.subarray(0, 4).toString() === 'vpa1' && decodeAggPage(p, b).head.kind === 'index';
  });
  return { all, indexes };
}

export const rootOf = (store: MemoryStore): Document => Document.decode(store.body(DOC) as Buffer);
