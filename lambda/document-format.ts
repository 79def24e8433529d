/**
 * db.json, format 2: the whole database as one JSON document.
 *
 *   {"format":2,"clock":<ms>,"seq":<n>,
 *    "commits":[{"id":"<batch id>","at":<ms>,"a":"<attempt>","r":[...]}, ...],
 *    "data":{"<utf-8 key>": <entry>},
 *    "data64":{"<base64 key>": <entry>},
 *    "dbs":{"<n>":{"data":{...},"data64":{...}}, ...}}      only when a db n ≠ 0 has keys
 *
 *   <entry>  = <value>                                  a string, no expiry, no stamp
 *            | {"v":<value>,"x":<expires at, unix ms>,"s":<stamp>}   x, s only when set
 *   <value>  = "<utf-8 string>" | {"b64":"<base64>"}
 *
 * - Keys and values are byte strings. Valid UTF-8 is stored as a JSON string
 *   so that the document stays readable; anything else is base64 (`{"b64"}` for
 *   values, the `data64` map for keys). Every byte string round-trips exactly.
 * - `data` and `data64` hold database 0 (SELECT 0). Databases 1 to 15 that
 *   have keys sit in `dbs` under their decimal number, each with its own
 *   `data` and `data64`; `dbs` is left out while only database 0 has keys.
 * - `clock` is the highest clock (ms) any commit used, 0 when unknown; `seq`
 *   counts commits; an entry's stamp `s` is the `seq` of the commit that last
 *   changed it.
 * - A `"t"` field will name non-string types; a type this version does not
 *   know is refused (CorruptDocumentError), as is any field it does not know:
 *   rewriting would silently drop it.
 * - Format 1 is format 2 without clock, seq, wrapped entries or dbs: it is read
 *   (clock 0, seq 0) and the next commit writes it as format 2. A format this
 *   code does not know is never rewritten: UnknownFormatError.
 */
import { isUtf8 } from 'node:buffer';

/** The format encode() writes. */
export const FORMAT_VERSION = 2;
/** The formats decode() reads. */
export const READABLE_FORMATS: readonly number[] = [1, 2];

export class UnknownFormatError extends Error {
  constructor(found: unknown) {
    super(`db.json has format ${JSON.stringify(found)}, this version understands ${READABLE_FORMATS.join(' and ')} only; refusing to touch it`);
  }
}

export class CorruptDocumentError extends Error {}

/** Thrown by a write that would grow the document past its size cap. */
export class OutOfMemoryError extends Error {}

/** What every entry carries, whatever its type. */
export interface EntryMeta {
  /** Absolute expiry, unix ms; absent: no TTL. */
  expiresAt?: number;
  /** `seq` of the commit that last changed the entry; absent: unknown. */
  stamp?: number;
}

export interface StringEntry extends EntryMeta {
  type: 'string';
  value: Buffer;
}

/** One key's entry; grows a member per type (hash, list, set, zset). */
export type Entry = StringEntry;
export type EntryType = Entry['type'];

/** Counters (clock, seq, stamp) are written as JSON numbers: NaN or 1e300 would not read back. */
export function isCounter(n: unknown): n is number {
  return Number.isSafeInteger(n) && (n as number) >= 0;
}

export function checkCounter(n: number, what: string): number {
  if (!isCounter(n)) throw new RangeError(`${what} must be a non-negative safe integer, got ${n}`);
  return n;
}

/**
 * A private copy of a caller's entry, checked so that encode() can always
 * write it: the document keeps its entries immutable (their encoded form is
 * cached), and the caller's buffer may be a view into a larger request.
 */
export function ownEntry(e: Readonly<Entry>): Entry {
  if (e.type !== 'string') throw new TypeError(`unknown entry type ${JSON.stringify(e.type)}`);
  const copy: Entry = { type: 'string', value: Buffer.from(e.value) };
  if (e.expiresAt !== undefined) {
    if (!Number.isSafeInteger(e.expiresAt)) throw new RangeError(`expiresAt must be a safe integer, got ${e.expiresAt}`);
    copy.expiresAt = e.expiresAt;
  }
  if (e.stamp !== undefined) copy.stamp = checkCounter(e.stamp, 'stamp');
  return copy;
}

