/** LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] (Redis 7.0), and what BLMPOP shares with it. */
import type { Reply } from '../../contract';
import { CommandError, SYNTAX_ERROR } from '../../errors';
import { NULL_ARRAY } from '../../transaction';
import { parseInteger, type Args } from '../args';
import type { Keyspace } from '../context';
import { bulk, specOf, type Command } from '../types';
import { parseEnd, popItems, readList, type End } from './list';

export interface MpopRequest {
  keys: Buffer[];
  end: End;
  count: bigint;
}

/** getRangeLongFromObjectOrReply with a message: its text also for a word that is no integer. */
function atLeastOne(b: Buffer, message: string): bigint {
  const n = parseInteger(b);
  if (n === null || n < 1n) throw new CommandError(message);
  return n;
}

/** numkeys, the keys, LEFT|RIGHT, then at most one COUNT: in Redis's order and with its errors. */
export function parseMpop(args: Args): MpopRequest {
  const numkeys = atLeastOne(args.next(), 'ERR numkeys should be greater than 0');
  if (BigInt(args.left) < numkeys + 1n) throw new CommandError(SYNTAX_ERROR);
  const keys = Array.from({ length: Number(numkeys) }, () => args.key());
  const end = parseEnd(args);
  let count: bigint | null = null;
  while (args.left > 0) {
    const w = args.word();
    if (count !== null || w !== 'count' || args.left === 0) throw new CommandError(SYNTAX_ERROR);
    count = atLeastOne(args.next(), 'ERR count should be greater than 0');
  }
  return { keys, end, count: count ?? 1n };
}

/** Pops from the first key that holds a list: `[key, [elements]]`, or null when none does. */
export function mpop(db: Keyspace, req: MpopRequest): Reply | null {
  for (const key of req.keys) {
    const list = readList(db, key);
    if (!list) continue;
    const n = req.count > BigInt(list.size) ? list.size : Number(req.count);
    return { t: 'array', v: [bulk(key), { t: 'array', v: popItems(db, key, list, req.end, n).map(bulk) }] };
  }
  return null;
}

export const lmpop: Command = {
  spec: specOf('lmpop'),
  run(args, { db }) {
    return mpop(db, parseMpop(args)) ?? NULL_ARRAY;
  },
};
