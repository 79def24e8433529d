/** The storage safety check: proves compare-and-swap works before valthree writes, and finds the ETag form. */
import { checkStorageSafety, UnsafeStorageError } from '../../lambda/store/safety';
import { createHandler } from '../../lambda/handler';
import { MemoryStore } from '../support/memory-store';
import { batch, OK, repliesOf } from './util';

const PROBE = 'db.json.probe';

async function failure(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected the check to fail');
    },
    (e: Error) => e,
  );
}

describe('checkStorageSafety', () => {
  it('passes on a store with working conditional writes, touching only the probe object', async () => {
    const store = new MemoryStore();
    store.seed('db.json', 'untouched');
    await expect(checkStorageSafety(store, PROBE)).resolves.toEqual({ etagForm: 'quoted' });
    expect(store.body('db.json')?.toString()).toBe('untouched');
    expect(store.calls.every((c) => c.key === PROBE)).toBe(true);
    // Both refusals were really exercised: a stale If-Match and a create over an existing object.
    expect(store.calls.filter((c) => c.op === 'put' && c.result === 'conflict').map((c) => (c.ifMatch ? 'if-match' : 'if-none-match'))).toEqual(['if-match', 'if-none-match']);
  });

  it('passes again on a store where the probe already exists (a restart)', async () => {
    const store = new MemoryStore();
    await checkStorageSafety(store, PROBE);
    await expect(checkStorageSafety(store, PROBE)).resolves.toEqual({ etagForm: 'quoted' });
  });

  it('several checkers at once (Lambda cold starts) all pass', async () => {
    const store = new MemoryStore();
    const results = await Promise.all(Array.from({ length: 4 }, () => checkStorageSafety(store, PROBE)));
    expect(results).toEqual(Array(4).fill({ etagForm: 'quoted' }));
  });

  it('throws UnsafeStorageError when the store ignores If-Match', async () => {
    const store = new MemoryStore({ ignoreIfMatch: true });
    const e = await failure(checkStorageSafety(store, PROBE));
    expect(e).toBeInstanceOf(UnsafeStorageError);
    expect(e.message).toMatch(/^memory:\/\/test ignores If-Match: a write conditioned on a stale ETag succeeded\./);
    expect(e.message).toMatch(/lose acknowledged data/);
    expect(e.message).toMatch(/--unsafe-storage \(VALTHREE_UNSAFE_STORAGE=1\)/);
  });

  it('throws UnsafeStorageError when the store ignores If-None-Match', async () => {
    const store = new MemoryStore({ ignoreIfNoneMatch: true });
    const e = await failure(checkStorageSafety(store, PROBE));
    expect(e).toBeInstanceOf(UnsafeStorageError);
    expect(e.message).toMatch(/^memory:\/\/test ignores If-None-Match: \*: a create over an existing object succeeded\./);
  });

  it('finds the bare ETag form on a store that only accepts it (Ceph RGW 16) and switches the store to it', async () => {
    const store = new MemoryStore({ ifMatchAccepts: 'unquoted' }, 'quoted');
    await expect(checkStorageSafety(store, PROBE)).resolves.toEqual({ etagForm: 'unquoted' });
    expect(store.etagForm).toBe('unquoted');
    // Still a real check in that form: the stale write was refused.
    const puts = store.calls.filter((c) => c.op === 'put' && c.ifMatch !== undefined);
    expect(puts.map((c) => [c.ifMatch?.startsWith('"'), c.result])).toEqual([
      [true, 'conflict'],
      [false, 'ok'],
      [false, 'conflict'],
    ]);
    // And the handler then commits on that store.
    const h = createHandler({ store });
    expect(repliesOf(await h(batch('w1', [['SET', 'a', '1']])))).toEqual([[OK]]);
    expect(repliesOf(await h(batch('w2', [['SET', 'a', '2']])))).toEqual([[OK]]);
  });

  it('keeps the quoted form where both work, and tries the configured form first', async () => {
    const both = new MemoryStore({ ifMatchAccepts: 'both' }, 'quoted');
    await expect(checkStorageSafety(both, PROBE)).resolves.toEqual({ etagForm: 'quoted' });
    const bare = new MemoryStore({ ifMatchAccepts: 'both' }, 'unquoted');
    await expect(checkStorageSafety(bare, PROBE)).resolves.toEqual({ etagForm: 'unquoted' });
  });

  it('with detection off, a form the store rejects fails the check instead of being switched', async () => {
    const store = new MemoryStore({ ifMatchAccepts: 'unquoted' }, 'quoted');
    const e = await failure(checkStorageSafety(store, PROBE, { detectEtagForm: false }));
    expect(e).toBeInstanceOf(UnsafeStorageError);
    expect(e.message).toMatch(/a write with a matching If-Match never succeeded/);
    expect(store.etagForm).toBe('quoted');
  });

  it('a store that honours neither form is refused', async () => {
    const store = new MemoryStore({ ifMatchAccepts: 'unquoted' }); // no client-side form to switch
    expect(await failure(checkStorageSafety(store, PROBE))).toBeInstanceOf(UnsafeStorageError);
  });
});
