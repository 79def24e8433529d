/**
 * XDEL and XTRIM. Neither removes the key: a stream emptied by them stays,
 * as in Redis. Each writes only when it removed something (a no-op is no
 * change to WATCH).
 */
import { compareIds, StreamValue, type StreamId } from '../../document-values';
import { int, specOf, type Command } from '../types';
import { parseStrictId } from './ids';
import { parseAddTrimArgs, trimStream } from './trim';

export const xdel: Command = {
  spec: specOf('xdel'),
  run(args, { db }) {
    const key = args.key();
    const words = args.rest();
    // As Redis: a missing key answers 0 before the ids are looked at.
    const s = db.read(key, 'stream');
    if (s === undefined) return int(0);
    // Every id is checked before any is deleted, so a bad one changes nothing.
    const ids = words.map((w) => parseStrictId(w));
    let entries = s.entries;
    let maxDeleted: StreamId = s.maxDeletedId;
    let deleted = 0;
    for (const id of ids) {
      const i = lowerBoundIn(entries, id);
      const e = entries.at(i);
      if (e === undefined || compareIds(e.id, id) !== 0) continue;
      entries = entries.splice(i, 1);
      if (compareIds(id, maxDeleted) > 0) maxDeleted = id;
      deleted++;
    }
    if (deleted > 0) db.update(key, new StreamValue(entries, s.lastId, s.entriesAdded, maxDeleted));
    return int(deleted);
  },
};

function lowerBoundIn(entries: StreamValue['entries'], id: StreamId): number {
  return entries.bound((x) => compareIds(x.id, id) < 0);
}

export const xtrim: Command = {
  spec: specOf('xtrim'),
  run(args, { db }) {
    const key = args.key();
    const { trim } = parseAddTrimArgs(args.rest(), false);
    const s = db.read(key, 'stream');
    if (s === undefined) return int(0);
    const { value, deleted } = trimStream(s, trim);
    if (deleted > 0) db.update(key, value);
    return int(deleted);
  },
};
