/**
 * The `script` workload: every operation is one fixed-window rate-limiter
 * call, sent as the rate-limiting libraries send theirs (rate-limit-redis,
 * rate-limiter-flexible through ioredis, redlock): EVALSHA, and EVAL with the
 * body when the server answers NOSCRIPT — which each proxy does once per
 * script, as its script cache starts empty.
 *
 * The script is the classic limiter: INCR the caller's counter, PEXPIRE it on
 * the first hit of its window, answer the count and the time left. A 1 s
 * window over the bench's key space means windows keep ending, so both the
 * first-hit path (INCR + PEXPIRE) and the counting path stay in the mix.
 */
import { createHash } from 'node:crypto';
import type { Resp } from '../support/resp-client';

export const LIMITER_SCRIPT = [
  "local count = redis.call('INCR', KEYS[1])",
  "if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end",
  "return {count, redis.call('PTTL', KEYS[1])}",
].join('\n');

export const LIMITER_SHA = createHash('sha1').update(LIMITER_SCRIPT).digest('hex');

/** The limiter's window. */
export const WINDOW_MS = '1000';

/** Keys of their own: the other workloads' prefilled `key:N` strings are not counters. */
export const limiterKey = (n: number) => `rl:${n}`;

export interface ScriptStats {
  /** EVALSHAs answered NOSCRIPT and re-sent as EVAL. */
  fallbacks: number;
}

/**
 * One limiter call: EVALSHA, then EVAL on NOSCRIPT (the latency a library's
 * caller sees includes the fall-back). `send` sends one command and resolves
 * with its reply.
 */
export async function limiterCall(send: (args: string[]) => Promise<Resp>, key: string, stats: ScriptStats): Promise<Resp> {
  const r = await send(['EVALSHA', LIMITER_SHA, '1', key, WINDOW_MS]);
  if (r.t !== 'error' || !r.v.startsWith('NOSCRIPT')) return r;
  stats.fallbacks++;
  return send(['EVAL', LIMITER_SCRIPT, '1', key, WINDOW_MS]);
}

/** Whether a reply is the limiter's [count ≥ 1, ttl] pair: what a bench run counts as answered OK. */
export function isLimiterReply(r: Resp): boolean {
  if (r.t !== 'array' || r.v.length !== 2) return false;
  const [count, ttl] = r.v;
  return count.t === 'int' && count.v >= 1n && ttl.t === 'int';
}
