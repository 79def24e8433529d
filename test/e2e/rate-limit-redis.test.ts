/**
 * express-rate-limit with rate-limit-redis's RedisStore on ioredis, through
 * the middleware in real express apps over HTTP and through the store's API:
 * two app instances, one on each endpoint (on valthree, one per proxy),
 * limit the same users.
 *
 * What the store sends: SCRIPT LOAD of its two scripts at init, then EVALSHA
 * for every increment and get; on NOSCRIPT it loads the script again and
 * retries the EVALSHA; DECR to give a hit back; DEL to reset a key.
 */
import * as http from 'node:http';
import express from 'express';
import { rateLimit, type RateLimitRequestHandler } from 'express-rate-limit';
import type Redis from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { TARGETS, connect, sleep, uniqueKey, type ScriptTarget } from './script-targets';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
}

/** One GET on loopback as user `user` (the limiter's key). */
function get(port: number, user: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { 'x-user': user } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
  });
}

const num = (h: string | string[] | undefined) => Number(h);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A store whose commands go through `route()`'s client, recording every reply error's first word. */
function recordingStore(route: () => Redis, prefix: string, errors: string[]): RedisStore {
  return new RedisStore({
    prefix,
    sendCommand: async (command: string, ...args: string[]) => {
      try {
        return (await route().call(command, ...args)) as RedisReply;
      } catch (e) {
        errors.push((e as Error).message.split(' ')[0]);
        throw e;
      }
    },
  });
}

describe.each(TARGETS)('express-rate-limit with rate-limit-redis on %s', (_name, start) => {
  let target: ScriptTarget;
  let clients: [Redis, Redis];
  const servers: http.Server[] = [];
  beforeAll(async () => {
    target = await start();
    clients = [connect(target, 0), connect(target, 1)];
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    for (const c of clients ?? []) c.disconnect();
    await target?.close();
  });

  /** An express app on endpoint i whose every route is limited by `limit` hits per window, keyed by the x-user header. */
  async function app(i: 0 | 1, prefix: string, windowMs: number, limit: number): Promise<{ port: number; limiter: RateLimitRequestHandler }> {
    const store = new RedisStore({ prefix, sendCommand: (command: string, ...args: string[]) => clients[i].call(command, ...args) as Promise<RedisReply> });
    const limiter = rateLimit({ windowMs, limit, store, standardHeaders: 'draft-6', legacyHeaders: false, keyGenerator: (req) => String(req.headers['x-user']) });
    const server = express().use(limiter).get('/', (_req, res) => void res.send('ok')).listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((r) => server.once('listening', r));
    return { port: (server.address() as { port: number }).port, limiter };
  }

  test('of M concurrent requests to both app instances exactly N pass; the rest get 429 with the time left in the window', async () => {
    const [limit, requests, windowMs] = [5, 13, 60_000];
    const prefix = `${uniqueKey('rl')}:`;
    const [a, b] = [await app(0, prefix, windowMs, limit), await app(1, prefix, windowMs, limit)];
    const sent = Date.now();
    const replies = await Promise.all(range(1, requests).map((n) => get(n % 2 ? a.port : b.port, 'ada')));
    const elapsed = Date.now() - sent;

    const ok = replies.filter((r) => r.status === 200);
    const limited = replies.filter((r) => r.status === 429);
    expect(ok).toHaveLength(limit);
    expect(limited).toHaveLength(requests - limit);
    // Each EVALSHA incremented the one count atomically: the passing requests saw N-1 … 0 remaining, each once.
    expect(ok.map((r) => num(r.headers['ratelimit-remaining'])).sort((x, y) => x - y)).toEqual(range(0, limit - 1));
    for (const r of replies) {
      expect(num(r.headers['ratelimit-limit'])).toBe(limit);
      // The window's PX began after `sent`: seconds to reset are nearly the whole window, never more.
      expect(num(r.headers['ratelimit-reset'])).toBeLessThanOrEqual(windowMs / 1000);
      expect(num(r.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(Math.floor((windowMs - elapsed) / 1000) - 1);
    }
    for (const r of limited) {
      expect(num(r.headers['ratelimit-remaining'])).toBe(0);
      expect(num(r.headers['retry-after'])).toBeGreaterThan(0);
      expect(num(r.headers['retry-after'])).toBeLessThanOrEqual(windowMs / 1000);
    }

    // The store's get script, through either instance, reads the same count; another user is not limited.
    for (const x of [a, b]) expect((await x.limiter.getKey('ada'))?.totalHits).toBe(requests);
    expect((await get(b.port, 'grace')).status).toBe(200);
    // resetKey (DEL) through one instance lets the user in again through the other.
    await a.limiter.resetKey('ada');
    const again = await get(b.port, 'ada');
    expect(again.status).toBe(200);
    expect(num(again.headers['ratelimit-remaining'])).toBe(limit - 1);
  });

  test('the window resets after windowMs (the script sets the count with PX on the first hit)', async () => {
    const prefix = `${uniqueKey('rl')}:`;
    const { port } = await app(1, prefix, 1000, 1);
    const first = await get(port, 'ada');
    const firstAt = Date.now();
    expect(first.status).toBe(200);
    expect((await get(port, 'ada')).status).toBe(429);
    await sleep(Math.max(0, firstAt + 1100 - Date.now()));
    const after = await get(port, 'ada');
    expect(after.status).toBe(200);
    expect(num(after.headers['ratelimit-remaining'])).toBe(0);
  });

  test('a connection that moves to the other proxy: EVALSHA answers NOSCRIPT there, the store reloads and the count carries on', async () => {
    const prefix = `${uniqueKey('rl')}:`;
    // Earlier tests loaded the store's scripts through both endpoints: endpoint 1 forgets them.
    expect(await clients[1].script('FLUSH')).toBe('OK');
    let endpoint: 0 | 1 = 0;
    const errors: string[] = [];
    const store = recordingStore(() => clients[endpoint], prefix, errors);
    const limiter = rateLimit({ windowMs: 60_000, limit: 10, store, keyGenerator: () => 'ada' });
    // The middleware's own init (SCRIPT LOAD of both scripts) went to endpoint 0; this increment waits for it.
    expect(await store.increment('ada')).toMatchObject({ totalHits: 1 });
    expect(await store.increment('ada')).toMatchObject({ totalHits: 2 });

    // As when a load balancer sends a reconnecting client to another proxy.
    endpoint = 1;
    const third = await store.increment('ada');
    expect(third.totalHits).toBe(3);
    expect(third.resetTime?.getTime()).toBeGreaterThan(Date.now());
    expect((await limiter.getKey('ada'))?.totalHits).toBe(3);
    // One proxy's scripts are unknown to the other: one NOSCRIPT per script, then loaded there.
    expect(errors).toEqual(target.sharedScriptCache ? [] : ['NOSCRIPT', 'NOSCRIPT']);

    // decrement (DECR) gives a hit back; the get script sees it through the first endpoint too.
    await store.decrement('ada');
    endpoint = 0;
    expect((await limiter.getKey('ada'))?.totalHits).toBe(2);
    expect((await store.increment('ada')).totalHits).toBe(3);
    expect(errors).toHaveLength(target.sharedScriptCache ? 0 : 2);
  });
});
