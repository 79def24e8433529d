/**
 * The scheduled page GC (layout.ts §8): lists `<key>.pages/`, reads the
 * retained snapshot roots, then the current root, then the node pages those
 * roots name, and deletes what pages/gc.ts's planner chose. It never writes
 * db.json, and it deletes nothing unless every root and node page it needed
 * was read and understood: an unreadable snapshot stops the run (the function
 * fails and is retried), it never counts as "references nothing".
 *
 * ORDER. `now` is taken first, so every age is measured from before the
 * listing (pages/gc.ts (a): a later `now` could outlive a commit that names a
 * listed page after the root read). The current root is read last, after the
 * listing and the snapshots: every listed page that no root it read names was
 * then either retired before that read — and recorded in it, with its time,
 * while within the horizon — or never named (an orphan, judged by upload
 * age). A snapshot taken meanwhile copies a root whose pages the current root
 * still names or records as retired since; a restore meanwhile re-names a
 * snapshot's pages, which the snapshot read already kept.
 *
 * Deletes are single DeleteObjects (16 in flight): DELETE is not billed, each
 * is its own success or failure, and a run's work is bounded by the retire
 * rate (~12 pages/s at full write load), not by the data.
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { parseBody } from './document-format';
import { decodePage } from './pages/codec';
import { DEFAULT_TIMING, graceMs, logStubPages, nodePages, planGc, snapshotsToRead, type AggRefs, type Listed, type ListedSnapshot } from './pages/gc';
import { decodeAggPage } from './pages/agg-codec';
import { stubOf } from './pages/stub';
import { isPageName, pageKey, pagePrefix } from './pages/name';
import { emptyRoot, decodeRoot, type PagedRoot } from './pages/root';
import type { SdkError } from './store/sdk-error';

export interface GcOptions {
  s3: Pick<S3Client, 'send'>;
  bucket: string;
  /** The document's key: its pages are under `<key>.pages/`. */
  key: string;
  snapshotPrefix: string;
  now?: () => number;
  graceMs?: number;
  /** Keys per ListObjectsV2 page (S3's maximum, 1000, by default; tests page smaller). */
  listPageSize?: number;
}

export type GcResult =
  | { status: 'collected'; listed: number; deleted: string[]; referenced: number; young: number; snapshotsRead: number; snapshotsSkipped: number; foreign: string[] }
  | { status: 'no-document'; listed: number };

/** Every object under `prefix`, across ListObjectsV2 pages. */
async function listAll(o: GcOptions, prefix: string): Promise<{ key: string; lastModified: number }[]> {
  const out: { key: string; lastModified: number }[] = [];
  let token: string | undefined;
  do {
    const res = await o.s3.send(new ListObjectsV2Command({ Bucket: o.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: o.listPageSize }));
    for (const c of res.Contents ?? []) {
      if (c.Key === undefined || c.LastModified === undefined) throw new Error(`page GC: ListObjectsV2 ${prefix} answered an entry without a key or LastModified`);
      out.push({ key: c.Key, lastModified: c.LastModified.getTime() });
    }
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
    if (res.IsTruncated && !token) throw new Error(`page GC: ListObjectsV2 ${prefix} is truncated without a continuation token`);
  } while (token);
  return out;
}

/** The object's bytes, or undefined when it does not exist. */
async function getObject(o: GcOptions, key: string): Promise<Buffer | undefined> {
  try {
    const res = await o.s3.send(new GetObjectCommand({ Bucket: o.bucket, Key: key }));
    return Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  } catch (e) {
    const err = e as SdkError;
    if (err.name === 'NoSuchKey' || (err.name !== 'NoSuchBucket' && err.$metadata?.httpStatusCode === 404)) return undefined;
    throw e;
  }
}

/** The paged part of a db.json body (formats 1–3: none). Corrupt or unknown formats throw: the run stops. */
function rootOf(body: Buffer, what: string): PagedRoot {
  try {
    const raw = parseBody(body);
    return raw.paged ? decodeRoot(raw.paged.pages, raw.paged.retired) : emptyRoot();
  } catch (e) {
    throw new Error(`page GC: ${what} cannot be read (${(e as Error).message}); nothing was deleted`);
  }
}

/**
 * The leaves of every node page the roots name, each page read once; and
 * big aggregates' refs (layout.ts §3): the stub index pages each node names
 * (its buffer's stubs, its leaf refs' lifted ones), then every index page
 * (those and the roots' log stubs') read for its member pages.
 */
