/**
 * Real libraries, through their public APIs, as applications use them:
 * express-session with connect-redis (node-redis), keyv with @keyv/redis, and
 * a fixed-window rate limiter on ioredis. Each test body runs against
 * redis-server 7.0.15 first — which proves the test asserts Redis's real
 * behaviour — and then against valthree, which must behave the same.
 *
 * The valthree variants need SET … EX/PX, EXPIRE, PEXPIRE, PTTL, TTL, MGET,
 * SCAN, EXISTS and UNLINK: they fail until those commands land.
 *
 * Timing: windows and TTLs are short and the tests wait on real time, but
 * only ever assert lower bounds (a key is gone once its deadline has surely
 * passed; requests answered before a window can have ended were inside it),
 * never that something happened within a time.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { RedisStore } from 'connect-redis';
import session, { type SessionData } from 'express-session';
import Redis from 'ioredis';
import type Keyv from 'keyv';
import { createKeyv } from '@keyv/redis';
import { createClient } from 'redis';
import { startProxy } from '../support/proxy-harness';
import { startRedisServer } from '../support/redis-server';

interface Target {
  port: number;
  close(): Promise<void>;
}

async function redisServer(): Promise<Target> {
  const r = await startRedisServer();
  return { port: r.port, close: () => r.stop() };
}

async function valthree(): Promise<Target> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-libraries-'));
  const proxy = await startProxy(['--data-dir', dir]);
  return {
    port: proxy.port,
    close: async () => {
      await proxy.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A session as express-session hands it to a store: data plus its cookie, expiring `ms` from now. */
function sessionData(ms: number, data: Record<string, unknown>): SessionData {
  return { cookie: { originalMaxAge: ms, expires: new Date(Date.now() + ms), httpOnly: true, path: '/' }, ...data } as unknown as SessionData;
}

