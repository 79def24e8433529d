/**
 * db.json, format 3: the whole database as one JSON document.
 *
 *   {"format":3,"clock":<ms>,"seq":<n>,
 *    "commits":[{"id":"<batch id>","at":<ms>,"a":"<attempt>","r":[...]}, ...],
 *    "data":{"<utf-8 key>": <entry>},
 *    "data64":{"<base64 key>": <entry>},
 *    "dbs":{"<n>":{"data":{...},"data64":{...}}, ...}}      only when a db n ≠ 0 has keys
 *
 *   <entry>  = <bytes>                                  a string, no expiry, no stamp
 *            | {"v":<bytes>,<meta>}                     a string with expiry and/or stamp
 *            | {"t":"hash","v":[[<bytes field>,<bytes value>],...],<meta>}
 *            | {"t":"list","v":[<bytes>,...],<meta>}                    head first
 *            | {"t":"set","v":[<bytes member>,...],<meta>}
 *            | {"t":"zset","v":[[<bytes member>,<score>],...],<meta>}  in score order
 *            | {"t":"stream","v":[["<ms>-<seq>",[<bytes field>,<bytes value>,...]],...],
 *               "last":"<ms>-<seq>","added":<n>,"maxdel":"<ms>-<seq>",<meta>}
 *   <meta>   = "x":<expires at, unix ms>,"s":<stamp>    each only when set (so maybe nothing)
 *   <bytes>  = "<utf-8 string>" | {"b64":"<base64>"}
 *   <score>  = a JSON number (-0 included) | "inf" | "-inf"
 *
 * - Keys, values, fields and members are byte strings. Valid UTF-8 is stored
 *   as a JSON string so that the document stays readable; anything else is
 *   base64 (`{"b64"}`, or for keys the `data64` map). Every byte string
 *   round-trips exactly.
 * - An aggregate (hash, list, set, zset) is never stored empty: its last
 *   member removed, the key is removed. A stream may be empty (as in Redis).
 *   Stream ids are unsigned 64-bit decimals; `last` is the last id generated,
 *   `added` the entries ever added, `maxdel` the greatest id ever deleted.
 *   Entries are in ascending id order; a zset's members in (score, member)
 *   order, which decode re-establishes rather than trusts.
 * - `data` and `data64` hold database 0 (SELECT 0). Databases 1 to 15 that
 *   have keys sit in `dbs` under their decimal number, each with its own
 *   `data` and `data64`; `dbs` is left out while only database 0 has keys.
 * - `clock` is the highest clock (ms) any commit used, 0 when unknown; `seq`
 *   counts commits; an entry's stamp `s` is the `seq` of the commit that last
 *   changed it.
 * - A type this version does not know is refused (CorruptDocumentError), as
 *   is any field it does not know: rewriting would silently drop it.
 * - Format 2 is format 3 with strings only; format 1 is format 2 without
 *   clock, seq, wrapped entries or dbs (read as clock 0, seq 0). Both are
 *   read, and the next commit writes format 3. A format this code does not
 *   know is never rewritten: UnknownFormatError.
 * - Format 4 (a paged database, lambda/pages/layout.ts) is format 3 with
 *   "pages" and "retired" after its last member (pages/root.ts); a paged
 *   database's keys are there, never in `data` or `dbs`. It is written only
 *   while a database is paged or retired pages are recorded: else format 3.
 */
import { isUtf8 } from 'node:buffer';
import { HashValue, ListValue, SetValue, StreamValue, ZSetValue, type AggregateValue } from './document-values';

/** The format encode() writes while no database is paged (byte for byte what the previous version wrote). */
export const FORMAT_VERSION = 3;
/** The format once a database is paged: format 3 plus `pages` and `retired` (lambda/pages/root.ts, layout.ts §1). */
export const PAGED_FORMAT = 4;
/** The formats decode() reads. */
export const READABLE_FORMATS: readonly number[] = [1, 2, 3, 4];

