/**
 * A sliding-window rate limiter on a sorted set, end to end through ioredis,
 * in its two well-known forms:
 *
 * - the transaction: MULTI; ZREMRANGEBYSCORE key 0 (now - window);
 *   ZADD key now member; ZCARD key; PEXPIRE key window; EXEC — a request is
 *   allowed when the count is at most the limit (refused requests are
 *   logged too, so a client that keeps hammering stays refused);
 * - the Lua script: the same trim, then ZADD only below the limit, and the
 *   oldest entry (ZRANGE … WITHSCORES) for a retry-after.
 *
 * The application passes `now`, as such limiters do, and the test drives it
 * as a virtual clock: the limit is asserted exactly (N allowed per window,
 * the N+1th refused, allowed again once the window has slid past) with no
 * sleeps and no timed assertion. Each scenario runs against redis-server
 * first, proving it asserts Redis's behaviour, then against valthree as
 * `npm start` runs it (two proxy processes over one db.json), alternating
 * between the two.
 */
import type Redis from 'ioredis';
import { TARGETS, connect, uniqueKey, type ScriptTarget } from './script-targets';

const WINDOW = 1000;
const LIMIT = 3;

/** One request through the MULTI/EXEC form: allowed, and the count the window held. */
async function viaTransaction(client: Redis, key: string, now: number, id: string): Promise<{ allowed: boolean; count: number }> {
  const res = await client.multi().zremrangebyscore(key, 0, now - WINDOW).zadd(key, now, `${now}:${id}`).zcard(key).pexpire(key, WINDOW * 60).exec();
  if (!res) throw new Error('EXEC aborted');
  for (const [err] of res) if (err) throw err;
  const count = res[2][1] as number;
  return { allowed: count <= LIMIT, count };
}

const SCRIPT = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, 0, now - window)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, window * 60)
  return {1, count + 1, 0}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local inWindow = redis.call('ZRANGEBYSCORE', key, '(' .. (now - window), '+inf')
return {0, #inWindow, tonumber(oldest[2]) + window - now, type(oldest[2])}
`;

describe.each(TARGETS)('sliding-window rate limiter on a sorted set (ioredis) on %s', (_name, start) => {
  let target: ScriptTarget;
  let clients: [Redis, Redis];
  beforeAll(async () => {
    target = await start();
    clients = [connect(target, 0), connect(target, 1)];
  });
  afterAll(async () => {
    for (const c of clients ?? []) c.disconnect();
    await target?.close();
  });

  test('MULTI/EXEC: N allowed per window, the N+1th refused, allowed again once the window has slid past', async () => {
    const key = uniqueKey('sliding');
    let n = 0;
    const hit = (now: number) => viaTransaction(clients[n++ % 2], key, now, String(n));
    const t0 = 1_700_000_000_000;
    expect(await hit(t0)).toEqual({ allowed: true, count: 1 });
    expect(await hit(t0 + 1)).toEqual({ allowed: true, count: 2 });
    expect(await hit(t0 + 2)).toEqual({ allowed: true, count: 3 });
    expect(await hit(t0 + 3)).toEqual({ allowed: false, count: 4 });
    // Exactly one window after the first hit it leaves (ZREMRANGEBYSCORE is inclusive); the refused hit still counts.
    expect(await hit(t0 + WINDOW)).toEqual({ allowed: false, count: 4 });
    // Past every logged hit: a fresh window.
    const t1 = t0 + 2 * WINDOW + 10;
    expect(await hit(t1)).toEqual({ allowed: true, count: 1 });
    expect(await hit(t1 + 5)).toEqual({ allowed: true, count: 2 });
    expect(await hit(t1 + 6)).toEqual({ allowed: true, count: 3 });
    // The window slides: one window after t1, that hit is out and one place is free.
    expect(await hit(t1 + WINDOW)).toEqual({ allowed: true, count: 3 });
    expect(await hit(t1 + WINDOW + 1)).toEqual({ allowed: false, count: 4 });
    // The key carries the transaction's PEXPIRE.
    const ttl = await clients[0].pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(WINDOW * 60);
  });

  test('concurrent requests in one window: exactly N of them pass', async () => {
    const key = uniqueKey('sliding');
    const now = 1_700_000_000_000;
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => viaTransaction(clients[i % 2], key, now + i, `c${i}`)));
    expect(results.filter((r) => r.allowed)).toHaveLength(LIMIT);
    expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  test('Lua script: N allowed, the N+1th refused with its retry-after, allowed again after the window; Lua sees scores as strings', async () => {
    const key = uniqueKey('sliding-lua');
    let n = 0;
    const hit = async (now: number) => {
      const c = clients[n++ % 2];
      return (await c.eval(SCRIPT, 1, key, String(now), String(WINDOW), String(LIMIT), `${now}:${n}`)) as (number | string)[];
    };
    const t0 = 1_700_000_000_000;
    expect(await hit(t0)).toEqual([1, 1, 0]);
    expect(await hit(t0 + 100)).toEqual([1, 2, 0]);
    expect(await hit(t0 + 200)).toEqual([1, 3, 0]);
    // Refused: 3 in the window, the oldest (t0) frees its place at t0 + WINDOW; ZRANGE's score reaches Lua as a string.
    expect(await hit(t0 + 300)).toEqual([0, 3, WINDOW - 300, 'string']);
    expect(await hit(t0 + WINDOW - 1)).toEqual([0, 3, 1, 'string']);
    // The first hit slides out at exactly t0 + WINDOW: one place.
    expect(await hit(t0 + WINDOW)).toEqual([1, 3, 0]);
    expect(await hit(t0 + WINDOW + 1)).toEqual([0, 3, 99, 'string']);
    // Long after: a fresh window.
    expect(await hit(t0 + 5 * WINDOW)).toEqual([1, 1, 0]);
    expect(await clients[0].zcard(key)).toBe(1);
  });
});
