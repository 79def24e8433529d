/** LMOVE and RPOPLPUSH: pop at one end of a list, push at an end of another (or the same) list. */
import { ListValue } from '../../document-values';
import type { Keyspace } from '../context';
import { bulk, NIL, specOf, type Command } from '../types';
import { parseEnd, popItems, pushItems, readList, type End } from './list';

/**
 * Moves one element from `src` to `dst`; null when there is no source list
 * (the destination is then not even looked at, as in Redis). A destination
 * of another type is WRONGTYPE before anything moves.
 */
export function moveOne(db: Keyspace, src: Buffer, dst: Buffer, from: End, to: End): Buffer | null {
  const list = readList(db, src);
  if (!list) return null;
  if (src.equals(dst)) return rotate(db, src, list, from, to);
  const target = readList(db, dst);
  const [item] = popItems(db, src, list, from, 1);
  pushItems(db, dst, target, to, [item]);
  return item;
}

/**
 * Source and destination are one list: one update, so a list of one element
 * is never emptied on the way (which would drop its TTL; Redis pushes before
 * it deletes an emptied source).
 */
function rotate(db: Keyspace, key: Buffer, list: ListValue, from: End, to: End): Buffer {
  const seq = list.items;
  const item = (from === 'left' ? seq.first : seq.last) as Buffer;
  const rest = from === 'left' ? seq.splice(0, 1) : seq.splice(seq.size - 1, 1);
  db.update(key, new ListValue(to === 'left' ? rest.unshift([item]) : rest.push([item])));
  return item;
}

export const lmove: Command = {
  spec: specOf('lmove'),
  run(args, { db }) {
    const src = args.key();
    const dst = args.key();
    const from = parseEnd(args);
    const to = parseEnd(args);
    const item = moveOne(db, src, dst, from, to);
    return item === null ? NIL : bulk(item);
  },
};

export const rpoplpush: Command = {
  spec: specOf('rpoplpush'),
  run(args, { db }) {
    const item = moveOne(db, args.key(), args.key(), 'right', 'left');
    return item === null ? NIL : bulk(item);
  },
};
