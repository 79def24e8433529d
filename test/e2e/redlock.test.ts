/**
 * redlock 5 on ioredis, through its public API: Redlock instances in
 * different application processes, one on each endpoint (on valthree, one
 * per proxy), contend for the same resources.
 *
 * What the library sends: acquire, extend and release are Lua scripts sent
 * as EVALSHA, and as EVAL when the server answers NOSCRIPT (redlock never
 * sends SCRIPT LOAD). Each valthree proxy has its own script cache, so the
 * first call through each proxy takes the EVAL path.
 */
import type Redis from 'ioredis';
import Redlock, { ExecutionError, Lock } from 'redlock';
import { TARGETS, connect, connectMany, sleep, uniqueKey, type ScriptTarget } from './script-targets';

/** Fail fast instead of retrying: contention outcomes are then decided by one attempt each. */
const once = { retryCount: 0 };

describe.each(TARGETS)('redlock on %s', (_name, start) => {
  let target: ScriptTarget;
  let clients: [Redis, Redis];
  let raw: Redis;
  beforeAll(async () => {
    target = await start();
    clients = [connect(target, 0), connect(target, 1)];
    raw = connect(target, 1);
  });
  afterAll(async () => {
    for (const c of [...(clients ?? []), raw]) c?.disconnect();
    await target?.close();
  });

  test('two instances contend: exactly one holds the lock, the loser fails; the script falls back to EVAL per proxy', async () => {
    // A script text of its own (a trailing comment), so no earlier test has loaded it anywhere.
    const tag = uniqueKey('-- redlock test');
    const [a, b] = [0, 1].map((i) => new Redlock([clients[i]], once, { acquireScript: (s) => `${s}\n${tag}` }));
    const sha = a.scripts.acquireScript.hash;
    const exists = async (i: 0 | 1) => ((await clients[i].script('EXISTS', sha)) as number[])[0];
    expect([await exists(0), await exists(1)]).toEqual([0, 0]);

    const resource = uniqueKey('lock');
    const lockA = await a.acquire([resource], 10_000);
    // redlock's EVALSHA got NOSCRIPT, its EVAL loaded the script where it ran — and, on valthree, only in that proxy.
    expect(await exists(0)).toBe(1);
    expect(await exists(1)).toBe(target.sharedScriptCache ? 1 : 0);
    expect(await raw.get(resource)).toBe(lockA.value);
    const pttl = await raw.pttl(resource);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(10_000);

    await expect(b.acquire([resource], 10_000)).rejects.toBeInstanceOf(ExecutionError);
    expect(await exists(1)).toBe(1);
    expect(await raw.get(resource)).toBe(lockA.value);

    // Concurrent rounds: each fresh resource is won by exactly one of the two.
    for (let round = 0; round < 5; round++) {
      const r = uniqueKey('lock');
      const results = await Promise.allSettled([a.acquire([r], 10_000), b.acquire([r], 10_000)]);
      const won = results.filter((x): x is PromiseFulfilledResult<Lock> => x.status === 'fulfilled');
      expect(won).toHaveLength(1);
      expect(results.find((x) => x.status === 'rejected')).toMatchObject({ reason: expect.any(ExecutionError) });
      expect(await raw.get(r)).toBe(won[0].value.value);
    }
  });

  test('release frees the lock so the other acquires; a stale holder can neither release nor extend it', async () => {
    const [a, b] = [0, 1].map((i) => new Redlock([clients[i]], once));
    const resource = uniqueKey('lock');
    const lockA = await a.acquire([resource], 10_000);
    await expect(b.acquire([resource], 10_000)).rejects.toBeInstanceOf(ExecutionError);
    await lockA.release();
    expect(await raw.exists(resource)).toBe(0);
    const lockB = await b.acquire([resource], 10_000);
    expect(await raw.get(resource)).toBe(lockB.value);

    // A lock object whose value is no longer the key's (the key was lost and re-acquired by B).
    const stale = await a.acquire([uniqueKey('other')], 10_000);
    const forged = new Lock(a, [resource], lockA.value, [], Date.now() + 10_000);
    await expect(a.release(forged, once)).rejects.toBeInstanceOf(ExecutionError);
    await expect(a.extend(forged, 10_000, once)).rejects.toBeInstanceOf(ExecutionError);
    expect(await raw.get(resource)).toBe(lockB.value);
    await lockB.release();
    await stale.release();
  });

  test('extend prolongs the TTL of a held lock', async () => {
    const [a, b] = [0, 1].map((i) => new Redlock([clients[i]], once));
    const resource = uniqueKey('lock');
    const lock = await a.acquire([resource], 1000);
    const firstExpiration = lock.expiration;
    expect(await raw.pttl(resource)).toBeLessThanOrEqual(1000);
    const extended = await lock.extend(30_000);
    const pttl = await raw.pttl(resource);
    expect(pttl).toBeGreaterThan(20_000);
    expect(pttl).toBeLessThanOrEqual(30_000);
    expect(extended.value).toBe(lock.value);
    expect(extended.expiration).toBeGreaterThan(firstExpiration + 20_000);
    // Past the original 1 s the lock is still held, by the extension alone.
    await sleep(1100);
    expect(await raw.get(resource)).toBe(lock.value);
    await expect(b.acquire([resource], 1000)).rejects.toBeInstanceOf(ExecutionError);
    await extended.release();
  });

  test('a multi-resource lock is all or nothing: one held resource refuses it and sets none of the others', async () => {
    const [a, b] = [0, 1].map((i) => new Redlock([clients[i]], once));
    const [r1, r2, r3] = [uniqueKey('lock'), uniqueKey('lock'), uniqueKey('lock')];
    const held = await b.acquire([r2], 10_000);
    await expect(a.acquire([r1, r2, r3], 10_000)).rejects.toBeInstanceOf(ExecutionError);
    expect(await raw.exists(r1, r3)).toBe(0);
    await held.release();
    const all = await a.acquire([r1, r2, r3], 10_000);
    expect(await raw.mget(r1, r2, r3)).toEqual([all.value, all.value, all.value]);
    await all.release();
    expect(await raw.exists(r1, r2, r3)).toBe(0);
  });

  test('using: the routine runs under the lock, kept alive by automatic extension past its first duration', async () => {
    const [a, b] = [0, 1].map((i) => new Redlock([clients[i]], { retryCount: 0, automaticExtensionThreshold: 400 }));
    const resource = uniqueKey('lock');
    const started = Date.now();
    const result = await a.using([resource], 1000, async (signal) => {
      // Wait past the acquired 1000 ms: the lock is still held only if an extension landed.
      await sleep(Math.max(0, started + 1400 - Date.now()));
      const value = await raw.get(resource);
      await expect(b.acquire([resource], 500)).rejects.toBeInstanceOf(ExecutionError);
      return { aborted: signal.aborted, value };
    });
    expect(result.aborted).toBe(false);
    expect(result.value).not.toBeNull();
    // using() released the lock on the way out.
    expect(await raw.exists(resource)).toBe(0);
    const after = await b.acquire([resource], 500);
    await after.release();
  });

  test('mutual exclusion: workers on both proxies do read-modify-write under using(); no increment is lost', async () => {
    const workers = 6;
    const rounds = 3;
    const conns = connectMany(target, workers);
    try {
      const locks = conns.map((c) => new Redlock([c], { retryCount: 500, retryDelay: 20, retryJitter: 10 }));
      const [resource, counter] = [uniqueKey('lock'), uniqueKey('counter')];
      await raw.set(counter, '0');
      await Promise.all(
        locks.map(async (l, i) => {
          for (let n = 0; n < rounds; n++) {
            await l.using([resource], 5000, async () => {
              // Deliberately not atomic: only the lock keeps two workers from reading the same value.
              const v = Number(await conns[i].get(counter));
              await conns[i].set(counter, String(v + 1));
            });
          }
        }),
      );
      expect(await raw.get(counter)).toBe(String(workers * rounds));
      expect(await raw.exists(resource)).toBe(0);
    } finally {
      for (const c of conns) c.disconnect();
    }
  });
});
