/**
 * Stream ids as the stream commands read them (t_stream.c's
 * streamGenericParseIDOrReply): `ms-seq`, `ms` alone (the sequence filled in
 * by the caller: 0 for a start, 2^64-1 for an end), `-` and `+`, XADD's
 * `ms-*`, and XRANGE's exclusive `(id`. Each part is read as Redis's
 * string2ull does — string2ll first, then strtoull — so `007`, ` 7` and
 * `+7` are ids as they are in Redis, and `-1` is not.
 */
import { CommandError } from '../../errors';
import { compareIds, type StreamId } from '../../document-values';

export const INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';

export const U64_MAX = 2n ** 64n - 1n;
export const MAX_ID: StreamId = { ms: U64_MAX, seq: U64_MAX };

const STRING2LL = /^(0|-?[1-9][0-9]{0,18})$/;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
/** strtoull: leading whitespace (isspace), an optional sign, decimal digits to the end. */
const STRTOULL = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/;

/** An unsigned 64-bit integer as Redis's string2ull reads it, or null. */
export function string2ull(s: string): bigint | null {
  if (STRING2LL.test(s)) {
    const n = BigInt(s);
    if (n >= INT64_MIN && n <= INT64_MAX) return n < 0n ? null : n;
  }
  const m = STRTOULL.exec(s);
  if (!m) return null;
  const n = BigInt(m[2]);
  if (n > U64_MAX) return null;
  // strtoull negates in unsigned arithmetic: "-05" is 2^64-5 (Redis accepts it, so do we).
  return m[1] === '-' ? (U64_MAX + 1n - n) % (U64_MAX + 1n) : n;
}

export interface ParsedId {
  id: StreamId;
  /** False for XADD's `ms-*`: the sequence is to be generated. */
  seqGiven: boolean;
}

/**
 * One id. `strict` refuses `-` and `+` (every id but XRANGE's bounds);
 * `allowSeqStar` accepts `ms-*` (XADD only); `missingSeq` is the sequence
 * of a bare `ms`.
 */
export function parseId(arg: Buffer, missingSeq: bigint, strict: boolean, allowSeqStar = false): ParsedId {
  // Redis copies the id into a 128-byte buffer first: anything longer is invalid.
  if (arg.length > 127) throw new CommandError(INVALID_ID);
  // C strings: the id ends at its first NUL byte.
  const nul = arg.indexOf(0);
  const s = (nul >= 0 ? arg.subarray(0, nul) : arg).toString('latin1');
  if (s === '-' || s === '+') {
    if (strict) throw new CommandError(INVALID_ID);
    return { id: s === '-' ? { ms: 0n, seq: 0n } : MAX_ID, seqGiven: true };
  }
  const dash = s.indexOf('-');
  const ms = string2ull(dash >= 0 ? s.slice(0, dash) : s);
  if (ms === null) throw new CommandError(INVALID_ID);
  if (dash < 0) return { id: { ms, seq: missingSeq }, seqGiven: true };
  const tail = s.slice(dash + 1);
  if (allowSeqStar && tail === '*') return { id: { ms, seq: 0n }, seqGiven: false };
  const seq = string2ull(tail);
  if (seq === null) throw new CommandError(INVALID_ID);
  return { id: { ms, seq }, seqGiven: true };
}

/** A strict id (no `-`/`+`): XDEL, XREAD, MINID. */
export function parseStrictId(arg: Buffer, missingSeq = 0n): StreamId {
  return parseId(arg, missingSeq, true).id;
}

/** XRANGE's bound: an id, `-`/`+`, or `(id` (exclusive; then strict). */
export function parseIntervalId(arg: Buffer, missingSeq: bigint): { id: StreamId; exclusive: boolean } {
  if (arg.length > 1 && arg[0] === 0x28 /* ( */) return { id: parseStrictId(arg.subarray(1), missingSeq), exclusive: true };
  return { id: parseId(arg, missingSeq, false).id, exclusive: false };
}

/** The id right after `id`, or null past the last possible one. */
export function nextId(id: StreamId): StreamId | null {
  if (id.seq < U64_MAX) return { ms: id.ms, seq: id.seq + 1n };
  return id.ms < U64_MAX ? { ms: id.ms + 1n, seq: 0n } : null;
}

/** The id right before `id`, or null before 0-0. */
export function prevId(id: StreamId): StreamId | null {
  if (id.seq > 0n) return { ms: id.ms, seq: id.seq - 1n };
  return id.ms > 0n ? { ms: id.ms - 1n, seq: U64_MAX } : null;
}

export const idGreater = (a: StreamId, b: StreamId): boolean => compareIds(a, b) > 0;