/**
 * UTF-8 size of JSON.stringify(bytes.toString('utf8')) for valid UTF-8
 * bytes: the quotes, each byte once, and what escaping adds. JSON.stringify
 * escapes `"`, `\\` and the controls below 0x20 only (valid UTF-8 has no
 * lone surrogates): \b \t \n \f \r as two characters, the rest as \u00XX.
 */
export function stringBytes(b: Buffer): number {
  let n = b.length + 2;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c >= 0x20) {
      if (c === 0x22 || c === 0x5c) n += 1;
    } else n += c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 1 : 5;
  }
  return n;
}

/** UTF-8 size of valueJson(value). */
function valueBytes(value: Buffer): number {
  return isUtf8(value) ? stringBytes(value) : 10 + Math.ceil(value.length / 3) * 4;
}

/** UTF-8 size of entryJson(e), computed without building it. */
export function entryBytes(e: Entry): number {
  const v = valueBytes(e.value);
  if (e.expiresAt === undefined && e.stamp === undefined) return v;
  let n = 6 + v; // {"v":…}
  if (e.expiresAt !== undefined) n += 5 + String(e.expiresAt).length;
  if (e.stamp !== undefined) n += 5 + String(e.stamp).length;
  return n;
}

function valueJson(value: Buffer): string {
  return isUtf8(value) ? JSON.stringify(value.toString('utf8')) : `{"b64":"${value.toString('base64')}"}`;
}

/** The JSON of an entry: a bare value while the entry is a plain string, as in format 1. */
export function entryJson(e: Entry): string {
  const v = valueJson(e.value);
  if (e.expiresAt === undefined && e.stamp === undefined) return v;
  let out = `{"v":${v}`;
  if (e.expiresAt !== undefined) out += `,"x":${e.expiresAt}`;
  if (e.stamp !== undefined) out += `,"s":${e.stamp}`;
  return `${out}}`;
}

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

