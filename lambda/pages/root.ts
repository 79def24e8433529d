/**
 * The paged part of the root (layout.ts §1) as data: per paged database its
 * node refs and inline log, and the retired-page records the GC reads.
 *
 *   "pages":{"<db>":{"nodes":[[lo,page,n,x,b],...],"log":[[<key bytes>,<entry>|null,p,seq],...]}},
 *   "retired":[[<ms>,["<page>",...]],...]
 *
 * <key bytes> and <entry> are format 3's (document-format.ts). A database
 * with no nodes holds everything in its log (p always 0): that is how a
 * database is before its first fold, and how the fold pages it.
 */
import { decodeBytes } from '../document-json';
import { CorruptDocumentError, DB_COUNT, type Entry } from '../document-format';
import { refJson, refOf, type Below, type PageRef } from './codec';
import { LOG_HARD_BYTES, LOG_SOFT_BYTES, RETIRED_HORIZON_MS } from './layout';
import { Log } from './log';
import { isPageName } from './name';
import { decodeRecEntry } from './stub';

export interface PagedDb {
  /** Ranges tiling the hash space in order, the first at 0; empty: not paged yet. */
  nodes: PageRef[];
  /** The newest record of each key changed since its node last took it (latin1 keys). */
  log: Log;
}

export interface PagedRoot {
  dbs: (PagedDb | undefined)[];
  /** [commit time, pages that commit stopped referencing], oldest first. */
  retired: [number, string[]][];
}

export const emptyRoot = (): PagedRoot => ({ dbs: new Array<PagedDb | undefined>(DB_COUNT).fill(undefined), retired: [] });

/** What an entry (or null) counts as below-state: the p a record above it gets. */
export const belowOf = (e: Entry | null | undefined): Below => (e ? (e.expiresAt !== undefined ? 2 : 1) : 0);

/**
 * Records a commit's write of `key`: `e` null deletes. `below` is what the
 * levels under the log hold for it (the batch loaded them to run the
 * command). A delete of a key nothing below holds leaves no record: the log
 * must not fill with tombstones of keys that never reached a page.
 */
export function writeRecord(root: PagedRoot, db: number, key: string, e: Entry | null, below: Below, seq: number): void {
  const d = (root.dbs[db] ??= { nodes: [], log: new Log() });
  if (e === null && below === 0) d.log.delete(key);
  else d.log.set(key, { e, p: below, seq });
  if (d.nodes.length === 0 && d.log.size === 0) root.dbs[db] = undefined;
}

/** DBSIZE from the root alone: the nodes' counts, corrected by the log's records. */
export function dbSize(root: PagedRoot, db: number): number {
  const d = root.dbs[db];
  if (!d) return 0;
  let n = d.log.live;
  for (const r of d.nodes) n += r.n;
  return n;
}

/** Keys with a TTL (INFO keyspace `expires`), from the root alone. */
export function expiresCount(root: PagedRoot, db: number): number {
  const d = root.dbs[db];
  if (!d) return 0;
  let n = d.log.ttls;
  for (const r of d.nodes) n += r.x;
  return n;
}

/**
 * Bytes of the pages the root's node refs reach (every node page and leaf
 * below them), from the refs alone: O(refs). `unknown` counts refs written
 * before `b` was kept (pages/fold.ts measures them at their database's next
 * fold); until then they add nothing, so `bytes` is a lower bound.
 * The cap (--maxmemory) is checked on each write's growth of the root; a
 * fold is no write, and moves records from the log into pages, whose framing
 * differs: measured at 64 B values, +7 to +13 B per new key folded, and less
 * in total when it folds rewrites (their old bytes leave the count). So a
 * full database may pass the cap by that much after a fold; its next growing
 * write then gets -OOM.
 */
export function pageBytes(root: PagedRoot): { bytes: number; unknown: number } {
  let bytes = 0;
  let unknown = 0;
  for (const d of root.dbs) {
    for (const r of d?.nodes ?? []) {
      if (r.b === undefined) unknown++;
      else bytes += r.b;
    }
  }
  return { bytes, unknown };
}

/** Records that `names` stopped being referenced at `at`. */
export function retire(root: PagedRoot, names: readonly string[], at: number): void {
  if (names.length > 0) root.retired.push([at, [...names]]);
}

