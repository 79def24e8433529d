/**
 * XADD's and XTRIM's trimming options (t_stream.c's
 * streamParseAddOrTrimArgsOrReply, error for error) and the trimming itself.
 *
 * `~` (approximate) trimming: Redis removes only whole radix-tree nodes
 * (up to stream-node-max-entries = 100 entries, or 4 KB, each), so it may
 * keep more entries than asked — how many depends on a node layout that
 * db.json does not record. valthree trims `~` exactly, still capped by
 * LIMIT (default 100 × 100 = 10,000 entries, as Redis). What Redis
 * promises for `~` holds: never fewer entries kept than asked, never more
 * removed than LIMIT. A client that looks (XLEN after MAXLEN ~) may see
 * fewer entries than Redis would keep; the differential test does not
 * generate `~` trims for that reason.
 */
import { CommandError, NOT_INTEGER, SYNTAX_ERROR } from '../../errors';
import { parseInteger } from '../args';
import { StreamValue, type StreamId } from '../../document-values';
import { parseId, parseStrictId, type ParsedId } from './ids';

export const MAXLEN_AND_MINID = 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible';
export const MAXLEN_NEGATIVE = 'ERR The MAXLEN argument must be >= 0.';
export const LIMIT_NEGATIVE = 'ERR The LIMIT argument must be >= 0.';
export const LIMIT_WITHOUT_STRATEGY = 'ERR syntax error, LIMIT cannot be used without specifying a trimming strategy';
export const XTRIM_WITHOUT_STRATEGY = 'ERR syntax error, XTRIM must be called with a trimming strategy';
export const LIMIT_WITHOUT_TILDE = 'ERR syntax error, LIMIT cannot be used without the special ~ option';

/** Redis's default LIMIT for `~`: 100 × stream-node-max-entries (100). */
const DEFAULT_APPROX_LIMIT = 100 * 100;

export type Trim = { kind: 'none' } | { kind: 'maxlen'; maxlen: bigint; limit: number } | { kind: 'minid'; minid: StreamId; limit: number };

export interface AddTrimArgs {
  trim: Trim;
  /** XADD NOMKSTREAM. */
  noMkStream: boolean;
  /** Index (in `words`) of XADD's id argument; words.length for XTRIM. */
  idAt: number;
  /** XADD's explicit id (null: `*`, or none at all). */
  id: ParsedId | null;
}

const lower = (b: Buffer) => b.toString('latin1').toLowerCase();
const is = (b: Buffer, s: string) => b.length === s.length && b.toString('latin1') === s;

function int64(b: Buffer): bigint {
  const n = parseInteger(b);
  if (n === null) throw new CommandError(NOT_INTEGER);
  return n;
}

/**
 * Parses `words` (the arguments after the key). For XADD it stops at the
 * id — `*`, or the first word that is no option — and never looks past it.
 */
export function parseAddTrimArgs(words: readonly Buffer[], xadd: boolean): AddTrimArgs {
  let strategy: 'none' | 'maxlen' | 'minid' = 'none';
  let approx = false;
  let maxlen = 0n;
  let minid: StreamId = { ms: 0n, seq: 0n };
  let limit = 0n;
  let limitGiven = false;
  let noMkStream = false;
  let id: ParsedId | null = null;
  let i = 0;
  for (; i < words.length; i++) {
    const more = words.length - 1 - i;
    const opt = lower(words[i]);
    // '*' ends the options; Redis compares it as a C string, so "*\0…" counts too.
    if (xadd && words[i][0] === 0x2a && (words[i].length === 1 || words[i][1] === 0)) break;
    if ((opt === 'maxlen' || opt === 'minid') && more > 0) {
      if (strategy !== 'none') throw new CommandError(MAXLEN_AND_MINID);
      approx = false;
      // `~` or `=` counts as the operator only when a value follows it.
      if (more >= 2 && (is(words[i + 1], '~') || is(words[i + 1], '='))) {
        approx = is(words[i + 1], '~');
        i++;
      }
      if (opt === 'maxlen') {
        maxlen = int64(words[i + 1]);
        if (maxlen < 0n) throw new CommandError(MAXLEN_NEGATIVE);
      } else {
        minid = parseStrictId(words[i + 1]);
      }
      i++;
      strategy = opt;
    } else if (opt === 'limit' && more > 0) {
      limit = int64(words[i + 1]);
      if (limit < 0n) throw new CommandError(LIMIT_NEGATIVE);
      limitGiven = true;
      i++;
    } else if (xadd && opt === 'nomkstream') {
      noMkStream = true;
    } else if (xadd) {
      // The id, or a misspelt option, which Redis reports as an invalid id before any other check.
      id = parseId(words[i], 0n, true, true);
      break;
    } else {
      throw new CommandError(SYNTAX_ERROR);
    }
  }
  if (limit !== 0n && strategy === 'none') throw new CommandError(LIMIT_WITHOUT_STRATEGY);
  if (!xadd && strategy === 'none') throw new CommandError(XTRIM_WITHOUT_STRATEGY);
  if (limitGiven && !approx) throw new CommandError(LIMIT_WITHOUT_TILDE);
  // LIMIT 0 means no limit; without LIMIT, `~` gets Redis's default and an exact trim none.
  const cap = limitGiven ? Number(limit > BigInt(Number.MAX_SAFE_INTEGER) ? 0n : limit) : approx ? DEFAULT_APPROX_LIMIT : 0;
  const trim: Trim = strategy === 'maxlen' ? { kind: 'maxlen', maxlen, limit: cap } : strategy === 'minid' ? { kind: 'minid', minid, limit: cap } : { kind: 'none' };
  return { trim, noMkStream, idAt: i, id };
}

/** The stream trimmed (entries removed from the front) and how many went. */
export function trimStream(s: StreamValue, trim: Trim): { value: StreamValue; deleted: number } {
  let n = 0;
  if (trim.kind === 'maxlen') {
    const excess = BigInt(s.size) - trim.maxlen;
    n = excess > 0n ? Number(excess) : 0;
  } else if (trim.kind === 'minid') {
    n = s.lowerBound(trim.minid);
  }
  if (trim.kind !== 'none' && trim.limit > 0) n = Math.min(n, trim.limit);
  if (n === 0) return { value: s, deleted: 0 };
  // Trimming is not deletion: Redis leaves max-deleted-entry-id alone (XDEL sets it).
  return { value: new StreamValue(s.entries.splice(0, n), s.lastId, s.entriesAdded, s.maxDeletedId), deleted: n };
}