export class UnknownFormatError extends Error {
  constructor(found: unknown) {
    super(`db.json has format ${JSON.stringify(found)}, this version understands ${READABLE_FORMATS.join(', ')} only; refusing to touch it`);
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
export interface HashEntry extends EntryMeta {
  type: 'hash';
  value: HashValue;
}
export interface ListEntry extends EntryMeta {
  type: 'list';
  value: ListValue;
}
export interface SetEntry extends EntryMeta {
  type: 'set';
  value: SetValue;
}
export interface ZSetEntry extends EntryMeta {
  type: 'zset';
  value: ZSetValue;
}
export interface StreamEntry extends EntryMeta {
  type: 'stream';
  value: StreamValue;
}

/** One key's entry. Every value is immutable (see document-values.ts): a write stores a new entry. */
export type Entry = StringEntry | HashEntry | ListEntry | SetEntry | ZSetEntry | StreamEntry;
export type EntryType = Entry['type'];
/** The value each type holds. */
export interface ValueTypes {
  string: Buffer;
  hash: HashValue;
  list: ListValue;
  set: SetValue;
  zset: ZSetValue;
  stream: StreamValue;
}
/** The value a type holds: Buffer for 'string', HashValue for 'hash', … */
export type ValueOf<T extends EntryType> = ValueTypes[T];
/** The types that are not strings. */
export type AggregateType = Exclude<EntryType, 'string'>;

/** The entry holding `value`, with `meta`: the value names its own type. */
export function entryOf(value: Buffer | AggregateValue, meta: EntryMeta = {}): Entry {
  const e = (Buffer.isBuffer(value) ? { type: 'string', value } : { type: value.type, value }) as Entry;
  if (meta.expiresAt !== undefined) e.expiresAt = meta.expiresAt;
  if (meta.stamp !== undefined) e.stamp = meta.stamp;
  return e;
}

/** Each aggregate type's value class. */
export const AGGREGATES = { hash: HashValue, list: ListValue, set: SetValue, zset: ZSetValue, stream: StreamValue } as const;

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
  let copy: Entry;
  if (e.type === 'string') copy = { type: 'string', value: Buffer.from(e.value) };
  else {
    // Aggregates are immutable by construction: shared, never copied.
    const kind = Object.hasOwn(AGGREGATES, e.type) ? AGGREGATES[e.type] : undefined;
    if (kind === undefined || !(e.value instanceof kind)) throw new TypeError(`unknown entry type ${JSON.stringify(e.type)} or a value not of it`);
    if (e.value.size === 0 && e.type !== 'stream') throw new RangeError(`an empty ${e.type} is never stored: remove the key`);
    copy = { type: e.type, value: e.value } as Entry;
  }
  if (e.expiresAt !== undefined) {
    if (!Number.isSafeInteger(e.expiresAt)) throw new RangeError(`expiresAt must be a safe integer, got ${e.expiresAt}`);
    copy.expiresAt = e.expiresAt;
  }
  if (e.stamp !== undefined) copy.stamp = checkCounter(e.stamp, 'stamp');
  return copy;
}

/** The parsed top level of a body, its format checked. */
export interface RawDocument extends RawDb {
  format: 1 | 2 | 3 | 4;
  clock: number;
  seq: number;
  commits: unknown;
  /** Databases 1 to 15 as found in `dbs`, ascending. */
  dbs: RawDb[];
  /** Format 4's paged part, not yet decoded (lambda/pages/root.ts's decodeRoot). */
  paged?: { pages: unknown; retired: unknown };
}

/** Format 4's members: anything else could only be a newer version's, which rewriting would drop. */
const FORMAT4_FIELDS = new Set(['format', 'clock', 'seq', 'commits', 'data', 'data64', 'dbs', 'pages', 'retired']);

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
  if (obj.format !== 1 && obj.format !== 2 && obj.format !== 3 && obj.format !== 4) throw new UnknownFormatError(obj.format);
  if (obj.format === 4) {
    for (const f of Object.keys(obj)) if (!FORMAT4_FIELDS.has(f)) throw new CorruptDocumentError(`db.json: format 4 has an unknown field ${JSON.stringify(f)}`);
    if (obj.pages === undefined || obj.retired === undefined) throw new CorruptDocumentError('db.json: format 4 without "pages" and "retired"');
  }
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
    ...(obj.format === 4 ? { paged: { pages: obj.pages, retired: obj.retired } } : {}),
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
export function head(clock: number, seq: number, commits: string, format = FORMAT_VERSION): string {
  return `{"format":${format},"clock":${clock},"seq":${seq},"commits":[${commits}],"data":{`;
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
