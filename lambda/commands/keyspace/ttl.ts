/** TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 for an absent key, -1 for one without a TTL. */
import { int, specOf, type Command } from '../types';

/**
 * Seconds are rounded to the nearest, as Redis's `(ms + 500) / 1000`. At
 * its deadline a key is still there with PTTL 0 (expired once the clock
 * is past it).
 */
const toSeconds = (ms: number): number => Math.trunc((ms + 500) / 1000);

const family = (name: string, absolute: boolean, seconds: boolean): Command => ({
  spec: specOf(name),
  run(args, { db, now }) {
    const key = args.key();
    args.end();
    const e = db.entry(key);
    if (e === undefined) return int(-2);
    if (e.expiresAt === undefined) return int(-1);
    const ms = absolute ? e.expiresAt : Math.max(0, e.expiresAt - now);
    return int(seconds ? toSeconds(ms) : ms);
  },
});

export const ttl = family('ttl', false, true);
export const pttl = family('pttl', false, false);
export const expiretime = family('expiretime', true, true);
export const pexpiretime = family('pexpiretime', true, false);
