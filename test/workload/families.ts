/**
 * Registers inside aggregates (issue 14), for the register workload: each
 * rotation adds a hash with two fields, a sorted set with two members and a
 * set with two members, and every field or member is a register of its own,
 * which the per-key check treats exactly as it treats a key. HGET / HSET /
 * HDEL / HINCRBY and ZSCORE / ZADD / ZREM / ZINCRBY stand for GET / SET / DEL
 * / INCR(BY), with the same meaning: a missing field or member reads as nil,
 * HDEL and ZREM answer how many they removed, an increment of a missing one
 * starts from 0. A set member is a register of one value, "1" while it is
 * in the set: SADD sets it, SREM deletes it, SISMEMBER reads it. Two
 * registers share each aggregate, so removing one leaves the other, and
 * removing the last removes the key (the next write creates it again).
 *
 * A register's id names its place: `hash:<key>|<field>`, `zset:<key>|<member>`,
 * `set:<key>|<member>`. Sorted-set members hold integer scores only, so they
 * are counters; set members hold "1" only, so they are neither.
 */
import type { OpInput } from '../checker/history';
import type { Resp } from '../support/resp-client';

export type Family = 'hash' | 'zset' | 'set';

export interface Place {
  family: Family;
  key: string;
  member: string;
}

const PLACE = /^(hash|zset|set):(.+)\|([^|]+)$/;

/** The aggregate registers of one rotation: hash fields f0 (a plain register) and f1 (a counter), zset members m0 and m1, set members s0 and s1. */
export function familyKeys(runId: string, rotation: number): string[] {
  const [hash, zset, set] = ['wlh', 'wlz', 'wls'].map((p) => `${p}:${runId}:${rotation}`);
  return [`hash:${hash}|f0`, `hash:${hash}|f1`, `zset:${zset}|m0`, `zset:${zset}|m1`, `set:${set}|s0`, `set:${set}|s1`];
}

/** The one value a set member's register holds. */
export const IN_SET = '1';

/** Where a register lives, or null for a plain key. */
export function placeOf(register: string): Place | null {
  const m = PLACE.exec(register);
  return m ? { family: m[1] as Family, key: m[2], member: m[3] } : null;
}

/** Whether the register holds integers (INCR-like operations, integer SETs). */
export const isCounter = (p: Place): boolean => p.family === 'zset' || p.member === 'f1';

/** The command for an operation on an aggregate register, or null for a plain key. */
export function familyCommand(input: OpInput): string[] | null {
  if (input.op === 'flushall') return null;
  const p = placeOf(input.key);
  if (!p) return null;
  if (p.family === 'set') return setCommand(input, p);
  const hash = p.family === 'hash';
  switch (input.op) {
    case 'get':
      return hash ? ['HGET', p.key, p.member] : ['ZSCORE', p.key, p.member];
    case 'set':
      return hash ? ['HSET', p.key, p.member, input.value] : ['ZADD', p.key, input.value, p.member];
    case 'del':
      return hash ? ['HDEL', p.key, p.member] : ['ZREM', p.key, p.member];
    case 'incr': {
      const by = String(input.by ?? 1);
      return hash ? ['HINCRBY', p.key, p.member, by] : ['ZINCRBY', p.key, by, p.member];
    }
    default:
      // TTLs are per key, not per field (Redis 7.0 has no field expiry): the workload never asks.
      throw new Error(`${input.op} on the aggregate register ${input.key}`);
  }
}

function setCommand(input: Exclude<OpInput, { op: 'flushall' }>, p: Place): string[] {
  if (input.op === 'get') return ['SISMEMBER', p.key, p.member];
  if (input.op === 'set' && input.value === IN_SET && input.px === undefined) return ['SADD', p.key, p.member];
  if (input.op === 'del') return ['SREM', p.key, p.member];
  throw new Error(`${input.op} on the set member register ${input.key}`);
}

/**
 * The reply in the shape the register model reads: HSET's and ZADD's count
 * of new members is their "OK", ZINCRBY's new score (an integer's text) its
 * integer, SISMEMBER's 1 the value "1" and its 0 nil. Anything else passes
 * unchanged, so a wrong reply stays wrong.
 */
export function familyReply(input: OpInput, r: Resp): Resp {
  const p = input.op === 'flushall' ? null : placeOf(input.key);
  if (!p) return r;
  if (p.family === 'set' && input.op === 'set' && r.t === 'int') return { t: 'simple', v: 'OK' };
  if (p.family === 'set' && input.op === 'get' && r.t === 'int') return r.v === 1n ? { t: 'bulk', v: Buffer.from(IN_SET) } : r.v === 0n ? { t: 'null' } : r;
  if (p.family === 'set') return r;
  if (input.op === 'set' && r.t === 'int') return { t: 'simple', v: 'OK' };
  if (input.op === 'incr' && r.t === 'bulk' && /^-?\d+$/.test(r.v.toString('latin1'))) return { t: 'int', v: BigInt(r.v.toString('latin1')) };
  return r;
}
