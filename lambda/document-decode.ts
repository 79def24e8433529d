/** Decoding one entry of db.json (the grammar is in document-format.ts's header). */
import { AGGREGATES, CorruptDocumentError, entryOf, isCounter, type Entry } from './document-format';
import { StreamValue, type AggregateValue, type Fail } from './document-values';

/** Where a key sits in db.json: its name in `data`, or its base64 in `data64`. */
export type KeyPlace = 'data' | 'data64';

/** Names a key in an error message, as it appears in db.json (its database when not 0). */
function keyName(where: KeyPlace, k: string, db: number): string {
  const name = where === 'data' ? `key ${JSON.stringify(k)}` : `data64 key "${k}"`;
  return db === 0 ? name : `db ${db} ${name}`;
}

function decodeValue(v: unknown, where: KeyPlace, k: string, db: number): Buffer {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (typeof v === 'object' && v !== null && typeof (v as { b64?: unknown }).b64 === 'string') return Buffer.from((v as { b64: string }).b64, 'base64');
  throw new CorruptDocumentError(`db.json: the value of ${keyName(where, k, db)} is neither a string nor {"b64": ...}`);
}

const WRAPPED_FIELDS = new Set(['v', 'x', 's', 't']);
const STREAM_FIELDS = new Set(['t', 'v', 'x', 's', 'last', 'added', 'maxdel']);

/** One entry of `data` or `data64`; format 1 knows bare values only, format 2 strings only. */
export function decodeEntry(raw: unknown, format: number, where: KeyPlace, k: string, db = 0): Entry {
  // Bare values first: they are nearly every entry of a large document.
  if (typeof raw === 'string') return { type: 'string', value: Buffer.from(raw, 'utf8') };
  const o = raw as Record<string, unknown>;
  if (format === 1 || typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { type: 'string', value: decodeValue(raw, where, k, db) };
  if (Object.hasOwn(o, 'b64')) {
    // Format 1 tolerated extra fields here; later formats could only mean meta this version would drop.
    if (Object.keys(o).length !== 1) throw new CorruptDocumentError(`db.json: the entry of ${keyName(where, k, db)} mixes "b64" with other fields`);
    return { type: 'string', value: decodeValue(raw, where, k, db) };
  }
  // The type first: a newer type's own fields would otherwise be reported as unknown fields.
  const t = o.t ?? 'string';
  const known = t === 'string' || (format >= 3 && typeof t === 'string' && Object.hasOwn(AGGREGATES, t));
  if (!known) throw new CorruptDocumentError(`db.json: ${keyName(where, k, db)} has type ${JSON.stringify(o.t)}, which this version does not know`);
  const fields = t === 'stream' ? STREAM_FIELDS : WRAPPED_FIELDS;
  for (const f of Object.keys(o)) if (!fields.has(f)) throw new CorruptDocumentError(`db.json: the entry of ${keyName(where, k, db)} has an unknown field ${JSON.stringify(f)}`);
  const e = t === 'string' ? entryOf(decodeValue(o.v, where, k, db)) : entryOf(decodeAggregate(t as keyof typeof AGGREGATES, o, where, k, db));
  if (o.x !== undefined) {
    if (!Number.isSafeInteger(o.x)) throw new CorruptDocumentError(`db.json: the expiry of ${keyName(where, k, db)} is not an integer`);
    e.expiresAt = o.x as number;
  }
  if (o.s !== undefined) {
    if (!isCounter(o.s)) throw new CorruptDocumentError(`db.json: the stamp of ${keyName(where, k, db)} is not a non-negative integer`);
    e.stamp = o.s;
  }
  return e;
}

function decodeAggregate(t: keyof typeof AGGREGATES, o: Record<string, unknown>, where: KeyPlace, k: string, db: number): AggregateValue {
  const fail: Fail = (what) => {
    throw new CorruptDocumentError(`db.json: the ${t} of ${keyName(where, k, db)} is corrupt: ${what}`);
  };
  if (!Array.isArray(o.v)) return fail('"v" is not an array');
  // An empty aggregate is never written (the key is removed): one here was not written by valthree.
  if (o.v.length === 0 && t !== 'stream') return fail('it is empty');
  return t === 'stream' ? StreamValue.decode(o, o.v, fail) : AGGREGATES[t].decode(o.v, fail);
}

