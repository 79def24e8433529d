/** HRANDFIELD key [count [WITHVALUES]]. */
import type { Reply } from '../../contract';
import { CommandError, SYNTAX_ERROR } from '../../errors';
import { anyIndexes, checkRandomCount, distinctIndexes, pick } from '../random';
import { bulk, NIL, specOf, type Command } from '../types';

const INT64_RANGE = 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';
const MAX = 2n ** 63n - 1n;

/**
 * Without a count: one random field, or nil. With one: that many distinct
 * fields (at most all of them), or with a negative count exactly |count|
 * fields that may repeat; WITHVALUES pairs each with its value (nested
 * pairs on RESP3, a flat array on RESP2). Checks in Redis's order: the
 * count, the syntax, the key.
 */
export const hrandfield: Command = {
  spec: specOf('hrandfield'),
  run(args, { db }) {
    const key = args.key();
    if (args.left === 0) {
      const h = db.read(key, 'hash');
      if (h === undefined) return NIL;
      return bulk(Buffer.from(h.fields.nth(Math.floor(Math.random() * h.size))[0], 'latin1'));
    }
    const n = args.integer();
    if (n < -MAX) throw new CommandError(INT64_RANGE);
    const extra = args.rest();
    if (extra.length > 1 || (extra.length === 1 && extra[0].toString('latin1').toLowerCase() !== 'withvalues')) throw new CommandError(SYNTAX_ERROR);
    const withValues = extra.length === 1;
    if (withValues && (n < -MAX / 2n || n > MAX / 2n)) throw new CommandError('ERR value is out of range');
    const h = db.read(key, 'hash');
    const count = n < 0n ? -n : n;
    if (h === undefined || count === 0n) return { t: 'array', v: [] };
    let fields: [string, Buffer][];
    if (n > 0n && count >= BigInt(h.size)) fields = [...h.fields.entries()];
    else {
      checkRandomCount(Number(count));
      const indexes = n < 0n ? anyIndexes(h.size, Number(count)) : distinctIndexes(h.size, Number(count));
      fields = pick(h.fields.entries(), indexes);
    }
    const pairs = fields.map(([f, v]): [Reply, Reply] => [bulk(Buffer.from(f, 'latin1')), bulk(v)]);
    return withValues ? { t: 'pairs', v: pairs } : { t: 'array', v: pairs.map(([f]) => f) };
  },
};
