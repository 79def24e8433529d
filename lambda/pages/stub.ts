/**
 * Big aggregates (layout.ts §3): a hash, set, zset, list or stream whose JSON
 * passes the aggregate page size is stored as a STUB, in the root log, a node
 * buffer or a leaf alike:
 *
 *   {"t":"hash","pg":"<index page>","n":<size>[,"last":…,"added":…,"maxdel":…],"x":…,"s":…}
 *
 * with its members in MEMBER pages named by its INDEX page (agg-codec.ts). A
 * member page is a run of the value's copy-on-write chunks (document-
 * fieldmap.ts, document-seq.ts); a new version of the value shares the chunk
 * objects it did not change, so writing it reuses every member page whose
 * run of chunks is unchanged (by identity) and uploads only the runs holding
 * a changed chunk, plus a new index page. The stub itself is ~100 bytes: a
 * write of one field of a 50 MB hash puts ~100 bytes in the root log. A zset
 * stores its order Seq only (its scores map is rebuilt when loaded: storing
 * both would double its pages); a hash or set its FieldMap chunks, empty ones
 * too (a chunk's index is its hash range), with the chunk bits in the index.
 * Runs aim at half the aggregate page size but hold whole chunks: a chunk
 * (≤ 256 members) bigger than that is one page of its own.
 *
 * In memory a stub is an entry whose value is a Paged* value: a real value of
 * its type (sharing the chunks) whose JSON is the stub. EXPANDED, it holds
 * every member and its layout (runs of chunks → pages); decoded from db.json
 * or a page it is NOT expanded (only its refs are known) and must never reach
 * a command: the loader expands it (agg-io.ts) and the Document refuses one
 * that was not. Keyspaces hold plain values (plain()): a stub copied into an
 * inline database (COPY … DB, MOVE, SWAPDB) would name pages from db.json's
 * inline part, where neither readers nor the GC look for them.
 *
 * REUSE IS SAFE only from the key's own ORIGIN: the stub the current root
 * holds for the key (its topmost record), or one this transaction made. Its
 * pages are referenced by the root the commit replaces (or uploaded by this
 * commit), so a page is never named again once no root names it: the GC's
 * rule (pages/gc.ts) stays sound. A chunk-identity cache across keys or roots
 * could name a page retired (and collected) since; COPY and RENAME therefore
 * upload the destination's pages afresh.
 */
import type { AggregateType, Entry } from '../document-format';
import { FieldMap, Seq } from '../document-chunks';
import { bytesJson, latin1Json } from '../document-json';
import { HashValue, ListValue, SetValue, StreamValue, ZSetValue, formatId, parseStoredId, scoreJson, type EncodedValue, type StreamId, type StreamItem, type ZItem } from '../document-values';
import { decodeEntry } from '../document-decode';
import { CorruptDocumentError } from '../document-format';
import { encodeAggPage } from './agg-codec';
import { isPageName, pageName } from './name';

/** JSON past which an aggregate is stored as a stub (256 KiB); tests shrink it (PagingOptions.aggPageBytes). */
export const AGG_PAGE_BYTES = 256 << 10;

/** A member page: its name, the chunk objects it holds (identity), and its bytes while not yet uploaded. */
export interface StubRun {
  page: string;
  chunks: readonly object[];
  /** Bytes of its chunks' fragments: what the aggregate's JSON holds of it. */
  size: number;
  bytes?: Buffer;
}

export interface Stub {
  index: string;
  n: number;
  /** A hash's or set's chunk bits (reuse needs the same chunking). */
  bits?: number;
  /** Undefined: not expanded (decoded from db.json or a page: its members are not here). */
  runs?: StubRun[];
  /** The index page's bytes while not yet uploaded. */
  indexBytes?: Buffer;
}

function stubHead(type: string, s: Stub): string {
  return `{"t":"${type}","pg":"${s.index}","n":${s.n}`;
}
const stubEncoded = (type: string, s: Stub, tail = ''): EncodedValue => ({ head: stubHead(type, s), parts: [], bytes: 0, tail });

