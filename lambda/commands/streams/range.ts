/**
 * XLEN, XRANGE and XREVRANGE. The bounds are ids, `-`/`+`, or exclusive
 * `(id`; a bare `ms` means `ms-0` as a start and `ms-18446744073709551615`
 * as an end. COUNT 0 (or negative) answers a null array, as Redis does.
 */
import { CommandError, NOT_INTEGER, SYNTAX_ERROR } from '../../errors';
import { compareIds, type StreamItem, type StreamValue, type StreamId } from '../../document-values';
import { parseInteger, type Args } from '../args';
import type { CommandContext } from '../context';
import type { Reply } from '../../contract';
import { int, specOf, type Command } from '../types';
import { entriesReply } from './entries';
import { nextId, parseIntervalId, prevId, U64_MAX } from './ids';

/** Redis's null array: `*-1` on RESP2. */
export const NULL_ARRAY: Reply = { t: 'null', array: true };

export const INVALID_START = 'ERR invalid start ID for the interval';
export const INVALID_END = 'ERR invalid end ID for the interval';

export const xlen: Command = {
  spec: specOf('xlen'),
  run(args, { db }) {
    const key = args.key();
    args.end();
    return int(db.read(key, 'stream')?.size ?? 0);
  },
};

/** Entries with start ≤ id ≤ end, oldest first (or newest first), at most `count` (0: all). */
export function* entriesBetween(s: StreamValue, start: StreamId, end: StreamId, count: number, rev: boolean): IterableIterator<StreamItem> {
  if (compareIds(start, end) > 0) return;
  const from = s.lowerBound(start);
  const after = nextId(end);
  const to = after === null ? s.size : s.lowerBound(after);
  let n = 0;
  for (const e of rev ? s.entries.reverse(to - 1, from) : s.entries.range(from, to)) {
    if (count > 0 && n++ >= count) return;
    yield e;
  }
}

function rangeCommand(args: Args, { db }: CommandContext, rev: boolean): Reply {
  const key = args.key();
  const [startArg, endArg] = rev ? [args.next(), args.next()].reverse() : [args.next(), args.next()];
  const start = parseIntervalId(startArg, 0n);
  let startId: StreamId = start.id;
  if (start.exclusive) {
    const n = nextId(start.id);
    if (n === null) throw new CommandError(INVALID_START);
    startId = n;
  }
  const end = parseIntervalId(endArg, U64_MAX);
  let endId: StreamId = end.id;
  if (end.exclusive) {
    const p = prevId(end.id);
    if (p === null) throw new CommandError(INVALID_END);
    endId = p;
  }
  let count = -1;
  while (args.left > 0) {
    // COUNT needs a value after it; the last COUNT wins.
    if (args.left >= 2 && args.option('count')) {
      const c = parseInteger(args.next());
      if (c === null) throw new CommandError(NOT_INTEGER);
      count = c < 0n ? 0 : c > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(c);
    } else throw new CommandError(SYNTAX_ERROR);
  }
  const s = db.read(key, 'stream');
  if (s === undefined) return { t: 'array', v: [] };
  if (count === 0) return NULL_ARRAY;
  return entriesReply(entriesBetween(s, startId, endId, count < 0 ? 0 : count, rev));
}

export const xrange: Command = { spec: specOf('xrange'), run: (args, ctx) => rangeCommand(args, ctx, false) };
export const xrevrange: Command = { spec: specOf('xrevrange'), run: (args, ctx) => rangeCommand(args, ctx, true) };
