/**
 * The file store collects its own pages (layout.ts §11): the process that
 * holds the data directory's lock is its only writer, so it runs the page
 * GC itself, with the planner the S3 GC uses (pages/gc.ts) and the same
 * order: `now` first, then the listing of `<key>.pages/`, then the current
 * root, then the node pages it names. No snapshots: the file store takes
 * none. Nothing is deleted when the root or a node page it names cannot be
 * read, and names that are not page names are never touched, except the
 * temporary files a crashed page create left (file-pages.ts), once older
 * than the grace (a create lasts far less).
 *
 * Timing: the derivation in pages/gc.ts holds with ε = 0 (one machine, one
 * clock) and R = how long a batch of this process runs; a batch reading a
 * page the GC took meanwhile re-reads the root and retries (§7), so a batch
 * slower than the grace costs a retry, never a wrong answer.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseBody } from '../document-format';
import { decodePage } from '../pages/codec';
import { DEFAULT_TIMING, graceMs as defaultGrace, nodePages, planGc, type Listed } from '../pages/gc';
import { isPageName } from '../pages/name';
import { decodeRoot, emptyRoot, type PagedRoot } from '../pages/root';

/** When the file store collects: after a put of a root, once `intervalMs` passed since the last run. */
export interface FileGcOptions {
  graceMs?: number;
  /** Least time between two runs for one document (default 30 s). */
  intervalMs?: number;
  /** The collector's clock (tests move it). */
  now?: () => number;
}

export interface FileGcResult {
  listed: number;
  deleted: string[];
  referenced: number;
  young: number;
}

/** The grace these options give. */
export const fileGrace = (o: FileGcOptions): number => o.graceMs ?? defaultGrace(DEFAULT_TIMING);

const TEMP = /^[0-9a-f]{16}-[A-Za-z0-9_-]{8}\.\d+\.[0-9a-f]{8}\.tmp$/;

/** The paged part of a root body; undefined when it is not a document this version reads (then nothing is collected). */
function rootOf(body: Buffer): PagedRoot | undefined {
  try {
    const raw = parseBody(body);
    return raw.paged ? decodeRoot(raw.paged.pages, raw.paged.retired) : emptyRoot();
  } catch {
    return undefined;
  }
}

/**
 * One run for the document whose pages are in `dir`: `readRoot` gives the
 * current root's bytes (null: none). Throws when a node page the root names
 * cannot be read, having deleted nothing.
 */
export async function collectFilePages(dir: string, readRoot: () => Buffer | null, o: FileGcOptions = {}): Promise<FileGcResult> {
  const now = (o.now ?? Date.now)();
  const grace = fileGrace(o);
  const listing: Listed[] = [];
  const temps: string[] = [];
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { listed: 0, deleted: [], referenced: 0, young: 0 };
    throw e;
  }
  for (const name of names) {
    const isPage = isPageName(name);
    if (!isPage && !TEMP.test(name)) continue;
    let mtime: number;
    try {
      mtime = (await fs.stat(path.join(dir, name))).mtimeMs;
    } catch {
      continue;
    }
    if (isPage) listing.push({ name, lastModified: mtime });
    else if (now - mtime > grace) temps.push(name);
  }
  const body = readRoot();
  const current = body ? rootOf(body) : undefined;
  // No root, or one this version cannot read: nothing can be judged unreferenced.
  if (!current) return { listed: listing.length, deleted: [], referenced: 0, young: 0 };
  const children = new Map<string, string[]>();
  for (const name of nodePages(current)) {
    const page = decodePage(name, await fs.readFile(path.join(dir, name)));
    children.set(name, (page.leaves ?? []).map((l) => l.page));
  }
  const plan = planGc({ listing, current, snapshots: [], children, now, graceMs: grace });
  for (const name of [...plan.delete, ...temps]) await fs.rm(path.join(dir, name), { force: true });
  return { listed: listing.length, deleted: plan.delete, referenced: plan.referenced, young: plan.young };
}
