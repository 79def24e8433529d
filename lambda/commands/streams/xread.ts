/**
 * XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]
 *
 * Entries with ids greater than each stream's given id. With BLOCK and
 * nothing to answer, a client's own XREAD answers "blocked" (blockOr): the
 * proxy parks it and sends the retry argv again when a key is written — with
 * each `$` replaced by that stream's last id at this first attempt, so an
 * entry added between two attempts is answered rather than skipped
 * (BullMQ's QueueEvents reads its event stream with `XREAD BLOCK … $`).
 * Inside MULTI it answers nil at once, as Redis does; from a script it is
 * refused (xreadScriptRefusal, checked by the scripting layer).
 */
import type { Reply } from '../../contract';
import { compareIds, formatId, type StreamId } from '../../document-values';
import { CommandError, NOT_INTEGER, SYNTAX_ERROR, TIMEOUT_NEGATIVE, TIMEOUT_NOT_INTEGER } from '../../errors';
import { parseInteger } from '../args';
import { blockOr } from '../blocking';
import { bulk, specOf, type Command } from '../types';
import { entriesReply } from './entries';
import { MAX_ID, nextId, parseStrictId } from './ids';
import { entriesBetween, NULL_ARRAY } from './range';

export const GROUP_ONLY_XREADGROUP = 'ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.';
export const NOACK_ONLY_XREADGROUP = 'ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.';
export const GT_ONLY_XREADGROUP = 'ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.';
export const UNBALANCED = "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.";

/** A timeout this long is forever in practice; the proxy's timers want safe integers. */
const FOREVER_MS = Math.floor(Number.MAX_SAFE_INTEGER / 2);

const lower = (b: Buffer) => b.toString('latin1').toLowerCase();
const is = (b: Buffer, s: string) => b.length === s.length && b.toString('latin1') === s;

interface XreadArgs {
  /** null: no BLOCK. */
  blockMs: number | null;
  /** 0: no limit. */
  count: number;
  keys: Buffer[];
  ids: Buffer[];
}

/** The options, in Redis's order of checks; `onBlock` runs when BLOCK is met (a script's refusal). */
function parseXread(words: readonly Buffer[], onBlock?: () => void): XreadArgs {
  let blockMs: number | null = null;
  let count = 0;
  for (let i = 0; i < words.length; i++) {
    const more = words.length - 1 - i;
    const o = lower(words[i]);
    if (o === 'block' && more > 0) {
      onBlock?.();
      const t = parseInteger(words[++i]);
      if (t === null) throw new CommandError(TIMEOUT_NOT_INTEGER);
      if (t < 0n) throw new CommandError(TIMEOUT_NEGATIVE);
      blockMs = t > BigInt(FOREVER_MS) ? 0 : Number(t);
    } else if (o === 'count' && more > 0) {
      const c = parseInteger(words[++i]);
      if (c === null) throw new CommandError(NOT_INTEGER);
      count = c < 0n ? 0 : c > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(c);
    } else if (o === 'streams' && more > 0) {
      if (more % 2 !== 0) throw new CommandError(UNBALANCED);
      const n = more / 2;
      return { blockMs, count, keys: words.slice(i + 1, i + 1 + n), ids: words.slice(i + 1 + n) };
    } else if (o === 'group' && more >= 2) {
      throw new CommandError(GROUP_ONLY_XREADGROUP);
    } else if (o === 'noack') {
      throw new CommandError(NOACK_ONLY_XREADGROUP);
    } else {
      throw new CommandError(SYNTAX_ERROR);
    }
  }
  // No STREAMS.
  throw new CommandError(SYNTAX_ERROR);
}

/**
 * Redis refuses XREAD … BLOCK from a script (CLIENT_LUA) when its parser
 * reaches BLOCK — an error, where MULTI gets a nil. The error text, or null
 * when the script's XREAD should run (and report any other error itself).
 */
export function xreadScriptRefusal(argv: readonly Buffer[]): string | null {
  // A wrong arity is reported before the command runs, so before its parser meets BLOCK.
  if (argv.length < 4) return null;
  const refusal = `ERR ${argv[0].toString('latin1')} command is not allowed with BLOCK option from scripts`;
  try {
    parseXread(argv.slice(1), () => {
      throw new CommandError(refusal);
    });
  } catch (e) {
    if (e instanceof CommandError && e.reply === refusal) return refusal;
  }
  return null;
}

export const xread: Command = {
  spec: specOf('xread'),
  run(args, ctx) {
    const words = args.rest();
    const { blockMs, count, keys, ids } = parseXread(words);
    // Each key's type, then its id, in order: Redis reports the first problem it meets.
    const after: StreamId[] = [];
    const resolved = ids.slice();
    keys.forEach((key, i) => {
      const s = ctx.db.read(key, 'stream');
      if (is(ids[i], '$')) {
        after.push(s?.lastId ?? { ms: 0n, seq: 0n });
        resolved[i] = Buffer.from(formatId(after[i]), 'latin1');
      } else if (is(ids[i], '>')) {
        throw new CommandError(GT_ONLY_XREADGROUP);
      } else {
        after.push(parseStrictId(ids[i]));
      }
    });
    const served: [Reply, Reply][] = [];
    keys.forEach((key, i) => {
      const s = ctx.db.read(key, 'stream');
      const last = s?.entries.last;
      if (!s || !last || compareIds(last.id, after[i]) <= 0) return;
      const start = nextId(after[i]);
      if (start === null) return;
      served.push([bulk(key), entriesReply(entriesBetween(s, start, MAX_ID, count, false))]);
    });
    // A map on RESP3; on RESP2 Redis answers [key, entries] pairs, not one flat array.
    if (served.length > 0) return { t: 'map', v: served, nested: true };
    if (blockMs === null) return NULL_ARRAY;
    const streamsAt = words.length - 2 * keys.length;
    const retry = [Buffer.from('XREAD'), ...words.slice(0, streamsAt), ...keys, ...resolved];
    return blockOr(ctx, NULL_ARRAY, retry, keys, blockMs);
  },
};
