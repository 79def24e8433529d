/** Lengths and byte ranges of a string: APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE. */
import { OutOfMemoryError } from '../../document';
import { CommandError, NOT_INTEGER } from '../../errors';
import { parseInteger } from '../args';
import type { Keyspace } from '../context';
import { bulk, int, specOf, type Command } from '../types';

/** Redis's proto-max-bulk-len (512 MB): no string may grow past it. */
export const MAX_STRING_BYTES = 512 * 1024 * 1024;
export const STRING_TOO_LONG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';
export const OFFSET_OUT_OF_RANGE = 'ERR offset is out of range';

/**
 * Redis's checkStringLength, then the document's cap checked before the
 * buffer is allocated: a string longer than the whole document may hold could
 * never be stored, and allocating it first could exhaust the function's memory.
 */
function checkLength(db: Keyspace, length: number): void {
  if (length > MAX_STRING_BYTES) throw new CommandError(STRING_TOO_LONG);
  if (length > db.doc.maxBytes) throw new OutOfMemoryError();
}

/** APPEND key value: the new length. A missing key is created (even with an empty value); the TTL stays. */
export const append: Command = {
  spec: specOf('append'),
  run(args, { db }) {
    const key = args.key();
    const tail = args.next();
    const old = db.get(key);
    if (old === undefined) {
      db.set(key, tail);
      return int(tail.length);
    }
    checkLength(db, old.length + tail.length);
    db.set(key, Buffer.concat([old, tail]), { keepTtl: true });
    return int(old.length + tail.length);
  },
};

/** STRLEN key: the value's length in bytes, 0 for a missing key. */
export const strlen: Command = {
  spec: specOf('strlen'),
  run(args, { db }) {
    const key = args.key();
    return int(db.get(key)?.length ?? 0);
  },
};

/** A signed 64-bit integer as Redis's getLongLongFromObject parses it. */
function index(raw: Buffer): bigint {
  const n = parseInteger(raw);
  if (n === null) throw new CommandError(NOT_INTEGER);
  return n;
}

/**
 * Redis's getrangeCommand: both indexes are parsed before the key is read;
 * negative ones count from the end, both are clamped, and an empty or
 * inverted range is the empty string (never nil).
 */
function rangeCommand(name: 'getrange' | 'substr'): Command {
  return {
    spec: specOf(name),
    run(args, { db }) {
      const key = args.key();
      let start = index(args.next());
      let end = index(args.next());
      const value = db.get(key) ?? Buffer.alloc(0);
      const len = BigInt(value.length);
      if (start < 0n && end < 0n && start > end) return bulk(Buffer.alloc(0));
      if (start < 0n) start += len;
      if (end < 0n) end += len;
      if (start < 0n) start = 0n;
      if (end < 0n) end = 0n;
      if (end >= len) end = len - 1n;
      if (start > end || len === 0n) return bulk(Buffer.alloc(0));
      return bulk(value.subarray(Number(start), Number(end) + 1));
    },
  };
}

/** GETRANGE key start end, and SUBSTR, its older name. */
export const getrange = rangeCommand('getrange');
export const substr = rangeCommand('substr');

/**
 * SETRANGE key offset value: overwrites from `offset`, zero-padding a shorter
 * (or missing) value first; the new length. An empty value writes nothing:
 * 0 for a missing key (not created), the length of an existing one. The TTL stays.
 */
export const setrange: Command = {
  spec: specOf('setrange'),
  run(args, { db }) {
    const key = args.key();
    const offset = index(args.next());
    const patch = args.next();
    if (offset < 0n) throw new CommandError(OFFSET_OUT_OF_RANGE);
    const old = db.get(key);
    if (patch.length === 0) return int(old?.length ?? 0);
    const end = offset + BigInt(patch.length);
    if (end > BigInt(MAX_STRING_BYTES)) throw new CommandError(STRING_TOO_LONG);
    checkLength(db, Number(end));
    const base = old ?? Buffer.alloc(0);
    const out = Buffer.alloc(Math.max(base.length, Number(end)));
    base.copy(out);
    patch.copy(out, Number(offset));
    db.set(key, out, { keepTtl: true });
    return int(out.length);
  },
};