export class PagedHash extends HashValue {
  constructor(fields: FieldMap<Buffer>, readonly stub: Stub) {
    super(fields);
  }
  override get size(): number {
    return this.stub.n;
  }
  override encoded(): EncodedValue {
    return stubEncoded(this.type, this.stub);
  }
}
export class PagedSet extends SetValue {
  constructor(members: FieldMap<true>, readonly stub: Stub) {
    super(members);
  }
  override get size(): number {
    return this.stub.n;
  }
  override encoded(): EncodedValue {
    return stubEncoded(this.type, this.stub);
  }
}
export class PagedList extends ListValue {
  constructor(items: Seq<Buffer>, readonly stub: Stub) {
    super(items);
  }
  override get size(): number {
    return this.stub.n;
  }
  override encoded(): EncodedValue {
    return stubEncoded(this.type, this.stub);
  }
}
export class PagedZSet extends ZSetValue {
  constructor(scores: FieldMap<number>, order: Seq<ZItem>, readonly stub: Stub) {
    super(scores, order);
  }
  override get size(): number {
    return this.stub.n;
  }
  override encoded(): EncodedValue {
    return stubEncoded(this.type, this.stub);
  }
}
export class PagedStream extends StreamValue {
  constructor(entries: Seq<StreamItem>, lastId: StreamId, added: number, maxDeleted: StreamId, readonly stub: Stub) {
    super(entries, lastId, added, maxDeleted);
  }
  override get size(): number {
    return this.stub.n;
  }
  override encoded(): EncodedValue {
    return stubEncoded(this.type, this.stub, `,"last":"${formatId(this.lastId)}","added":${this.entriesAdded},"maxdel":"${formatId(this.maxDeletedId)}"`);
  }
}

export type PagedValue = PagedHash | PagedSet | PagedList | PagedZSet | PagedStream;
const isPaged = (v: unknown): v is PagedValue => v instanceof PagedHash || v instanceof PagedSet || v instanceof PagedList || v instanceof PagedZSet || v instanceof PagedStream;

/** The stub an entry is stored as (undefined: a plain entry, or none). */
export function stubOf(e: Entry | null | undefined): Stub | undefined {
  return e && e.type !== 'string' && isPaged(e.value) ? e.value.stub : undefined;
}

/** Whether `e` is a stub whose members are not in memory: what only the loader may take. */
export const unexpanded = (e: Entry | null | undefined): boolean => stubOf(e) !== undefined && stubOf(e)!.runs === undefined;

/** The pages a stub names (index first); of one not expanded only its index is known here. */
export const stubPages = (s: Stub): string[] => [s.index, ...(s.runs ?? []).map((r) => r.page)];

/** The entry a keyspace holds for a stored one: a stub's plain value (same chunks, its own JSON). Not for unexpanded stubs. */
export function plain(e: Entry): Entry {
  if (e.type === 'string' || !isPaged(e.value)) return e;
  const v = e.value;
  const meta = { ...(e.expiresAt !== undefined ? { expiresAt: e.expiresAt } : {}), ...(e.stamp !== undefined ? { stamp: e.stamp } : {}) };
  if (v instanceof PagedHash) return { type: 'hash', value: new HashValue(v.fields), ...meta };
  if (v instanceof PagedSet) return { type: 'set', value: new SetValue(v.members), ...meta };
  if (v instanceof PagedList) return { type: 'list', value: new ListValue(v.items), ...meta };
  if (v instanceof PagedZSet) return { type: 'zset', value: new ZSetValue(v.scores, v.order), ...meta };
  return { type: 'stream', value: new StreamValue(v.entries, v.lastId, v.entriesAdded, v.maxDeletedId), ...meta };
}

// ---------------------------------------------------------------- items

/** Each type's item JSON: exactly its value's (document-values.ts), since the chunks' cached fragments are shared with db.json's. */
export const ITEM = {
  hash: (f: string, v: Buffer): string => `[${latin1Json(f)},${bytesJson(v)}]`,
  set: (m: string): string => latin1Json(m),
  list: (b: Buffer): string => bytesJson(b),
  zset: (x: ZItem): string => `[${latin1Json(x.m)},${scoreJson(x.s)}]`,
  stream: (x: StreamItem): string => `["${formatId(x.id)}",[${x.fields.map(bytesJson).join(',')}]]`,
};

