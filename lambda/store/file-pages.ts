/**
 * The file store's pages (layout.ts §11): `<data dir>/<document key>.pages/<name>`,
 * each created once and never replaced. A create writes a temporary file,
 * fdatasyncs it and link(2)s it to the page's name: link fails when the name
 * exists, which is S3's If-None-Match: *, and a crash leaves either no page
 * or the whole page, never a torn one (the temporary file is all a crash can
 * leave half-written). The directory's fsync then makes the name durable
 * before the root that references it can be written.
 *
 * Through fs's promises, not the commit writer's thread: pages are written
 * by the fold, off the commit path, in parallel.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { PageMissingError } from '../pages/codec';
import { StoreError, type PagePutResult } from './types';

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

/** Fsyncs a directory; some filesystems cannot, and the entry has landed regardless. */
async function syncDir(dir: string): Promise<void> {
  let fd: fs.FileHandle | undefined;
  try {
    fd = await fs.open(dir, 'r');
    await fd.sync();
  } catch {
    // Nothing to do: see above.
  } finally {
    await fd?.close();
  }
}

/** Creates `file` with `bytes` unless it exists; StoreError when nothing could be written. */
export async function createPage(file: string, bytes: Buffer): Promise<PagePutResult> {
  const dir = path.dirname(file);
  try {
    // The pages directory's own entry must be durable too, the first time.
    if ((await fs.mkdir(dir, { recursive: true })) !== undefined) await syncDir(path.dirname(dir));
  } catch (e) {
    throw new StoreError(`cannot create ${dir}: ${(e as Error).message}`, code(e));
  }
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = await fs.open(tmp, 'wx');
    try {
      await fd.writeFile(bytes);
      await fd.datasync();
    } finally {
      await fd.close();
    }
    await fs.link(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    if (code(e) === 'EEXIST') return { status: 'exists', detail: `${file} exists` };
    throw new StoreError(`cannot create ${file}: ${(e as Error).message}`, code(e));
  }
  await fs.rm(tmp, { force: true });
  await syncDir(dir);
  return { status: 'ok' };
}

/** The page's bytes; PageMissingError (naming `name`) when there is no such file. */
export async function readPage(file: string, name: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    if (code(e) === 'ENOENT') throw new PageMissingError(name);
    throw new StoreError(`cannot read ${file}: ${(e as Error).message}`, code(e));
  }
}
