/** SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD, SMOVE: one set's members. */
import type { Reply } from '../../contract';
import { SetValue } from '../../document';
import { keyOf } from '../../document-pages';
import { int, specOf, bulk, type Command } from '../types';

export const memberBytes = (m: string): Buffer => Buffer.from(m, 'latin1');

/** SADD key member [member ...]: the number added; nothing is written when none is new. */
export const sadd: Command = {
  spec: specOf('sadd'),
  run(args, { db }) {
    const key = args.key();
    const d = (db.read(key, 'set') ?? SetValue.EMPTY).draft();
    let added = 0;
    for (const m of args.rest()) if (d.set(keyOf(m), true)) added++;
    if (added > 0) db.update(key, new SetValue(d.done()));
    return int(added);
  },
};

/** SREM key member [member ...]: the number removed; the last one removes the key. */
export const srem: Command = {
  spec: specOf('srem'),
  run(args, { db }) {
    const key = args.key();
    const s = db.read(key, 'set');
    if (s === undefined) return int(0);
    const d = s.draft();
    let removed = 0;
    for (const m of args.rest()) if (d.delete(keyOf(m))) removed++;
    if (removed > 0) db.update(key, new SetValue(d.done()));
    return int(removed);
  },
};

/** The members as a set reply (an array on RESP2). */
export function setReply(members: Iterable<string>): Reply {
  return { t: 'set', v: Array.from(members, (m) => bulk(memberBytes(m))) };
}

/** SMEMBERS key: every member (an empty set when absent). */
export const smembers: Command = {
  spec: specOf('smembers'),
  run(args, { db }) {
    return setReply(db.read(args.key(), 'set')?.members.keys() ?? []);
  },
};

/** SISMEMBER key member: 1 or 0. */
export const sismember: Command = {
  spec: specOf('sismember'),
  run(args, { db }) {
    const key = args.key();
    const m = keyOf(args.next());
    return int(db.read(key, 'set')?.has(m) ? 1 : 0);
  },
};

/** SMISMEMBER key member [member ...]: 1 or 0 for each, in order. */
export const smismember: Command = {
  spec: specOf('smismember'),
  run(args, { db }) {
    const s = db.read(args.key(), 'set');
    return { t: 'array', v: args.rest().map((m) => int(s?.has(keyOf(m)) ? 1 : 0)) };
  },
};

/** SCARD key: the number of members. */
export const scard: Command = {
  spec: specOf('scard'),
  run(args, { db }) {
    return int(db.read(args.key(), 'set')?.size ?? 0);
  },
};

/**
 * SMOVE source destination member: 1 when moved. An absent source answers 0
 * before the destination's type is checked; source = destination changes
 * nothing and answers whether the member is there (Redis's order).
 */
export const smove: Command = {
  spec: specOf('smove'),
  run(args, { db }) {
    const src = args.key();
    const dst = args.key();
    const m = keyOf(args.next());
    const from = db.read(src, 'set');
    if (from === undefined) return int(0);
    const to = db.read(dst, 'set');
    if (src.equals(dst)) return int(from.has(m) ? 1 : 0);
    if (!from.has(m)) return int(0);
    const d = from.draft();
    d.delete(m);
    db.update(src, new SetValue(d.done()));
    const t = (to ?? SetValue.EMPTY).draft();
    if (t.set(m, true)) db.update(dst, new SetValue(t.done()));
    return int(1);
  },
};
