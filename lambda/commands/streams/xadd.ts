/**
 * XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]
 *
 * Checks in Redis's order: options, then the field/value count (an arity
 * error), then 0-0, then the key (WRONGTYPE, or nil with NOMKSTREAM), then
 * the id against the stream's last one.
 */
import { CommandError, wrongArity } from '../../errors';
import { compareIds, formatId, StreamValue, type StreamId } from '../../document-values';
import { NIL, bulk, specOf, type Command } from '../types';
import { nextId, U64_MAX } from './ids';
import { parseAddTrimArgs, trimStream } from './trim';

export const ID_TOO_SMALL = 'ERR The ID specified in XADD is equal or smaller than the target stream top item';
export const ID_ZERO = 'ERR The ID specified in XADD must be greater than 0-0';
export const ID_EXHAUSTED = 'ERR The stream has exhausted the last possible ID, unable to add more items';

/**
 * The id of a new entry (streamAppendItem): explicit, `ms-*` (the next
 * sequence of that millisecond), or `*` — the batch's clock, and when that
 * is not past the last id's millisecond (a clock behind, or several XADDs
 * in one millisecond) the last id plus one, so ids only ever grow.
 */
function newId(last: StreamId, given: { id: StreamId; seqGiven: boolean } | null, now: number): StreamId {
  if (given === null) {
    const ms = BigInt(now);
    return ms > last.ms ? { ms, seq: 0n } : (nextId(last) ?? last);
  }
  if (given.seqGiven) return given.id;
  if (given.id.ms !== last.ms) return given.id;
  if (last.seq === U64_MAX) throw new CommandError(ID_TOO_SMALL);
  return { ms: last.ms, seq: last.seq + 1n };
}

export const xadd: Command = {
  spec: specOf('xadd'),
  run(args, { db, now }) {
    const key = args.key();
    const words = args.rest();
    // Options may use up every word (NOMKSTREAM NOMKSTREAM …): then there are no fields, an arity error below.
    const { trim, noMkStream, idAt, id: given } = parseAddTrimArgs(words, true);
    const fields = words.slice(idAt + 1);
    if (fields.length < 2 || fields.length % 2 === 1) throw new CommandError(wrongArity('xadd'));
    if (given?.seqGiven && given.id.ms === 0n && given.id.seq === 0n) throw new CommandError(ID_ZERO);
    const stream = db.read(key, 'stream');
    if (stream === undefined && noMkStream) return NIL;
    const s = stream ?? StreamValue.EMPTY;
    if (s.lastId.ms === U64_MAX && s.lastId.seq === U64_MAX) throw new CommandError(ID_EXHAUSTED);
    const id = newId(s.lastId, given, now);
    if (compareIds(id, s.lastId) <= 0) throw new CommandError(ID_TOO_SMALL);
    const added = new StreamValue(s.entries.push([{ id, fields }]), id, s.entriesAdded + 1, s.maxDeletedId);
    db.update(key, trimStream(added, trim).value);
    return bulk(Buffer.from(formatId(id), 'latin1'));
  },
};
