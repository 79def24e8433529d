/**
 * SET's and GETEX's options (Redis's parseExtendedStringArgumentsOrReply) and
 * the conversion of an expiry argument into an absolute deadline
 * (getExpireMillisecondsOrReply), with redis-server 7.0's checks and texts.
 */
import { CommandError, NOT_INTEGER, SYNTAX_ERROR } from '../../errors';
import { INT64_MAX, parseInteger, type Args } from '../args';

export const invalidExpireTime = (command: string): string => `ERR invalid expire time in '${command}' command`;

/** How an expiry argument counts: relative seconds / ms, or absolute Unix seconds / ms. */
export type ExpiryUnit = 'ex' | 'px' | 'exat' | 'pxat';

export interface ExtendedOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  persist: boolean;
  /** The last expiry option given (Redis lets `EX 1 EX 2` through: the last wins). */
  expiry?: { unit: ExpiryUnit; raw: Buffer };
}

const EXPIRY_UNITS: readonly string[] = ['ex', 'px', 'exat', 'pxat'];

/**
 * Parses the options after SET's value or GETEX's key. As in Redis an option
 * may repeat, but one that conflicts with an earlier one (NX after XX, EX after
 * PX, KEEPTTL after EX, ...), one the command does not take, or an expiry
 * option with no value is a syntax error. Values are only read here; they are
 * converted later (Redis reports a syntax error anywhere before a bad number).
 */
export function parseExtended(args: Args, command: 'set' | 'getex'): ExtendedOptions {
  const o: ExtendedOptions = { nx: false, xx: false, get: false, keepTtl: false, persist: false };
  const isSet = command === 'set';
  while (args.left > 0) {
    const w = args.word();
    const unit = o.expiry?.unit;
    const otherUnit = (u: ExpiryUnit) => unit !== undefined && unit !== u;
    if (w === 'nx' && isSet && !o.xx) o.nx = true;
    else if (w === 'xx' && isSet && !o.nx) o.xx = true;
    else if (w === 'get' && isSet) o.get = true;
    else if (w === 'keepttl' && isSet && unit === undefined) o.keepTtl = true;
    else if (w === 'persist' && !isSet && unit === undefined) o.persist = true;
    else if (EXPIRY_UNITS.includes(w) && !o.keepTtl && !o.persist && !otherUnit(w as ExpiryUnit) && args.left > 0) {
      o.expiry = { unit: w as ExpiryUnit, raw: args.next() };
    } else throw new CommandError(SYNTAX_ERROR);
  }
  return o;
}

/**
 * The absolute deadline (Unix ms) an expiry argument names. Zero, negative,
 * and anything whose milliseconds would not fit a signed 64-bit integer (once
 * the clock is added, for relative times) is Redis's "invalid expire time";
 * a word that is not an integer is "not an integer".
 *
 * Deadlines beyond 2^53 ms (year 287396) are kept as 2^53 - 1: the document
 * stores them as JSON numbers. Such a key never expires either way; only its
 * PTTL reads lower than Redis's.
 */
export function deadline(raw: Buffer, unit: ExpiryUnit, now: number, command: string): number {
  const n = parseInteger(raw);
  if (n === null) throw new CommandError(NOT_INTEGER);
  const seconds = unit === 'ex' || unit === 'exat';
  if (n <= 0n || (seconds && n > INT64_MAX / 1000n)) throw new CommandError(invalidExpireTime(command));
  let ms = seconds ? n * 1000n : n;
  if (unit === 'ex' || unit === 'px') ms += BigInt(now);
  if (ms > INT64_MAX) throw new CommandError(invalidExpireTime(command));
  return ms > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(ms);
}
