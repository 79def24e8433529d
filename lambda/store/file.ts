/**
 * The zero-set-up store: db.json in a local directory, with S3's conditional
 * semantics (ETag = SHA-256 of the content, If-Match / If-None-Match: *).
 *
 * Writes go to a temporary file that is fsynced and renamed over db.json, so a
 * crash leaves either the old or the new document, never a torn one. The
 * conditions are checked in memory, which is only sound while this process is
 * the directory's single writer: a lock file makes a second process refuse to
 * start instead of silently racing.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StoreError, type GetResult, type ObjectStore, type PutCondition, type PutResult } from './types';

export class DataDirLockedError extends Error {}

/**
 * Directories locked by stores of this process. A lock file naming our own pid
 * is ours only if listed here; otherwise an earlier process with the same pid
 * left it (a container's proxy is PID 1 after every restart).
 */
const lockedHere = new Set<string>();

export class FileStore implements ObjectStore {
  readonly description: string;
  private readonly lockPath: string;
  /** What this process last read or wrote, per key: the only writer knows best. */
  private readonly known = new Map<string, { body: Buffer; etag: string } | null>();
  private locked = false;

  constructor(readonly dir: string) {
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

  async put(key: string, body: Buffer, cond: PutCondition): Promise<PutResult> {
    // Check and replace without yielding to the event loop: atomic in-process.
    const cur = this.read(key);
    if ('ifNoneMatch' in cond ? cur !== null : cur?.etag !== cond.ifMatch) {
      return { status: 'conflict', detail: cur ? 'the ETag does not match' : 'the document does not exist' };
    }
    const file = this.file(key);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      const fd = fs.openSync(tmp, 'w');
      try {
        fs.writeSync(fd, body);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, file);
      syncDir(path.dirname(file));
    } catch (e) {
      throw new StoreError(`cannot write ${file}: ${(e as Error).message}`);
    }
    const etag = etagOf(body);
    // A copy: the caller may reuse its buffer (Document.encode does).
    this.known.set(key, { body: Buffer.from(body), etag });
    return { status: 'ok', etag };
  }

  async delete(key: string): Promise<void> {
    fs.rmSync(this.file(key), { force: true });
    this.known.set(key, null);
  }

  close(): void {
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

function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some filesystems cannot fsync a directory; the rename is still atomic.
  }
}
