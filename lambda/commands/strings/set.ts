/** SET and its older single-purpose forms: SETNX, SETEX, PSETEX. */
import type { Reply } from '../../contract';
import type { CommandContext } from '../context';
import { bulk, int, NIL, OK, specOf, type Command } from '../types';
import { deadline, parseExtended, type ExpiryUnit } from './expiry';

interface Write {
  nx?: boolean;
  xx?: boolean;
  get?: boolean;
  keepTtl?: boolean;
  expiry?: { unit: ExpiryUnit; raw: Buffer };
}

/**
 * Redis's setGenericCommand: the expiry is checked first (so a bad time is an
 * error even when NX/XX would skip the write), then GET reads the old value,
 * then NX/XX decide. The reply is the old value with GET, else OK, or nil
 * when NX/XX skipped the write. Returns undefined when skipped without GET so
 * SETNX can answer 0.
 */
function setGeneric(ctx: CommandContext, key: Buffer, value: Buffer, w: Write, command: string): Reply | undefined {
  const { db, now } = ctx;
  const expiresAt = w.expiry && deadline(w.expiry.raw, w.expiry.unit, now, command);
  const old = w.get ? db.get(key) : undefined;
  const found = w.get ? old !== undefined : w.nx || w.xx ? db.has(key) : false;
  const reply = w.get ? (old === undefined ? NIL : bulk(old)) : OK;
  if ((w.nx && found) || (w.xx && !found)) return w.get ? reply : undefined;
  // A deadline already past (EXAT/PXAT in the past): Redis stores the key
  // already expired, so it is gone at once; nothing is kept of it.
  if (expiresAt !== undefined && expiresAt < now) db.delete(key);
  else db.set(key, value, expiresAt === undefined ? { keepTtl: w.keepTtl } : { expiresAt });
  return reply;
}

/** SET key value [NX|XX] [GET] [EX s|PX ms|EXAT unix-s|PXAT unix-ms|KEEPTTL] */
export const set: Command = {
  spec: specOf('set'),
  run(args, ctx) {
    const key = args.key();
    const value = args.next();
    const o = parseExtended(args, 'set');
    return setGeneric(ctx, key, value, o, 'set') ?? NIL;
  },
};

/** SETNX key value: 1 when it set the key, 0 when the key existed. */
export const setnx: Command = {
  spec: specOf('setnx'),
  run(args, ctx) {
    const key = args.key();
    const value = args.next();
    return int(setGeneric(ctx, key, value, { nx: true }, 'setnx') ? 1 : 0);
  },
};

function setWithExpiry(name: 'setex' | 'psetex', unit: ExpiryUnit): Command {
  return {
    spec: specOf(name),
    run(args, ctx) {
      const key = args.key();
      const raw = args.next();
      const value = args.next();
      return setGeneric(ctx, key, value, { expiry: { unit, raw } }, name) ?? NIL;
    },
  };
}

/** SETEX key seconds value / PSETEX key milliseconds value. */
export const setex = setWithExpiry('setex', 'ex');
export const psetex = setWithExpiry('psetex', 'px');
