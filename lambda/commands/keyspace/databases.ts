/**
 * Whole databases: FLUSHDB, SWAPDB, DBSIZE, and the database-index argument
 * (COPY … DB, MOVE, SWAPDB) parsed as Redis does.
 */
import { CommandError, DB_OUT_OF_RANGE, NOT_INTEGER, outOfRange, SYNTAX_ERROR } from '../../errors';
import { parseInteger } from '../args';
import type { Args } from '../args';
import { int, OK, specOf, type Command } from '../types';

/** SELECT's range: databases 0–15, Redis's default `databases 16`. */
export const DATABASES = 16;
const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;

/**
 * A C int as Redis's getIntFromObjectOrReply reads it: not an integer is
 * `message` (or Redis's generic text), an integer beyond 32 bits is
 * `message` (or the range text).
 */
export function parseInt32(word: Buffer, message?: string): number {
  const n = parseInteger(word);
  if (n === null) throw new CommandError(message ?? NOT_INTEGER);
  if (n < INT_MIN || n > INT_MAX) throw new CommandError(message ?? outOfRange(INT_MIN, INT_MAX));
  return Number(n);
}

/** A database index must name one of the 16 databases. */
export function checkDb(n: number): number {
  if (n < 0 || n >= DATABASES) throw new CommandError(DB_OUT_OF_RANGE);
  return n;
}

/** FLUSHALL's and FLUSHDB's optional ASYNC|SYNC: both are one commit here, so they mean the same. */
export function flushMode(args: Args): void {
  if (args.left > 0 && args.option('async', 'sync') === null) throw new CommandError(SYNTAX_ERROR);
  args.end();
}

/** FLUSHDB [ASYNC|SYNC]: empties the connection's database. */
export const flushdb: Command = {
  spec: specOf('flushdb'),
  run(args, { db }) {
    flushMode(args);
    db.clear();
    return OK;
  },
};

/** SWAPDB index1 index2: both indexes are parsed (each with its own error) before either is range-checked. */
export const swapdb: Command = {
  spec: specOf('swapdb'),
  run(args, { db }) {
    const a = parseInt32(args.next(), 'ERR invalid first DB index');
    const b = parseInt32(args.next(), 'ERR invalid second DB index');
    args.end();
    db.inDb(checkDb(a)).swapWith(checkDb(b));
    return OK;
  },
};

/** DBSIZE: keys held, counting expired ones not removed yet, as Redis does. */
export const dbsize: Command = {
  spec: specOf('dbsize'),
  run(args, { db }) {
    args.end();
    return int(db.size);
  },
};