async function readChildren(o: GcOptions, roots: readonly PagedRoot[]): Promise<{ children: Map<string, string[]>; stubs: AggRefs }> {
  const names = [...new Set(roots.flatMap(nodePages))];
  const children = new Map<string, string[]>();
  const byNode = new Map<string, string[]>();
  await inParallel(names, 16, async (name) => {
    const bytes = await getObject(o, pageKey(o.key, name));
    if (!bytes) throw new Error(`page GC: node page ${name} is named by a root but missing; nothing was deleted`);
    const page = decodePage(name, bytes);
    children.set(name, (page.leaves ?? []).map((l) => l.page));
    const idx = (page.leaves ?? []).flatMap((l) => l.a ?? []);
    for (const r of page.recs.values()) {
      const s = stubOf(r.e);
      if (s) idx.push(s.index);
    }
    byNode.set(name, idx);
  });
  const indexes = [...new Set([...roots.flatMap(logStubPages), ...[...byNode.values()].flat()])];
  const members = new Map<string, string[]>();
  await inParallel(indexes, 16, async (name) => {
    const bytes = await getObject(o, pageKey(o.key, name));
    if (!bytes) throw new Error(`page GC: aggregate index page ${name} is referenced but missing; nothing was deleted`);
    const { head } = decodeAggPage(name, bytes);
    if (head.kind !== 'index') throw new Error(`page GC: page ${name} is referenced as an aggregate index but is not one; nothing was deleted`);
    members.set(name, head.runs.map(([p]) => p));
  });
  return { children, stubs: { byNode, members } };
}

async function inParallel<T>(items: readonly T[], width: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await f(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

/** The retained snapshot roots the listing needs (pages/gc.ts's snapshotsToRead); one expired meanwhile frees its pages. */
async function readSnapshots(o: GcOptions, listing: readonly Listed[], grace: number): Promise<{ roots: PagedRoot[]; skipped: number }> {
  const all: ListedSnapshot[] = (await listAll(o, o.snapshotPrefix)).map(({ key, lastModified }) => ({ key, lastModified }));
  const wanted = snapshotsToRead(all, listing, grace);
  const roots: PagedRoot[] = [];
  // One at a time: a format-3 snapshot may be 32 MiB, parsed whole.
  for (const s of wanted) {
    const body = await getObject(o, s.key);
    if (body) roots.push(rootOf(body, `snapshot ${s.key}`));
  }
  return { roots, skipped: all.length - wanted.length };
}

export async function collectPages(o: GcOptions): Promise<GcResult> {
  const now = (o.now ?? Date.now)();
  const grace = o.graceMs ?? graceMs(DEFAULT_TIMING);
  const prefix = pagePrefix(o.key);
  const listing: Listed[] = [];
  const foreign: string[] = [];
  for (const { key, lastModified } of await listAll(o, prefix)) {
    const name = key.slice(prefix.length);
    // Not a page valthree names: never ours to delete.
    if (isPageName(name)) listing.push({ name, lastModified });
    else foreign.push(key);
  }
  if (listing.length === 0) return { status: 'collected', listed: 0, deleted: [], referenced: 0, young: 0, snapshotsRead: 0, snapshotsSkipped: 0, foreign };
  const snapshots = await readSnapshots(o, listing, grace);
  const body = await getObject(o, o.key);
  // No root: nothing can be judged referenced or not (a deleted db.json awaits a restore).
  if (!body) return { status: 'no-document', listed: listing.length };
  const current = rootOf(body, o.key);
  const { children, stubs } = await readChildren(o, [current, ...snapshots.roots]);
  const plan = planGc({ listing, current, snapshots: snapshots.roots, children, stubs, now, graceMs: grace });
  const failed: string[] = [];
  await inParallel(plan.delete, 16, async (name) => {
    try {
      await o.s3.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: pageKey(o.key, name) }));
    } catch (e) {
      failed.push(`${name}: ${(e as SdkError).name ?? String(e)}`);
    }
  });
  // The rest were deleted; the next run retries these. Failing makes the run count as an error.
  if (failed.length > 0) throw new Error(`page GC: ${failed.length} of ${plan.delete.length} deletes failed (${failed.slice(0, 5).join(', ')})`);
  const { referenced, young } = plan;
  return { status: 'collected', listed: listing.length, deleted: plan.delete, referenced, young, snapshotsRead: snapshots.roots.length, snapshotsSkipped: snapshots.skipped, foreign };
}

let client: S3Client | undefined;

/** Lambda entry (EventBridge schedule). Throws on failure so the run counts as an error and is retried. */
export async function handler(): Promise<GcResult> {
  const bucket = process.env.VALTHREE_BUCKET;
  if (!bucket) throw new Error('VALTHREE_BUCKET is not set');
  const grace = process.env.VALTHREE_GC_GRACE_MS ? Number(process.env.VALTHREE_GC_GRACE_MS) : undefined;
  if (grace !== undefined && !(Number.isSafeInteger(grace) && grace >= graceMs(DEFAULT_TIMING))) throw new Error(`VALTHREE_GC_GRACE_MS must be an integer of at least ${graceMs(DEFAULT_TIMING)}`);
  client ??= new S3Client({});
  const result = await collectPages({ s3: client, bucket, key: process.env.VALTHREE_KEY || 'db.json', snapshotPrefix: process.env.VALTHREE_SNAPSHOT_PREFIX || 'snapshots/', graceMs: grace });
  // The names deleted are in the log only as a count: a run may delete thousands.
  console.log(JSON.stringify({ msg: 'page-gc', bucket, ...result, ...(result.status === 'collected' ? { deleted: result.deleted.length } : {}) }));
  return result;
}
