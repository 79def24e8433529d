/**
 * Restoring a snapshot (layout.ts §9): the snapshot's root becomes db.json,
 * with one conditional PUT (If-Match on the root it replaces; If-None-Match:
 * * when there is none), as every commit is made. The operator's tool is
 * bin/restore.ts; this is the part that decides what the new root holds.
 *
 * What the restored root keeps, and why:
 *  - The snapshot's data (inline entries, node refs, log). Every page it
 *    names is read and checked first: a missing or corrupt page stops the
 *    restore, naming the page, before anything is written.
 *  - clock = the max of both, seq = the max of both + 1: the clock never
 *    goes back (an expired key cannot come back to life), and seq counts the
 *    restore as a commit after every one the replaced root saw.
 *  - The replaced root's commit window, plus a record of the restore itself
 *    (no change marks: "anything may have changed"). A batch that landed
 *    before the restore is still found by its id (exactly once: its retry
 *    must not apply it again on the restored data), and a WATCH taken before
 *    the restore aborts its EXEC.
 *  - Retired records: the replaced root's (pages its readers may still
 *    fetch), and, at the restore's time, every page the replaced root named
 *    that the restored one does not: readers of the replaced root keep their
 *    grace (pages/gc.ts (b)).
 *  - Fresh copies of the snapshot's node pages (new names, same bytes), and
 *    a database paged without nodes folded into pages: a fold delta computed
 *    before the restore names node pages of an older root (or no node, for
 *    a database without any), so the commit that carries it finds it stale
 *    and drops it, rather than folding records written after the snapshot
 *    into the restored data.
 */
import { randomBytes } from 'node:crypto';
import { CommitWindow } from './document-commits';
import { Document } from './document';
import { decodePage, type Page } from './pages/codec';
import { fold, type AppliedDelta } from './pages/fold';
import { PageReader } from './pages/keyspace';
import { DEFAULT_LIMITS } from './pages/layout';
import { pageName } from './pages/name';
import type { PagedRoot } from './pages/root';
import { pagesOf, StoreError, type ObjectStore, type PageStore } from './store/types';

export interface RestoreOptions {
  store: ObjectStore;
  /** The document's key (db.json). */
  key: string;
  /** The snapshot object's key (snapshots/<time>.json). */
  snapshotKey: string;
  /**
   * Where the GC finds retained snapshots (its VALTHREE_SNAPSHOT_PREFIX). A
   * snapshot that names pages must be there: only then does the GC keep its
   * pages until the restored root names them (pages/gc.ts reads snapshots).
   */
  snapshotPrefix: string;
  /** Check everything and build the root, but write nothing. */
  dryRun?: boolean;
  /** Replace a db.json that cannot be read (corrupt, unknown format): its window and pages are then unknown. */
  overUnreadable?: boolean;
  now?: () => number;
}

export interface RestoreResult {
  status: 'restored' | 'dry-run';
  /** The restore's id in the commit window. */
  id: string;
  clock: number;
  seq: number;
  /** Pages the restored root names (node copies included), and the replaced root's pages it retired. */
  pages: number;
  retired: number;
  /** Node pages of the replaced root that could not be read: retired, their leaves left to the GC's orphan rule. */
  unreadable: string[];
  etag?: string;
}

export class RestoreError extends Error {}

interface Named {
  /** Node pages, decoded. */
  nodes: Map<string, Page>;
  /** Every page named: node pages and their leaves. */
  all: Set<string>;
  /** Node pages that could not be read (`lenient` only). */
  unreadable: string[];
}

/**
 * The pages a root names: its node pages and, through them, their leaves.
 * Strict (the snapshot): every page read and checked, the first failure
 * thrown. Lenient (the root being replaced, perhaps broken, which is why it
 * is replaced): a node page that cannot be read is only listed.
 */
async function pagesOfRoot(pages: PageStore, key: string, root: Readonly<PagedRoot>, what: string, lenient: boolean): Promise<Named> {
  const out: Named = { nodes: new Map(), all: new Set(), unreadable: [] };
  const read = async (name: string): Promise<Page> => {
    try {
      return decodePage(name, await pages.getPage(key, name));
    } catch (e) {
      throw new RestoreError(`${what}: ${(e as Error).message}`);
    }
  };
  const names = root.dbs.flatMap((d) => d?.nodes.map((r) => r.page) ?? []);
  await inParallel(names, async (n) => {
    out.all.add(n);
    const page = await read(n).catch((e: unknown) => {
      if (!lenient) throw e;
      out.unreadable.push(n);
    });
    if (page) out.nodes.set(n, page);
  });
  for (const node of out.nodes.values()) for (const l of node.leaves ?? []) out.all.add(l.page);
  if (!lenient) await inParallel([...out.all].filter((n) => !out.nodes.has(n)), async (n) => void (await read(n)));
  return out;
}

async function inParallel<T>(items: readonly T[], f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await f(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(16, items.length) }, worker));
}

const decode = (body: Buffer, what: string, window?: CommitWindow): Document => {
  try {
    return Document.decode(body, window);
  } catch (e) {
    throw new RestoreError(`${what} cannot be read: ${(e as Error).message}; nothing was written`);
  }
};

