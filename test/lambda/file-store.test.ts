/** The local file store: S3's conditional semantics on a directory, atomic replace, and the one-writer lock. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataDirLockedError, etagOf, FileStore } from '../../lambda/store/file';
import { StoreError } from '../../lambda/store/types';
import { spawnProxy } from '../support/proxy-harness';

const KEY = 'db.json';
let dir: string;
const open: FileStore[] = [];

function store(d = dir): FileStore {
  const s = new FileStore(d);
  open.push(s);
  return s;
}

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-file-'));
});

afterEach(() => {
  for (const s of open.splice(0)) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('conditional semantics', () => {
  it('If-None-Match: * creates once; a second create is a conflict', async () => {
    const s = store();
    expect(await s.get(KEY)).toEqual({ status: 'absent' });
    const put = await s.put(KEY, Buffer.from('v1'), { ifNoneMatch: '*' });
    expect(put).toEqual({ status: 'ok', etag: etagOf(Buffer.from('v1')) });
    expect(await s.put(KEY, Buffer.from('v2'), { ifNoneMatch: '*' })).toMatchObject({ status: 'conflict' });
    expect(fs.readFileSync(path.join(dir, KEY), 'utf8')).toBe('v1');
  });

  it('If-Match with the current ETag overwrites; a stale ETag is a conflict; If-Match on a missing key is a conflict', async () => {
    const s = store();
    expect(await s.put(KEY, Buffer.from('v1'), { ifMatch: '"nope"' })).toMatchObject({ status: 'conflict' });
    const e1 = (await s.put(KEY, Buffer.from('v1'), { ifNoneMatch: '*' })) as { etag: string };
    const e2 = await s.put(KEY, Buffer.from('v2'), { ifMatch: e1.etag });
    expect(e2).toMatchObject({ status: 'ok' });
    expect(await s.put(KEY, Buffer.from('v3'), { ifMatch: e1.etag })).toMatchObject({ status: 'conflict' });
    expect(await s.get(KEY)).toEqual({ status: 'found', body: Buffer.from('v2'), etag: (e2 as { etag: string }).etag });
  });

  it('ETags are quoted content hashes, like S3', async () => {
    const s = store();
    const put = (await s.put(KEY, Buffer.from('hello'), { ifNoneMatch: '*' })) as { etag: string };
    expect(put.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(put.etag).not.toBe(etagOf(Buffer.from('hellO')));
  });

  it('GET with a matching If-None-Match is not-modified (304); with a stale one it returns the body', async () => {
    const s = store();
    const e1 = (await s.put(KEY, Buffer.from('v1'), { ifNoneMatch: '*' })) as { etag: string };
    expect(await s.get(KEY, { ifNoneMatch: e1.etag })).toEqual({ status: 'not-modified' });
    const e2 = (await s.put(KEY, Buffer.from('v2'), { ifMatch: e1.etag })) as { etag: string };
    expect(await s.get(KEY, { ifNoneMatch: e1.etag })).toEqual({ status: 'found', body: Buffer.from('v2'), etag: e2.etag });
  });

  it('concurrent conditional writes on one ETag: exactly one wins', async () => {
    const s = store();
    const e1 = (await s.put(KEY, Buffer.from('v0'), { ifNoneMatch: '*' })) as { etag: string };
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => s.put(KEY, Buffer.from(`w${i}`), { ifMatch: e1.etag })));
    expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
  });

  it('replaces atomically through a temp file and leaves none behind', async () => {
    const s = store();
    let etag = ((await s.put(KEY, Buffer.from('0'), { ifNoneMatch: '*' })) as { etag: string }).etag;
    for (let i = 1; i < 20; i++) etag = ((await s.put(KEY, Buffer.alloc(1000 * i, i), { ifMatch: etag })) as { etag: string }).etag;
    expect(fs.readdirSync(dir).sort()).toEqual([KEY, 'valthree.lock']);
    expect(fs.readFileSync(path.join(dir, KEY))).toEqual(Buffer.alloc(19000, 19));
  });

  it('rejects object keys that would leave the directory', async () => {
    const s = store();
    await expect(s.put('../escape', Buffer.from('x'), { ifNoneMatch: '*' })).rejects.toThrow(StoreError);
    await expect(s.get('/etc/passwd')).rejects.toThrow(StoreError);
  });

  it('data survives a new FileStore after close()', async () => {
    const s = store();
    const put = (await s.put(KEY, Buffer.from([0, 255, 13, 10]), { ifNoneMatch: '*' })) as { etag: string };
    s.close();
    expect(fs.existsSync(path.join(dir, 'valthree.lock'))).toBe(false);
    const again = store();
    expect(await again.get(KEY)).toEqual({ status: 'found', body: Buffer.from([0, 255, 13, 10]), etag: put.etag });
    expect(await again.put(KEY, Buffer.from('next'), { ifMatch: put.etag })).toMatchObject({ status: 'ok' });
  });
});

describe('one writer per directory', () => {
  it('a second FileStore on the same directory, while the first is open, refuses with a clear message', () => {
    store();
    let error: unknown;
    try {
      store();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataDirLockedError);
    const message = (error as Error).message;
    expect(message).toContain(path.resolve(dir));
    expect(message).toMatch(/in use by another valthree/);
    expect(message).toMatch(/refuses to start/);
    expect(message).toMatch(/--data-dir/);
  });

  it('after close() the directory can be opened again', () => {
    store().close();
    expect(() => store()).not.toThrow();
  });

  it('a stale lock left by a dead process is taken over', async () => {
    const pid = deadPid();
    fs.writeFileSync(path.join(dir, 'valthree.lock'), String(pid));
    const s = store();
    expect(fs.readFileSync(path.join(dir, 'valthree.lock'), 'utf8')).toBe(String(process.pid));
    expect(await s.put(KEY, Buffer.from('x'), { ifNoneMatch: '*' })).toMatchObject({ status: 'ok' });
  });

  it('an empty or garbled lock file (crash while writing it) is taken over', () => {
    fs.writeFileSync(path.join(dir, 'valthree.lock'), '');
    expect(() => store()).not.toThrow();
  });

  it('a lock with this process’s own pid, left by an earlier process (PID 1 in a container), is stale', () => {
    // After a container restart the proxy is PID 1 again: the old lock names "us".
    fs.writeFileSync(path.join(dir, 'valthree.lock'), String(process.pid));
    expect(() => store()).not.toThrow();
    expect(() => store()).toThrow(DataDirLockedError);
  });

  it('a second proxy process on the same data directory exits non-zero with the lock message', async () => {
    const first = await spawnProxy(['--data-dir', dir]);
    try {
      const second = await spawnProxy(['--data-dir', dir]).then(
        () => null,
        (e: Error) => e.message,
      );
      expect(second).not.toBeNull();
      const code = Number(/proxy exited \((\w+)\)/.exec(second as string)?.[1]);
      expect(code).not.toBe(0);
      expect(Number.isInteger(code)).toBe(true);
      expect(second).toMatch(new RegExp(`data directory ${path.resolve(dir).replace(/[/.]/g, '\\$&')} is in use by another valthree process \\(pid ${first.child.pid}\\)`));
    } finally {
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
    }
    // The first one released its lock on a clean exit.
    expect(fs.existsSync(path.join(dir, 'valthree.lock'))).toBe(false);
  }, 60000);
});
