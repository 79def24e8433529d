/** LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] (Redis 6.0.6). */
import type { Reply } from '../../contract';
import { CommandError, NOT_INTEGER, SYNTAX_ERROR } from '../../errors';
import { INT64_MIN, parseInteger, type Args } from '../args';
import { int, NIL, specOf, type Command } from '../types';
import { readList } from './list';

const RANK_ZERO = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";

interface LposOptions {
  rank: bigint;
  /** null: no COUNT (one index or nil); 0: every match. */
  count: bigint | null;
  /** Elements compared at most; 0: no limit. */
  maxlen: bigint;
}

/** A non-negative integer, or `message` (Redis gives its text for a non-integer too). */
function positive(args: Args, message: string): bigint {
  const n = parseInteger(args.next());
  if (n === null || n < 0n) throw new CommandError(message);
  return n;
}

function parseOptions(args: Args): LposOptions {
  const o: LposOptions = { rank: 1n, count: null, maxlen: 0n };
  while (args.left > 0) {
    const w = args.word();
    if (args.left === 0) throw new CommandError(SYNTAX_ERROR);
    if (w === 'rank') {
      const r = parseInteger(args.next());
      if (r === null) throw new CommandError(NOT_INTEGER);
      if (r === 0n) throw new CommandError(RANK_ZERO);
      o.rank = r;
    } else if (w === 'count') o.count = positive(args, "ERR COUNT can't be negative");
    else if (w === 'maxlen') o.maxlen = positive(args, "ERR MAXLEN can't be negative");
    else throw new CommandError(SYNTAX_ERROR);
  }
  return o;
}

export const lpos: Command = {
  spec: specOf('lpos'),
  run(args, { db }) {
    const key = args.key();
    const element = args.next();
    const o = parseOptions(args);
    const list = readList(db, key);
    if (!list) return o.count === null ? NIL : { t: 'array', v: [] };
    const fromTail = o.rank < 0n;
    // Redis negates the rank in a C long: the most negative one stays negative, so its first match counts.
    const skip = o.rank === INT64_MIN ? 0n : o.rank < 0n ? -o.rank - 1n : o.rank - 1n;
    const want = o.count === null ? 1n : o.count;
    const size = list.size;
    const walk = fromTail ? list.items.reverse() : list.items.range();
    const found: Reply[] = [];
    let seen = 0n;
    let compared = 0n;
    let i = 0;
    for (const item of walk) {
      if (o.maxlen !== 0n && compared >= o.maxlen) break;
      compared++;
      if (item.equals(element) && seen++ >= skip) {
        found.push(int(fromTail ? size - 1 - i : i));
        if (want !== 0n && BigInt(found.length) >= want) break;
      }
      i++;
    }
    if (o.count !== null) return { t: 'array', v: found };
    return found[0] ?? NIL;
  },
};