export async function restoreSnapshot(o: RestoreOptions): Promise<RestoreResult> {
  const now = o.now ?? Date.now;
  const snap = await o.store.get(o.snapshotKey);
  if (snap.status !== 'found') throw new RestoreError(`snapshot ${o.snapshotKey} does not exist; nothing was written`);
  const probe = decode(snap.body, `snapshot ${o.snapshotKey}`);
  if (probe.pagedFormat && !o.snapshotKey.startsWith(o.snapshotPrefix)) {
    throw new RestoreError(`snapshot ${o.snapshotKey} names pages but is not under ${o.snapshotPrefix}, where the page GC keeps a snapshot's pages: copy it there first; nothing was written`);
  }
  const cur = await o.store.get(o.key);
  if (cur.status === 'not-modified') throw new StoreError(`${o.key}: unexpected 304`);
  let replaced: Document | undefined;
  if (cur.status === 'found') {
    try {
      replaced = Document.decode(cur.body);
    } catch (e) {
      if (!o.overUnreadable) throw new RestoreError(`${o.key} cannot be read (${(e as Error).message}): its commit window and pages are unknown; pass --over-unreadable to replace it anyway; nothing was written`);
    }
  }
  const pages = probe.pagedFormat || replaced?.pagedFormat ? pagesOf(o.store) : undefined;
  // Every page the snapshot names, read and checked before anything is written.
  const kept = pages ? await pagesOfRoot(pages, o.key, probe.pagedRoot, `snapshot ${o.snapshotKey}`, false) : undefined;
  const old = pages && replaced ? await pagesOfRoot(pages, o.key, replaced.pagedRoot, `${o.key} (the root being replaced)`, true) : undefined;

  const id = `restore-${new Date(now()).toISOString()}-${randomBytes(4).toString('hex')}`;
  const seq = Math.max(probe.seq, replaced?.seq ?? 0) + 1;
  const clock = Math.max(probe.clock, replaced?.clock ?? 0);
  // The replaced root's records, numbered back from the restore's, then the restore's own.
  const window = new CommitWindow();
  const records = replaced?.commits ?? [];
  records.forEach((r, i) => window.push(r, seq - records.length + i));
  window.push({ id, at: Math.max(now(), clock), r: [] }, seq);
  const doc = decode(snap.body, `snapshot ${o.snapshotKey}`, window);
  doc.clock = clock;
  doc.seq = seq;
  if (pages && kept) await refreshNodes(doc, pages, o.key, kept.nodes, now());
  const names = named(doc, kept?.nodes ?? new Map<string, Page>());
  const retiring = [...(old?.all ?? [])].filter((n) => !names.has(n));
  // The restore's time, taken just before the PUT: readers of the replaced root get their grace from it.
  const at = Math.max(now(), clock);
  doc.addRetired([...(replaced?.pagedRoot.retired ?? []), ...(retiring.length > 0 ? ([[at, retiring]] as [number, string[]][]) : [])]);
  const result: RestoreResult = { status: 'dry-run', id, clock, seq, pages: names.size, retired: retiring.length, unreadable: old?.unreadable ?? [] };
  if (o.dryRun) return result;
  const body = Buffer.from(doc.encode());
  const put = await o.store.put(o.key, body, cur.status === 'found' ? { ifMatch: cur.etag } : { ifNoneMatch: '*' });
  if (put.status === 'ok') return { ...result, status: 'restored', etag: put.etag };
  if (put.status === 'conflict') throw new RestoreError(`${o.key} changed while restoring (a commit landed): nothing was written; run the restore again (${put.detail})`);
  // Unknown outcome: the restore's id in the window says whether it landed.
  const again = await o.store.get(o.key);
  if (again.status === 'found' && decode(again.body, o.key).hasCommit(id)) return { ...result, status: 'restored', etag: again.etag };
  throw new RestoreError(`the write of ${o.key} failed (${put.detail}) and did not land; run the restore again`);
}

/** Pages the restored root names: its node pages (decoded in `nodes`) and their leaves. */
function named(doc: Document, nodes: Map<string, Page>): Set<string> {
  const out = new Set<string>();
  for (const d of doc.pagedRoot.dbs) {
    for (const r of d?.nodes ?? []) {
      out.add(r.page);
      for (const l of nodes.get(r.page)?.leaves ?? []) out.add(l.page);
    }
  }
  return out;
}

/**
 * Gives the restored root node pages no earlier root named (see the header):
 * each node page copied under a new name, and a database paged without
 * nodes folded. Both through applyDelta, as a commit applies a fold. The
 * new pages are created (If-None-Match: *) before the root that names them;
 * `nodes` learns the new node pages.
 */
async function refreshNodes(doc: Document, pages: PageStore, key: string, nodes: Map<string, Page>, now: number): Promise<void> {
  const created = new Map<string, Buffer>();
  const deltas: AppliedDelta[] = [];
  const reader = new PageReader((n) => pages.getPage(key, n));
  for (const [db, d] of doc.pagedRoot.dbs.entries()) {
    if (!d) continue;
    if (d.nodes.length === 0) {
      const f = await fold(doc.pagedRoot as PagedRoot, db, reader, { limits: DEFAULT_LIMITS, now });
      if (!f) continue;
      for (const [n, bytes] of f.pages) created.set(n, bytes);
      for (const r of f.replaced.flatMap((x) => x.refs)) nodes.set(r.page, decodePage(r.page, f.pages.get(r.page) as Buffer));
      deltas.push(f);
      continue;
    }
    const replaced = await Promise.all(
      d.nodes.map(async (ref) => {
        const bytes = await pages.getPage(key, ref.page);
        const name = pageName(bytes);
        created.set(name, bytes);
        nodes.set(name, nodes.get(ref.page) as Page);
        return { old: ref.page, refs: [{ ...ref, page: name }] };
      }),
    );
    deltas.push({ db, replaced, folded: [], retired: [], startedAt: now });
  }
  await inParallel([...created], async ([name, bytes]) => {
    const r = await pages.putPage(key, name, bytes);
    if (r.status !== 'ok') throw new RestoreError(`page ${name} was not created (${r.detail}); nothing was written`);
  });
  for (const delta of deltas) if (!doc.applyDelta(delta, now)) throw new Error(`db ${delta.db}: the restore's own node refresh did not apply`);
}