/** A value's chunks, each with its fragment (built on need), and its FieldMap bits. */
export function piecesOf(v: HashValue | SetValue | ListValue | ZSetValue | StreamValue): { pieces: { chunk: object; json: () => Buffer }[]; bits?: number } {
  if (v instanceof HashValue) return { pieces: v.fields.pieces(ITEM.hash), bits: v.fields.chunkBits };
  if (v instanceof SetValue) return { pieces: v.members.pieces(ITEM.set), bits: v.members.chunkBits };
  if (v instanceof ListValue) return { pieces: v.items.pieces(ITEM.list) };
  if (v instanceof ZSetValue) return { pieces: v.order.pieces(ITEM.zset) };
  return { pieces: v.entries.pieces(ITEM.stream) };
}

// ---------------------------------------------------------------- writing

/** Upload tokens (tests make names deterministic). */
export type Token = (() => string) | undefined;

/**
 * Groups the value's chunks into runs (member pages): a run of the origin's
 * whose chunks recur here, in order and by identity, keeps its page; the
 * chunks between such runs are cut into new runs of about `target` bytes.
 * A FieldMap rechunked since (other bits) shares no chunk: all runs are new.
 */
export function layoutRuns(type: AggregateType, pieces: { chunk: object; json: () => Buffer }[], origin: Stub | undefined, bits: number | undefined, target: number, token?: Token): StubRun[] {
  const starts = new Map<object, StubRun>();
  if (origin?.runs && origin.bits === bits) for (const r of origin.runs) starts.set(r.chunks[0], r);
  const out: StubRun[] = [];
  let pending: { chunk: object; json: Buffer }[] = [];
  let size = 0;
  const flush = (): void => {
    if (pending.length === 0) return;
    const body = pending.map((p) => p.json);
    const bytes = encodeAggPage({ kind: 'members', t: type, chunks: body.map((b) => b.length) }, body);
    out.push({ page: pageName(bytes, token?.()), chunks: pending.map((p) => p.chunk), size, bytes });
    pending = [];
    size = 0;
  };
  for (let i = 0; i < pieces.length; ) {
    const r = starts.get(pieces[i].chunk);
    if (r && r.chunks.every((c, j) => pieces[i + j]?.chunk === c)) {
      flush();
      out.push(r);
      i += r.chunks.length;
      continue;
    }
    const json = pieces[i].json();
    pending.push({ chunk: pieces[i].chunk, json });
    size += json.length;
    i++;
    if (size >= target) flush();
  }
  flush();
  return out;
}

/**
 * The stub of an aggregate entry: runs laid out against `origin` (see
 * layoutRuns), and its index page (the origin's, when every run is). With
 * `keepAbove`, undefined when its members' JSON fell under that many bytes:
 * the caller stores it whole again.
 */
export function toStub(e: Exclude<Entry, { type: 'string' }>, origin: Stub | undefined, target: number, token?: Token, keepAbove = 0): Entry | undefined {
  const v = e.value;
  const { pieces, bits } = piecesOf(v);
  const runs = layoutRuns(e.type, pieces, origin, bits, Math.max(1, target), token);
  let size = 0;
  for (const r of runs) size += r.size;
  if (size < keepAbove) return undefined;
  const same = origin?.runs !== undefined && origin.bits === bits && origin.runs.length === runs.length && runs.every((r, i) => r === origin.runs![i]);
  let stub: Stub;
  if (same && origin.n === v.size) stub = { index: origin.index, n: origin.n, bits, runs, indexBytes: origin.indexBytes };
  else {
    const indexBytes = encodeAggPage({ kind: 'index', t: e.type, n: v.size, ...(bits !== undefined ? { bits } : {}), runs: runs.map((r) => [r.page, r.chunks.length]) });
    stub = { index: pageName(indexBytes, token?.()), n: v.size, bits, runs, indexBytes };
  }
  const meta = { ...(e.expiresAt !== undefined ? { expiresAt: e.expiresAt } : {}), ...(e.stamp !== undefined ? { stamp: e.stamp } : {}) };
  if (v instanceof HashValue) return { type: 'hash', value: new PagedHash(v.fields, stub), ...meta };
  if (v instanceof SetValue) return { type: 'set', value: new PagedSet(v.members, stub), ...meta };
  if (v instanceof ListValue) return { type: 'list', value: new PagedList(v.items, stub), ...meta };
  if (v instanceof ZSetValue) return { type: 'zset', value: new PagedZSet(v.scores, v.order, stub), ...meta };
  return { type: 'stream', value: new PagedStream(v.entries, v.lastId, v.entriesAdded, v.maxDeletedId, stub), ...meta };
}

