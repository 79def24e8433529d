/**
 * EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT [NX|XX|GT|LT] and PERSIST. Deadlines
 * are absolute Unix ms at the batch clock (`ctx.now`), as Redis keeps them.
 */
import { CommandError, invalidExpireTime, NOT_INTEGER } from '../../errors';
import { INT64_MAX, INT64_MIN, parseInteger } from '../args';
import { int, specOf, type Command } from '../types';
import type { Args } from '../args';
import type { CommandContext } from '../context';

interface Conditions {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
}

/** The options, parsed before the time as Redis does (a bad option wins over a bad time). */
function conditions(words: Buffer[]): Conditions {
  const c: Conditions = { nx: false, xx: false, gt: false, lt: false };
  for (const w of words) {
    const o = w.toString('latin1').toLowerCase();
    if (o === 'nx' || o === 'xx' || o === 'gt' || o === 'lt') {
      c[o] = true;
      continue;
    }
    // Redis prints the word as given, CR and LF blanked so the error stays one RESP line.
    throw new CommandError(`ERR Unsupported option ${w.toString('latin1').replace(/[\r\n]/g, ' ')}`);
  }
  if (c.nx && (c.xx || c.gt || c.lt)) throw new CommandError('ERR NX and XX, GT or LT options at the same time are not compatible');
  if (c.gt && c.lt) throw new CommandError('ERR GT and LT options at the same time are not compatible');
  return c;
}

/** The deadline in Unix ms, with Redis's overflow checks (seconds × 1000 and base + time must fit a signed 64-bit integer). */
function deadline(word: Buffer, name: string, base: number, unitMs: bigint): bigint {
  let when = parseInteger(word);
  if (when === null) throw new CommandError(NOT_INTEGER);
  if (when > INT64_MAX / unitMs || when < INT64_MIN / unitMs) throw new CommandError(invalidExpireTime(name));
  when *= unitMs;
  if (when > INT64_MAX - BigInt(base)) throw new CommandError(invalidExpireTime(name));
  return when + BigInt(base);
}

const MAX_DEADLINE = BigInt(Number.MAX_SAFE_INTEGER);

/** Whether the conditions let `when` replace `current` (undefined: no TTL, an infinite one for GT/LT). */
function allowed(c: Conditions, current: number | undefined, when: bigint): boolean {
  if (c.nx && current !== undefined) return false;
  if (c.xx && current === undefined) return false;
  if (c.gt && (current === undefined || when <= BigInt(current))) return false;
  if (c.lt && current !== undefined && when >= BigInt(current)) return false;
  return true;
}

/**
 * 1 when the deadline was set, 0 when the key is absent or a condition
 * failed. A deadline not after the clock deletes the key (and answers 1),
 * as Redis's checkAlreadyExpired does: `EXPIRE k 0` deletes.
 */
function expireGeneric(args: Args, { db, now }: CommandContext, name: string, relative: boolean, unitMs: bigint) {
  const key = args.key();
  const time = args.next();
  const c = conditions(args.rest());
  const when = deadline(time, name, relative ? now : 0, unitMs);
  const e = db.entry(key);
  if (e === undefined || !allowed(c, e.expiresAt, when)) return int(0);
  if (when <= BigInt(now)) db.delete(key);
  // db.json keeps deadlines as exact JSON numbers: one past 2^53 ms (year
  // 287396) is kept as 2^53 − 1 — it never comes either way; only its
  // TTL reads lower than Redis's (the strings' deadline() does the same).
  else db.setExpiry(key, Number(when > MAX_DEADLINE ? MAX_DEADLINE : when));
  return int(1);
}

const family = (name: string, relative: boolean, unitMs: bigint): Command => ({
  spec: specOf(name),
  run: (args, ctx) => expireGeneric(args, ctx, name, relative, unitMs),
});

export const expire = family('expire', true, 1000n);
export const pexpire = family('pexpire', true, 1n);
export const expireat = family('expireat', false, 1000n);
export const pexpireat = family('pexpireat', false, 1n);

/** PERSIST key: 1 when a TTL was removed, 0 when the key is absent or has none. */
export const persist: Command = {
  spec: specOf('persist'),
  run(args, { db }) {
    const key = args.key();
    args.end();
    if (db.entry(key)?.expiresAt === undefined) return int(0);
    db.setExpiry(key, undefined);
    return int(1);
  },
};