/** One entry of `data` or `data64`; format 1 knows bare values only. */
export function decodeEntry(raw: unknown, format: number, where: KeyPlace, k: string, db = 0): Entry {
  // Bare values first: they are nearly every entry of a large document.
  if (typeof raw === 'string') return { type: 'string', value: Buffer.from(raw, 'utf8') };
  const o = raw as Record<string, unknown>;
  if (format === 1 || typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { type: 'string', value: decodeValue(raw, where, k, db) };
  if (Object.hasOwn(o, 'b64')) {
    // Format 1 tolerated extra fields here; in format 2 they could only be meta this version would drop.
    if (Object.keys(o).length !== 1) throw new CorruptDocumentError(`db.json: the entry of ${keyName(where, k, db)} mixes "b64" with other fields`);
    return { type: 'string', value: decodeValue(raw, where, k, db) };
  }
  // The type first: a newer type's own fields would otherwise be reported as unknown fields.
  if (o.t !== undefined && o.t !== 'string') throw new CorruptDocumentError(`db.json: ${keyName(where, k, db)} has type ${JSON.stringify(o.t)}, which this version does not know`);
  for (const f of Object.keys(o)) if (!WRAPPED_FIELDS.has(f)) throw new CorruptDocumentError(`db.json: the entry of ${keyName(where, k, db)} has an unknown field ${JSON.stringify(f)}`);
  const e: Entry = { type: 'string', value: decodeValue(o.v, where, k, db) };
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

/** The parsed top level of a body, its format checked. */
export interface RawDocument extends RawDb {
  format: 1 | 2;
  clock: number;
  seq: number;
  commits: unknown;
  /** Databases 1 to 15 as found in `dbs`, ascending. */
  dbs: RawDb[];
}

/** One database's two maps, not yet decoded. */
export interface RawDb {
  db: number;
  data: Record<string, unknown>;
  data64: Record<string, unknown>;
}

/** Redis's 16 databases: 0 to 15. */
export const DB_COUNT = 16;

export function checkDb(db: number): number {
  if (!Number.isInteger(db) || db < 0 || db >= DB_COUNT) throw new RangeError(`db must be an integer from 0 to ${DB_COUNT - 1}, got ${db}`);
  return db;
}

export function parseBody(body: Buffer): RawDocument {
  // toString would silently replace bad bytes with U+FFFD, and the next commit would write that back.
  if (!isUtf8(body)) throw new CorruptDocumentError('db.json is not valid UTF-8');
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new CorruptDocumentError(`db.json is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null) throw new CorruptDocumentError('db.json is not a JSON object');
  const obj = raw as Record<string, unknown>;
  if (obj.format !== 1 && obj.format !== 2) throw new UnknownFormatError(obj.format);
  const counter = (name: 'clock' | 'seq'): number => {
    if (obj.format === 1) return 0;
    if (!isCounter(obj[name])) throw new CorruptDocumentError(`db.json: ${name} is not a non-negative integer`);
    return obj[name] as number;
  };
  if (obj.format === 1 && obj.dbs !== undefined) throw new CorruptDocumentError('db.json: format 1 has no "dbs"; this one cannot be upgraded safely');
  return {
    format: obj.format,
    clock: counter('clock'),
    seq: counter('seq'),
    commits: obj.commits,
    db: 0,
    data: asObject(obj.data, 'data'),
    // Optional on read: hand-written documents.
    data64: asObject(obj.data64 ?? {}, 'data64'),
    dbs: parseDbs(obj.dbs),
  };
}

function asObject(v: unknown, name: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CorruptDocumentError(`db.json: ${name} is not an object`);
  return v as Record<string, unknown>;
}

/** Canonical decimal 1 to 15: "01" or "1.0" would name the same database twice. */
const DB_NAME = /^(?:[1-9]|1[0-5])$/;

function parseDbs(v: unknown): RawDb[] {
  if (v === undefined) return [];
  const out: RawDb[] = [];
  for (const [name, inner] of Object.entries(asObject(v, 'dbs'))) {
    if (name === '0') throw new CorruptDocumentError('db.json: dbs has a member "0", but database 0 lives in "data" and "data64"');
    if (!DB_NAME.test(name)) throw new CorruptDocumentError(`db.json: dbs has a member ${JSON.stringify(name)}, which is not a database number from 1 to 15`);
    const where = `dbs["${name}"]`;
    const maps = asObject(inner, where);
    // An unknown field could only be something a newer version wrote: rewriting would drop it.
    for (const f of Object.keys(maps)) if (f !== 'data' && f !== 'data64') throw new CorruptDocumentError(`db.json: ${where} has an unknown field ${JSON.stringify(f)}`);
    out.push({ db: Number(name), data: asObject(maps.data, `${where}.data`), data64: asObject(maps.data64 ?? {}, `${where}.data64`) });
  }
  return out.sort((x, y) => x.db - y.db);
}

/** The document up to the first entry of `data`. */
export function head(clock: number, seq: number, commits: string): string {
  return `{"format":${FORMAT_VERSION},"clock":${clock},"seq":${seq},"commits":[${commits}],"data":{`;
}
export const MIDDLE = '},"data64":{';
export const TAIL = '}}';
/** With databases other than 0: after db 0's data64 members, `}` + DBS_OPEN + the members, comma-separated, + TAIL. */
export const DBS_OPEN = ',"dbs":{';
/** Opens db n's member of `dbs`; then its data members, MIDDLE, its data64 members, TAIL. */
export const dbOpen = (db: number): string => `"${db}":{"data":{`;

/** Size of a document with no commits and no entries: what clock and seq cost. */
export function envelopeBytes(clock: number, seq: number): number {
  return head(clock, seq, '').length + MIDDLE.length + TAIL.length;
}

/** What `dbs` itself costs while some database other than 0 has keys, less the separator its first member does without. */
export const DBS_BYTES = DBS_OPEN.length - 1;

/** What db n's member of `dbs` costs besides its entries, its separator included. */
export const dbFrameBytes = (db: number): number => dbOpen(db).length + MIDDLE.length + TAIL.length + 1;