/** An expanded stub's value from its members (agg-io.ts decodes the pages). */
export function pagedValue(type: Exclude<Entry['type'], 'string'>, stub: Stub, parts: { maps?: Map<string, unknown>[]; items?: unknown[][] }, meta: { last?: StreamId; added?: number; maxdel?: StreamId }): PagedValue {
  switch (type) {
    case 'hash':
      return new PagedHash(FieldMap.ofChunks(parts.maps as Map<string, Buffer>[], stub.bits ?? 0), stub);
    case 'set':
      return new PagedSet(FieldMap.ofChunks(parts.maps as Map<string, true>[], stub.bits ?? 0), stub);
    case 'list':
      return new PagedList(Seq.ofChunks(parts.items as Buffer[][]), stub);
    case 'zset': {
      const items = parts.items as ZItem[][];
      return new PagedZSet(FieldMap.from(items.flat().map((x) => [x.m, x.s] as const)), Seq.ofChunks(items), stub);
    }
    case 'stream':
      return new PagedStream(Seq.ofChunks(parts.items as StreamItem[][]), meta.last!, meta.added!, meta.maxdel!, stub);
  }
}

// ---------------------------------------------------------------- reading db.json and pages

const STUB_FIELDS = new Set(['t', 'pg', 'n', 'x', 's']);
const STREAM_STUB_FIELDS = new Set([...STUB_FIELDS, 'last', 'added', 'maxdel']);

/**
 * An entry of a log record or a page record: a stub (not expanded), or what
 * format 3 writes (decodeEntry). Stubs are read only there: db.json's inline
 * part never holds one.
 */
export function decodeRecEntry(raw: unknown, k: string, db: number): Entry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !Object.hasOwn(raw, 'pg')) return decodeEntry(raw, 3, 'data', k, db);
  const o = raw as Record<string, unknown>;
  const fail = (what: string): never => {
    throw new CorruptDocumentError(`db.json: the paged ${String(o.t)} of db ${db} key ${JSON.stringify(k)} is corrupt: ${what}`);
  };
  const t = o.t;
  if (t !== 'hash' && t !== 'set' && t !== 'list' && t !== 'zset' && t !== 'stream') return fail('unknown type');
  for (const f of Object.keys(o)) if (!(t === 'stream' ? STREAM_STUB_FIELDS : STUB_FIELDS).has(f)) fail(`unknown field ${JSON.stringify(f)}`);
  if (typeof o.pg !== 'string' || !isPageName(o.pg)) fail('"pg" is not a page name');
  if (!Number.isSafeInteger(o.n) || (o.n as number) < (t === 'stream' ? 0 : 1)) fail('"n" is not a size');
  if (o.x !== undefined && !Number.isSafeInteger(o.x)) fail('the expiry is not an integer');
  if (o.s !== undefined && !(Number.isSafeInteger(o.s) && (o.s as number) >= 0)) fail('the stamp is not a non-negative integer');
  const stub: Stub = { index: o.pg as string, n: o.n as number };
  const meta = { ...(o.x !== undefined ? { expiresAt: o.x as number } : {}), ...(o.s !== undefined ? { stamp: o.s as number } : {}) };
  if (t === 'hash') return { type: t, value: new PagedHash(FieldMap.empty(), stub), ...meta };
  if (t === 'set') return { type: t, value: new PagedSet(FieldMap.empty(), stub), ...meta };
  if (t === 'list') return { type: t, value: new PagedList(Seq.empty(), stub), ...meta };
  if (t === 'zset') return { type: t, value: new PagedZSet(FieldMap.empty(), Seq.empty(), stub), ...meta };
  const last = parseStoredId(o.last) ?? fail('no valid "last" id');
  const maxdel = parseStoredId(o.maxdel) ?? fail('no valid "maxdel" id');
  if (!Number.isSafeInteger(o.added) || (o.added as number) < 0) fail('"added" is not a non-negative integer');
  return { type: t, value: new PagedStream(Seq.empty(), last, o.added as number, maxdel, stub), ...meta };
}
