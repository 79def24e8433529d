/**
 * The zero-set-up store: db.json in a local directory, with S3's conditional
 * semantics (ETag = SHA-256 of the content, If-Match / If-None-Match: *).
 *
 * Writes go to a temporary file that is fsynced and renamed over db.json, so a
 * crash leaves either the old or the new document, never a torn one. The
 * conditions are checked in memory, which is only sound while this process is
 * the directory's single writer: a lock file makes a second process refuse to
 * start instead of silently racing.
 *
 * Group commit stays honest: one fsync per put (one per batch), run off the
 * event loop (file-writer.ts) so the next batch forms while one is written.
 * Puts run one after another, each checking its condition when its turn
 * comes: a put never overtakes one issued before it. A read while a put is
 * in flight sees the document before it, which is what the store holds
 * until the put is durable.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pageKey, pagePrefix } from '../pages/name';
import { collectFilePages, fileGrace, type FileGcOptions, type FileGcResult } from './file-gc';
import { createPage, readPage } from './file-pages';
import { DurableWriter } from './file-writer';
import { StoreError, type GetResult, type ObjectStore, type PagePutResult, type PutCondition, type PutResult } from './types';

export class DataDirLockedError extends Error {}

/**
 * Directories locked by stores of this process. A lock file naming our own pid
 * is ours only if listed here; otherwise an earlier process with the same pid
 * left it (a container's proxy is PID 1 after every restart).
 */
const lockedHere = new Set<string>();

export class FileStore implements ObjectStore {
  readonly description: string;
  /** The lock makes this process the directory's only writer. */
  readonly soleWriter = true;
  private readonly lockPath: string;
  private readonly writer = new DurableWriter();
  /** The tail of the puts in flight: each runs after the one before it. */
  private writing: Promise<unknown> = Promise.resolve();
  /** What this process last read or wrote, per key: the only writer knows best. */
  private readonly known = new Map<string, { body: Buffer; etag: string } | null>();
  private locked = false;
  /** Per document: when its last page collection started, and the run in flight. */
  private readonly gcRuns = new Map<string, { at: number; run: Promise<unknown> }>();
  /** Per document: the run set for when pages kept for their grace may go (an idle database still sheds them). */
  private readonly gcLater = new Map<string, NodeJS.Timeout>();

  /**
   * `pageGc`: collect the pages of a paged document after its puts (layout.ts
   * §11, file-gc.ts), as `npm start` does; without it, only collectPages().
   */
  constructor(readonly dir: string, private readonly pageGc?: FileGcOptions) {
    this.description = `file://${path.resolve(dir)}`;
    this.lockPath = path.join(dir, 'valthree.lock');
    fs.mkdirSync(dir, { recursive: true });
    this.lock();
  }

  async get(key: string, o?: { ifNoneMatch?: string }): Promise<GetResult> {
    const cur = this.read(key);
    if (!cur) return { status: 'absent' };
    if (o?.ifNoneMatch === cur.etag) return { status: 'not-modified' };
    return { status: 'found', body: cur.body, etag: cur.etag };
  }

