/**
 * The fold in the contract (lambda/pages/layout.ts §5). The writer proxy
 * asks for a fold once a response says `foldWanted`; the handler answers
 * with DELTAS (one per folded database) after uploading their pages, and
 * writes no root. The proxy hands each delta back on its next write batch,
 * whose commit applies it (or drops it as stale) within its one root PUT.
 * A delta's keys are bytes: base64 on the wire, Buffers in this process.
 */

/** A node ref of a paged database: its range's start (hash52), its page, its subtree's keys, keys with a TTL, and bytes (pages/codec.ts's PageRef). */
export interface NodeRef {
  lo: number;
  page: string;
  n: number;
  x: number;
  b?: number;
}

export interface FoldDeltaOf<B> {
  db: number;
  /** Node refs of the root the fold read (null: the database was not paged yet) and the refs that take their place. */
  replaced: { old: string | null; refs: NodeRef[] }[];
  /** Log records it moved down: key, the seq the record had, what the levels below now hold for the key (0, 1, 2). */
  folded: { k: B; seq: number; p: 0 | 1 | 2 }[];
  /** Pages the new refs no longer reference (for the GC). */
  retired: string[];
  /** When the fold began (handler's clock, Unix ms): a delta too old is dropped. */
  startedAt: number;
}

export type WireFoldDelta = FoldDeltaOf<string>;
export type LocalFoldDelta = FoldDeltaOf<Buffer>;

/** A fold request (sessions empty): fold every paged database's log, upload the pages, answer the deltas. */
export interface FoldAsk {
  /** Present for future options; the handler folds what its root wants. */
  dbs?: number[];
}

const mapKeys = <A, B>(d: FoldDeltaOf<A>, f: (k: A) => B): FoldDeltaOf<B> => ({ ...d, folded: d.folded.map((r) => ({ ...r, k: f(r.k) })) });

export const toWireDeltas = (ds: LocalFoldDelta[]): WireFoldDelta[] => ds.map((d) => mapKeys(d, (k) => k.toString('base64')));
export const fromWireDeltas = (ds: WireFoldDelta[]): LocalFoldDelta[] => ds.map((d) => mapKeys(d, (k) => Buffer.from(k, 'base64')));

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0;
const isRef = (r: unknown, name: (s: string) => boolean): boolean => isObj(r) && isCount(r.lo) && typeof r.page === 'string' && name(r.page) && isCount(r.n) && isCount(r.x) && (r.b === undefined || isCount(r.b));

/**
 * What is wrong with a list of wire deltas, or null. `name` checks a page
 * name: the handler passes the strict check (names become object keys and
 * go into db.json); the proxy, which only carries deltas back, a loose one.
 */
export function deltasProblem(x: unknown, name: (s: string) => boolean, databases: number): string | null {
  if (!Array.isArray(x) || x.length > databases) return 'fold deltas are not a list';
  for (const d of x as unknown[]) {
    if (!isObj(d) || !Number.isInteger(d.db) || (d.db as number) < 0 || (d.db as number) >= databases || !isCount(d.startedAt)) return 'a fold delta has no database or start time';
    if (!Array.isArray(d.replaced) || !d.replaced.every((r) => isObj(r) && (r.old === null || (typeof r.old === 'string' && name(r.old))) && Array.isArray(r.refs) && r.refs.every((f) => isRef(f, name)))) return 'a fold delta has malformed replaced refs';
    if (!Array.isArray(d.folded) || !d.folded.every((f) => isObj(f) && typeof f.k === 'string' && f.k.length % 4 === 0 && isCount(f.seq) && (f.p === 0 || f.p === 1 || f.p === 2))) return 'a fold delta has malformed folded records';
    if (!Array.isArray(d.retired) || !d.retired.every((p) => typeof p === 'string' && name(p))) return 'a fold delta has malformed retired pages';
  }
  return null;
}