/** Drops retired records older than the horizon (layout.ts §8): past it the GC's orphan rule covers them. */
export function trimRetired(root: PagedRoot, now: number): void {
  root.retired = root.retired.filter(([at]) => now - at <= RETIRED_HORIZON_MS);
}

/** UTF-8 bytes of the log of every database, as encodeRoot writes it, a separator each: what the fold bounds compare. Kept running by each Log. */
export function logBytes(root: PagedRoot): number {
  let n = 0;
  for (const d of root.dbs) if (d) n += d.log.bytes;
  return n;
}

export const foldWanted = (root: PagedRoot): boolean => logBytes(root) > LOG_SOFT_BYTES;
export const foldRequired = (root: PagedRoot): boolean => logBytes(root) > LOG_HARD_BYTES;

/** The `"pages":…,"retired":…` members of the root (no braces). */
export function encodeRoot(root: PagedRoot): string {
  const dbs: string[] = [];
  root.dbs.forEach((d, db) => {
    if (!d) return;
    const nodes = d.nodes.map(refJson).join(',');
    const log = Array.from(d.log, ([k, r]) => d.log.json(k, r)).join(',');
    dbs.push(`"${db}":{"nodes":[${nodes}],"log":[${log}]}`);
  });
  return `"pages":{${dbs.join(',')}},"retired":${JSON.stringify(root.retired)}`;
}

/** The parsed `pages` and `retired` members; CorruptDocumentError naming what is wrong. */
export function decodeRoot(pages: unknown, retired: unknown): PagedRoot {
  const fail = (what: string): never => {
    throw new CorruptDocumentError(`db.json: ${what}`);
  };
  const root = emptyRoot();
  if (typeof pages !== 'object' || pages === null || Array.isArray(pages)) fail('pages is not an object');
  for (const [name, raw] of Object.entries(pages as Record<string, unknown>)) {
    const db = Number(name);
    if (!/^(?:[0-9]|1[0-5])$/.test(name)) fail(`pages has a member ${JSON.stringify(name)}, not a database number`);
    root.dbs[db] = decodeDb(raw, db, fail);
  }
  if (!Array.isArray(retired) || !retired.every((g) => Array.isArray(g) && g.length === 2 && Number.isSafeInteger(g[0]) && Array.isArray(g[1]) && g[1].every((p: unknown) => typeof p === 'string' && isPageName(p)))) fail('retired is malformed');
  root.retired = retired as [number, string[]][];
  return root;
}

const count = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function decodeDb(raw: unknown, db: number, fail: (what: string) => never): PagedDb {
  const o = raw as { nodes?: unknown; log?: unknown };
  if (typeof raw !== 'object' || raw === null || !Array.isArray(o.nodes) || !Array.isArray(o.log)) return fail(`pages["${db}"] is malformed`);
  const nodes = o.nodes.map((r: unknown) => refOf(r, isPageName) ?? fail(`pages["${db}"] has a malformed node ref`));
  if (nodes.length > 0 && nodes[0].lo !== 0) fail(`pages["${db}"]: the first node does not start at 0`);
  for (let i = 1; i < nodes.length; i++) if (nodes[i].lo <= nodes[i - 1].lo) fail(`pages["${db}"]: node ranges are not ascending`);
  const log = new Log();
  for (const r of o.log) {
    if (!Array.isArray(r) || r.length !== 4 || (r[2] !== 0 && r[2] !== 1 && r[2] !== 2) || !count(r[3])) return fail(`pages["${db}"] has a malformed log record`);
    const key = decodeBytes(r[0]) ?? fail(`pages["${db}"] has a log key that is not a byte string`);
    const k = key.toString('latin1');
    if (log.has(k)) fail(`pages["${db}"] logs a key twice`);
    if (r[1] === null && r[2] === 0) fail(`pages["${db}"] has a tombstone with nothing below it`);
    const e = r[1] === null ? null : decodeRecEntry(r[1], k, db);
    log.set(k, { e, p: r[2] as Below, seq: r[3] as number });
  }
  // With no nodes there is nothing below the log: a p > 0 would miscount DBSIZE.
  if (nodes.length === 0 && [...log.values()].some((r) => r.p !== 0)) fail(`pages["${db}"] is not paged, yet a log record says its key is below`);
  return { nodes, log };
}
