/** Reads that also write: GETSET, GETDEL, GETEX. Each replies with the value before the change. */
import { bulk, NIL, specOf, type Command } from '../types';
import { deadline, parseExtended } from './expiry';

/** GETSET key value: the old value (or nil); the new value drops any TTL, as SET does. */
export const getset: Command = {
  spec: specOf('getset'),
  run(args, { db }) {
    const key = args.key();
    const value = args.next();
    const old = db.get(key);
    db.set(key, value);
    return old === undefined ? NIL : bulk(old);
  },
};

/** GETDEL key: the value (or nil), and the key is gone. */
export const getdel: Command = {
  spec: specOf('getdel'),
  run(args, { db }) {
    const key = args.key();
    const old = db.get(key);
    if (old === undefined) return NIL;
    db.delete(key);
    return bulk(old);
  },
};

/**
 * GETEX key [EX s|PX ms|EXAT unix-s|PXAT unix-ms|PERSIST]. As in Redis 7.0 the
 * options are parsed first (syntax errors always show), but the time is only
 * checked once the key is known to exist: on a missing key even `EX 0` is nil.
 * An absolute time at or before now deletes the key (Redis's
 * checkAlreadyExpired counts the deadline itself as passed here).
 */
export const getex: Command = {
  spec: specOf('getex'),
  run(args, { db, now }) {
    const key = args.key();
    const o = parseExtended(args, 'getex');
    const value = db.get(key);
    if (value === undefined) return NIL;
    if (o.expiry) {
      const at = deadline(o.expiry.raw, o.expiry.unit, now, 'getex');
      const absolute = o.expiry.unit === 'exat' || o.expiry.unit === 'pxat';
      if (absolute && at <= now) db.delete(key);
      else db.setExpiry(key, at);
    } else if (o.persist && db.ttl(key) >= 0) {
      db.setExpiry(key, undefined);
    }
    return bulk(value);
  },
};