  put(key: string, body: Buffer, cond: PutCondition): Promise<PutResult> {
    // A copy, now: the caller may reuse its buffer (Document.encode does) before this put's turn.
    const own = Buffer.from(body);
    const run = this.writing.then(() => this.replace(key, own, cond));
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async replace(key: string, body: Buffer, cond: PutCondition): Promise<PutResult> {
    const cur = this.read(key);
    if ('ifNoneMatch' in cond ? cur !== null : cur?.etag !== cond.ifMatch) {
      return { status: 'conflict', detail: cur ? 'the ETag does not match' : 'the document does not exist' };
    }
    const file = this.file(key);
    try {
      await this.writer.replace(file, `${file}.${process.pid}.tmp`, path.dirname(file), body);
    } catch (e) {
      throw new StoreError(`cannot write ${file}: ${(e as Error).message}`);
    }
    const etag = etagOf(body);
    this.known.set(key, { body, etag });
    if (this.pageGc) this.collectSoon(key, this.pageGc);
    return { status: 'ok', etag };
  }

  /** Collects `key`'s unreferenced pages now (file-gc.ts), after any run in flight; the store's own rules unless `o` says otherwise. */
  collectPages(key: string, o: FileGcOptions | undefined = this.pageGc): Promise<FileGcResult> {
    const prior = this.gcRuns.get(key)?.run ?? Promise.resolve();
    const run = prior.catch(() => undefined).then(() => collectFilePages(this.file(pagePrefix(key)), () => this.read(key)?.body ?? null, o));
    this.gcRuns.set(key, { at: (o?.now ?? Date.now)(), run });
    return run;
  }

  /** The run in flight for `key` (tests wait for it), resolved whatever its outcome. */
  async collected(key: string): Promise<void> {
    await this.gcRuns.get(key)?.run.catch(() => undefined);
  }

  /**
   * After a put of a paged root: a collection once intervalMs has passed since
   * the last, off the put's path; and when it kept pages for their grace, one
   * more once the grace has passed, put or not. A failed run deletes nothing
   * and is retried by a later put; its error has no caller to reach.
   */
  private collectSoon(key: string, o: FileGcOptions): void {
    const last = this.gcRuns.get(key);
    if (!this.locked || (last && (o.now ?? Date.now)() - last.at < (o.intervalMs ?? 30_000))) return;
    if (!fs.existsSync(this.file(pagePrefix(key)))) return;
    clearTimeout(this.gcLater.get(key));
    this.collectPages(key, o).then(
      (r) => {
        if (r.young === 0 || !this.locked) return;
        const timer = setTimeout(() => this.collectSoon(key, o), fileGrace(o) + 1000);
        this.gcLater.set(key, timer.unref());
      },
      () => undefined,
    );
  }

  /** Not in line with the puts: a page is new, and the root naming it is put only after this resolves. */
  async putPage(docKey: string, name: string, bytes: Buffer): Promise<PagePutResult> {
    return createPage(this.file(pageKey(docKey, name)), bytes);
  }

  async getPage(docKey: string, name: string): Promise<Buffer> {
    return readPage(this.file(pageKey(docKey, name)), name);
  }

  delete(key: string): Promise<void> {
    // In line with the puts: a delete never lands under one still in flight.
    const run = this.writing.then(() => {
      fs.rmSync(this.file(key), { force: true });
      this.known.set(key, null);
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.writer.close();
    for (const t of this.gcLater.values()) clearTimeout(t);
    if (!this.locked) return;
    this.locked = false;
    lockedHere.delete(path.resolve(this.dir));
    fs.rmSync(this.lockPath, { force: true });
  }

  private read(key: string): { body: Buffer; etag: string } | null {
    const k = this.known.get(key);
    if (k !== undefined) return k;
    let body: Buffer;
    try {
      body = fs.readFileSync(this.file(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new StoreError(`cannot read ${this.file(key)}: ${(e as Error).message}`);
      this.known.set(key, null);
      return null;
    }
    const cur = { body, etag: etagOf(body) };
    this.known.set(key, cur);
    return cur;
  }

  private file(key: string): string {
    if (key.includes('..') || path.isAbsolute(key)) throw new StoreError(`invalid object key ${key}`);
    return path.join(this.dir, key);
  }

  /**
   * One writer per directory (also within one process: each store trusts its
   * own memory of the ETag). A lock left by a dead process is taken over.
   */
  private lock(): void {
    for (let tries = 0; tries < 2; tries++) {
      try {
        fs.writeFileSync(this.lockPath, String(process.pid), { flag: 'wx' });
        this.locked = true;
        lockedHere.add(path.resolve(this.dir));
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = Number(fs.readFileSync(this.lockPath, 'utf8').trim());
      if (holder === process.pid ? lockedHere.has(path.resolve(this.dir)) : holder > 0 && isAlive(holder)) {
        throw new DataDirLockedError(
          `data directory ${path.resolve(this.dir)} is in use by another valthree process (pid ${holder}); ` +
            'two processes on one directory could lose writes, so this one refuses to start. Stop the other one or use --data-dir.',
        );
      }
      fs.rmSync(this.lockPath, { force: true });
    }
    throw new DataDirLockedError(`cannot lock ${this.lockPath}`);
  }
}

export function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
