/**
 * rate-limiter-flexible's RateLimiterRedis on ioredis, through its public API,
 * with two application instances — one limiter per endpoint, so on valthree
 * one per proxy — sharing one count.
 *
 * What the library sends: consume/penalty/reward run its INCRBY + TTL script
 * via ioredis's defineCommand (EVAL on a fresh connection, EVALSHA after,
 * EVAL again on NOSCRIPT); get is MULTI GET PTTL EXEC; block is MULTI SET EX
 * PTTL EXEC; with duration 0 consume is MULTI INCRBY PTTL EXEC; delete is DEL.
 *
 * Timing: only lower bounds are asserted (a window has surely ended once its
 * deadline has passed by the test's clock), never that something was quick.
 */
import type Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { TARGETS, connect, sleep, uniqueKey, type ScriptTarget } from './script-targets';

/** A settled consume: passed (fulfilled) or refused (rejected with a RateLimiterRes, never an Error). */
interface Outcome {
  passed: boolean;
  res: RateLimiterRes;
}

async function outcome(p: Promise<RateLimiterRes>): Promise<Outcome> {
  try {
    return { passed: true, res: await p };
  } catch (e) {
    if (!(e instanceof RateLimiterRes)) throw e;
    return { passed: false, res: e };
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.each(TARGETS)('rate-limiter-flexible (RateLimiterRedis, ioredis) on %s', (_name, start) => {
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

  /** The same limiter in two application instances, one on each endpoint. */
  function limiters(opts: { points: number; duration: number; blockDuration?: number }): [RateLimiterRedis, RateLimiterRedis] {
    const keyPrefix = uniqueKey('rlflx');
    return [0, 1].map((i) => new RateLimiterRedis({ storeClient: clients[i], keyPrefix, ...opts })) as [RateLimiterRedis, RateLimiterRedis];
  }

  test('of M concurrent consumes across both instances exactly N pass; the rest are refused with the time left in the window', async () => {
    const [points, requests, duration] = [5, 14, 60];
    const [a, b] = limiters({ points, duration });
    const sent = Date.now();
    const outcomes = await Promise.all(range(1, requests).map((i) => outcome((i % 2 ? a : b).consume('user-1'))));
    const elapsed = Date.now() - sent;

    const passed = outcomes.filter((o) => o.passed).map((o) => o.res);
    const refused = outcomes.filter((o) => !o.passed).map((o) => o.res);
    expect(passed).toHaveLength(points);
    expect(refused).toHaveLength(requests - points);
    // Every script run incremented the one counter atomically: the counts seen are exactly 1..M, each once.
    expect(outcomes.map((o) => o.res.consumedPoints).sort((x, y) => x - y)).toEqual(range(1, requests));
    expect(passed.map((r) => r.consumedPoints).sort((x, y) => x - y)).toEqual(range(1, points));
    expect(passed.map((r) => r.remainingPoints).sort((x, y) => x - y)).toEqual(range(0, points - 1));
    expect(outcomes.filter((o) => o.res.isFirstInDuration)).toHaveLength(1);
    for (const r of refused) expect(r.remainingPoints).toBe(0);
    // The window (SET … EX 60 NX) began after `sent`: every reply saw nearly all of it left, and never more.
    for (const o of outcomes) {
      expect(o.res.msBeforeNext).toBeLessThanOrEqual(duration * 1000);
      expect(o.res.msBeforeNext).toBeGreaterThan(duration * 1000 - elapsed - 1000);
    }

    // get (MULTI GET PTTL EXEC) through either instance sees the same count.
    for (const l of [a, b]) {
      const got = await l.get('user-1');
      expect(got?.consumedPoints).toBe(requests);
      expect(got?.remainingPoints).toBe(0);
      expect(got?.msBeforeNext).toBeGreaterThan(0);
    }
    // Another key has its own window.
    expect((await b.consume('user-2')).consumedPoints).toBe(1);
  });

  test('penalty and reward move the count; get reads it; delete frees the key; it survives SCRIPT FLUSH (EVAL on NOSCRIPT)', async () => {
    const [a, b] = limiters({ points: 5, duration: 60 });
    expect(await a.consume('k', 2)).toMatchObject({ consumedPoints: 2, remainingPoints: 3, isFirstInDuration: true });
    expect(await b.penalty('k', 3)).toMatchObject({ consumedPoints: 5, remainingPoints: 0 });
    const refused = await outcome(a.consume('k'));
    expect(refused.passed).toBe(false);
    expect(refused.res).toMatchObject({ consumedPoints: 6, remainingPoints: 0 });
    expect(await b.reward('k', 4)).toMatchObject({ consumedPoints: 2, remainingPoints: 3 });

    // Both endpoints forget every script: the limiters' connections still believe theirs are loaded,
    // so their next EVALSHA gets NOSCRIPT and ioredis resends it as EVAL.
    for (const i of [0, 1] as const) {
      const admin = connect(target, i);
      expect(await admin.script('FLUSH')).toBe('OK');
      admin.disconnect();
    }
    expect(await a.consume('k')).toMatchObject({ consumedPoints: 3, remainingPoints: 2 });
    expect(await b.consume('k')).toMatchObject({ consumedPoints: 4, remainingPoints: 1 });

    const got = await a.get('k');
    expect(got).toMatchObject({ consumedPoints: 4, remainingPoints: 1 });
    expect(got?.msBeforeNext).toBeGreaterThan(0);
    expect(got?.msBeforeNext).toBeLessThanOrEqual(60_000);

    expect(await b.delete('k')).toBe(true);
    expect(await a.delete('k')).toBe(false);
    expect(await a.get('k')).toBeNull();
    expect(await b.consume('k')).toMatchObject({ consumedPoints: 1, remainingPoints: 4, isFirstInDuration: true });
  });

  test('block refuses every consume until it ends (MULTI SET EX PTTL); then a new window starts', async () => {
    const [a, b] = limiters({ points: 3, duration: 60 });
    expect((await a.consume('ip')).consumedPoints).toBe(1);
    const blocked = await a.block('ip', 2);
    const blockedAt = Date.now();
    expect(blocked).toMatchObject({ msBeforeNext: 2000, consumedPoints: 4 });
    const during = await outcome(b.consume('ip'));
    expect(during.passed).toBe(false);
    expect(during.res.consumedPoints).toBe(5);
    expect(during.res.msBeforeNext).toBeGreaterThan(0);
    expect(during.res.msBeforeNext).toBeLessThanOrEqual(2000);

    // The block's SET … EX 2 ran before block() resolved: two seconds later the key is surely gone.
    await sleep(Math.max(0, blockedAt + 2100 - Date.now()));
    expect(await b.get('ip')).toBeNull();
    expect(await b.consume('ip')).toMatchObject({ consumedPoints: 1, remainingPoints: 2, isFirstInDuration: true });
  });

  test('blockDuration: exceeding the points blocks the key in the store for longer than the window', async () => {
    const [a, b] = limiters({ points: 2, duration: 5, blockDuration: 120 });
    await a.consume('u');
    await b.consume('u');
    const over = await outcome(a.consume('u'));
    expect(over.passed).toBe(false);
    expect(over.res.msBeforeNext).toBe(120_000);
    // The block rewrote the key with a 120 s TTL, which the other instance sees.
    const got = await b.get('u');
    expect(got?.consumedPoints).toBe(3);
    expect(got?.msBeforeNext).toBeGreaterThan(100_000);
    expect(got?.msBeforeNext).toBeLessThanOrEqual(120_000);
    const still = await outcome(b.consume('u'));
    expect(still.passed).toBe(false);
    expect(still.res.msBeforeNext).toBeGreaterThan(100_000);
  });

  test('a window ends after its duration and the count starts again', async () => {
    const [a, b] = limiters({ points: 2, duration: 1 });
    const first = await a.consume('w');
    const firstAt = Date.now();
    expect(first.consumedPoints).toBe(1);
    await b.consume('w');
    expect((await outcome(a.consume('w'))).passed).toBe(false);
    await sleep(Math.max(0, firstAt + 1100 - Date.now()));
    expect(await b.consume('w')).toMatchObject({ consumedPoints: 1, isFirstInDuration: true });
  });

  test('duration 0: points never expire (MULTI INCRBY PTTL EXEC)', async () => {
    const [a, b] = limiters({ points: 3, duration: 0 });
    expect(await a.consume('forever')).toMatchObject({ consumedPoints: 1, msBeforeNext: -1 });
    expect(await b.consume('forever', 2)).toMatchObject({ consumedPoints: 3, remainingPoints: 0, msBeforeNext: -1 });
    const over = await outcome(a.consume('forever'));
    expect(over.passed).toBe(false);
    expect(over.res).toMatchObject({ consumedPoints: 4, msBeforeNext: -1 });
    expect(await b.get('forever')).toMatchObject({ consumedPoints: 4, msBeforeNext: -1 });
  });
});