describe.each([
  ['redis-server', redisServer],
  ['valthree', valthree],
])('%s', (_name, start) => {
  let target: Target;
  beforeAll(async () => {
    target = await start();
  });
  afterAll(() => target?.close());

  describe('express-session with connect-redis (node-redis)', () => {
    let client: ReturnType<typeof createClient>;
    beforeAll(async () => {
      client = createClient({ socket: { port: target.port, host: '127.0.0.1' } });
      client.on('error', () => undefined);
      await client.connect();
    });
    afterAll(async () => {
      await client?.quit();
    });
    beforeEach(async () => {
      await client.flushAll();
    });

    test('the store: set with a TTL, get, touch (a new TTL), length/ids/all, destroy, clear', async () => {
      const store = new RedisStore({ client, prefix: 'sess:' });
      await store.set('s1', sessionData(100_000, { user: 'ada' }));
      expect(await store.get('s1')).toMatchObject({ user: 'ada' });
      // The TTL comes from the cookie's expiry (100 s, rounded up).
      const ttl = await client.ttl('sess:s1');
      expect(ttl).toBeGreaterThan(90);
      expect(ttl).toBeLessThanOrEqual(100);

      await store.touch('s1', sessionData(300_000, { user: 'ada' }));
      const touched = await client.ttl('sess:s1');
      expect(touched).toBeGreaterThan(290);
      expect(touched).toBeLessThanOrEqual(300);
      expect(await store.get('s1')).toMatchObject({ user: 'ada' });

      await store.set('s2', sessionData(100_000, { user: 'grace' }));
      await client.set('other', 'not a session');
      expect(await store.length()).toBe(2);
      expect(((await store.ids()) as string[]).sort()).toEqual(['s1', 's2']);
      expect(((await store.all()) as { id: string; user: string }[]).map((s) => [s.id, s.user]).sort()).toEqual([
        ['s1', 'ada'],
        ['s2', 'grace'],
      ]);

      await store.destroy('s1');
      expect(await store.get('s1')).toBeNull();
      expect(await client.exists('sess:s1')).toBe(0);

      await store.clear();
      expect(await store.length()).toBe(0);
      expect(await client.get('other')).toBe('not a session');
    });

    test('a session expires with its TTL', async () => {
      const store = new RedisStore({ client, prefix: 'sess:', ttl: 1 });
      const sess = sessionData(0, { user: 'ada' });
      delete (sess.cookie as { expires?: Date }).expires; // no cookie expiry: the store's ttl option (1 s) applies
      await store.set('short', sess);
      const setAt = Date.now();
      expect(await store.get('short')).toMatchObject({ user: 'ada' });
      const pttl = await client.pTTL('sess:short');
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(1000);
      // The deadline was at most 1 s after the SET was answered.
      await sleep(Math.max(0, setAt + 1100 - Date.now()));
      expect(await store.get('short')).toBeNull();
      expect(await client.exists('sess:short')).toBe(0);
    });

    test('the middleware over HTTP: a session is created, found again by its cookie, and destroyed', async () => {
      const store = new RedisStore({ client, prefix: 'app:' });
      const middleware = session({ store, secret: 'keyboard cat', resave: false, saveUninitialized: false, cookie: { maxAge: 60_000 } });
      const server = http.createServer((req, res) => {
        middleware(req as never, res as never, () => {
          const s = (req as unknown as { session: session.Session & { views?: number } }).session;
          if (req.url === '/logout') {
            s.destroy(() => res.end('bye'));
            return;
          }
          s.views = (s.views ?? 0) + 1;
          res.end(String(s.views));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      try {
        const first = await get(port, '/');
        expect(first.body).toBe('1');
        const cookie = first.setCookie?.split(';')[0];
        expect(cookie).toMatch(/^connect\.sid=/);
        const keys = await client.keys('app:*');
        expect(keys).toHaveLength(1);
        const ttl = await client.ttl(keys[0]);
        expect(ttl).toBeGreaterThan(50);
        expect(ttl).toBeLessThanOrEqual(60);

        expect((await get(port, '/', cookie)).body).toBe('2');
        expect((await get(port, '/', cookie)).body).toBe('3');
        expect(JSON.parse((await client.get(keys[0])) ?? '{}')).toMatchObject({ views: 3 });

        expect((await get(port, '/logout', cookie)).body).toBe('bye');
        expect(await client.exists(keys[0])).toBe(0);
        // The old cookie now names no session: a new one starts.
        expect((await get(port, '/', cookie)).body).toBe('1');
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe('keyv with @keyv/redis', () => {
    let keyv: Keyv;
    let raw: Redis;
    beforeAll(async () => {
      // createKeyv: @keyv/redis's documented set-up; with a namespace, keys are `app::<key>` and clear() is SCAN MATCH app::* + UNLINK.
      keyv = createKeyv(`redis://127.0.0.1:${target.port}`, { namespace: 'app' });
      keyv.on('error', () => undefined);
      raw = new Redis(target.port, '127.0.0.1');
    });
    afterAll(async () => {
      await keyv?.disconnect();
      raw?.disconnect();
    });
    beforeEach(async () => {
      await raw.flushall();
    });

    test('set (with and without a ttl), get, has, delete, clear', async () => {
      expect(await keyv.set('plain', { n: 1 })).toBe(true);
      expect(await keyv.set('ttl', 'soon', 60_000)).toBe(true);
      expect(await keyv.get('plain')).toEqual({ n: 1 });
      expect(await keyv.get('ttl')).toBe('soon');
      expect(await keyv.has('plain')).toBe(true);
      expect(await keyv.has('missing')).toBe(false);
      expect(await keyv.get('missing')).toBeUndefined();
      // The TTL is Redis's own (SET … PX), under the namespace.
      expect(await raw.pttl('app::plain')).toBe(-1);
      const pttl = await raw.pttl('app::ttl');
      expect(pttl).toBeGreaterThan(50_000);
      expect(pttl).toBeLessThanOrEqual(60_000);

      expect(await keyv.delete('plain')).toBe(true);
      expect(await keyv.delete('plain')).toBe(false);
      expect(await keyv.has('plain')).toBe(false);

      await raw.set('outside', 'keep');
      await keyv.set('a', 1);
      await keyv.set('b', 2);
      await keyv.clear();
      expect(await keyv.get('a')).toBeUndefined();
      expect(await keyv.get('ttl')).toBeUndefined();
      // clear() deletes the namespace only.
      expect(await raw.get('outside')).toBe('keep');
    });

    test('a value with a ttl expires in Redis, not only in keyv', async () => {
      await keyv.set('short', 'v', 300);
      const setAt = Date.now();
      expect(await keyv.get('short')).toBe('v');
      await sleep(Math.max(0, setAt + 400 - Date.now()));
      expect(await keyv.get('short')).toBeUndefined();
      expect(await raw.exists('app::short')).toBe(0);
    });
  });

  describe('a fixed-window rate limiter (INCR, then PEXPIRE on the first hit)', () => {
    let redis: Redis;
    beforeAll(() => {
      redis = new Redis(target.port, '127.0.0.1');
    });
    afterAll(() => redis?.disconnect());

    /** The classic limiter (rate-limit-redis, express-rate-limit's Redis stores): count in a key that expires with the window. */
    async function hit(key: string, limit: number, windowMs: number): Promise<{ allowed: boolean; count: number; resetMs: number }> {
      const count = await redis.incr(key);
      if (count === 1) await redis.pexpire(key, windowMs);
      const resetMs = await redis.pttl(key);
      return { allowed: count <= limit, count, resetMs };
    }

    test('the limit holds within a window and resets after it', async () => {
      const key = `rl:${Date.now()}`;
      const limit = 5;
      const windowMs = 300;
      const sentFirst = Date.now();
      const results: { allowed: boolean; count: number; resetMs: number; answeredAt: number }[] = [];
      for (let i = 0; i < limit + 3; i++) results.push({ ...(await hit(key, limit, windowMs)), answeredAt: Date.now() });

      // The window started when the first INCR ran, after `sentFirst`: hits answered before sentFirst + windowMs were inside it.
      const inside = results.filter((r) => r.answeredAt < sentFirst + windowMs);
      expect(inside.filter((r) => r.allowed).length).toBeLessThanOrEqual(limit);
      expect(results.slice(0, limit).every((r) => r.allowed)).toBe(true);
      expect(results[0].count).toBe(1);
      for (const r of inside) {
        expect(r.resetMs).toBeGreaterThan(0);
        expect(r.resetMs).toBeLessThanOrEqual(windowMs);
      }
      if (inside.length === results.length) expect(results.slice(limit).every((r) => !r.allowed)).toBe(true);

      // The PEXPIRE was answered by the time the first hit returned: the window has surely ended windowMs later.
      await sleep(Math.max(0, results[0].answeredAt + windowMs + 50 - Date.now()));
      const after = await hit(key, limit, windowMs);
      expect(after).toMatchObject({ allowed: true, count: 1 });
      expect(after.resetMs).toBeGreaterThan(0);
    });

    test('windows of different keys are independent, and a key without a window never resets on its own', async () => {
      const [a, b] = [`rl:a:${Date.now()}`, `rl:b:${Date.now()}`];
      for (let i = 0; i < 3; i++) await hit(a, 2, 60_000);
      expect((await hit(b, 2, 60_000)).allowed).toBe(true);
      expect((await hit(a, 2, 60_000)).allowed).toBe(false);
      await redis.set('counter', '0');
      expect(await redis.incr('counter')).toBe(1);
      expect(await redis.pttl('counter')).toBe(-1);
    });
  });
});

/** One HTTP GET on loopback; the body and the Set-Cookie header. */
function get(port: number, urlPath: string, cookie?: string): Promise<{ body: string; setCookie?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers: cookie ? { cookie } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ body, setCookie: res.headers['set-cookie']?.[0] }));
    });
    req.on('error', reject);
  });
}
