/**
 * db.json: the whole database as one JSON document.
 *
 *   {"format":1,
 *    "commits":[{"id":"<batch id>","at":<ms>,"r":[...]}, ...],
 *    "data":{"<utf-8 key>":"<utf-8 value>" | {"b64":"<base64 value>"}},
 *    "data64":{"<base64 key>": <value as above>}}
 *
 * - Keys and values are byte strings. Valid UTF-8 is stored as a JSON string
 *   so that the document stays readable; anything else is base64 (`{"b64"}` for
 *   values, the `data64` map for keys). Every byte string round-trips exactly.
 * - `commits` is a bounded window of recent batch ids (with the replies of the
 *   batch's writes): after an ambiguous write, a re-read tells whether the
 *   batch already landed, and the ids make every committed document distinct,
 *   which rules out ABA on the ETag.
 * - A document whose `format` is not one this code knows is never rewritten:
 *   decoding throws UnknownFormatError and the handler refuses the batch.
 *
 * Encoding is incremental: keys are spread over 256 pages by hash, and each
 * page caches its encoded bytes. A commit re-encodes only the pages its
 * writes touched and copies the rest, so a SET on a 100k-key document costs
 * about what the bytes cost to send, not a re-serialisation of every key.
 */
import { isUtf8 } from 'node:buffer';

export const FORMAT_VERSION = 1;

/** Default cap on db.json (VALTHREE_MAXMEMORY): it is read, parsed and rewritten whole. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 32 * 1024 * 1024;

/** Replies of one committed batch, per session: write replies kept, reads null. */
export type StoredReplies = (string | number | null)[][];

export interface CommitRecord {
  /** The batch id. */
  id: string;
  /** Commit time (ms since epoch), for trimming the window. */
  at: number;
  /** The attempt that wrote it: tells the writer which of its replies landed. */
  a?: string;
  /** Replies of the batch's write commands, per session. */
  r: StoredReplies;
}

export class UnknownFormatError extends Error {
  constructor(found: unknown) {
    super(`db.json has format ${JSON.stringify(found)}, this version understands ${FORMAT_VERSION} only; refusing to touch it`);
  }
}

export class CorruptDocumentError extends Error {}

/** Thrown by a write that would grow the document past its size cap. */
export class OutOfMemoryError extends Error {}

type Undo =
  | { op: 'entry'; key: string; prev: Entry | undefined; bytes: number }
  | { op: 'clear'; prev: Page[]; count: number; bytes: number }
  | { op: 'commit'; bytes: number };

const PAGE_COUNT = 256;

/** A slice of the keyspace with its encoded form cached (undefined: stale). */
interface Page {
  entries: Map<string, Entry>;
  utf?: Buffer;
  bin?: Buffer;
}

const newPages = (): Page[] => Array.from({ length: PAGE_COUNT }, () => ({ entries: new Map<string, Entry>() }));

/** FNV-1a over the key's bytes (as latin1 code units), folded to a page. */
function pageOf(k: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
  return (h >>> 0) % PAGE_COUNT;
}

const COMMA = Buffer.from(',');
const ASCII = /^[\x00-\x7f]*$/;

interface Entry {
  value: Buffer;
  /** Cached `"key":value` fragment, built on first encode. */
  json?: string;
  /** Whether the key is stored in data64 (not valid UTF-8). */
  binaryKey?: boolean;
  /** UTF-8 size of `json` plus its separator: what the entry costs in db.json. */
  bytes?: number;
}

/** Keys are held as latin1 strings: a bijection with byte strings. */
const keyOf = (b: Buffer): string => b.toString('latin1');

export interface WindowPolicy {
  /** Keep commit ids at least this long (must exceed every retry horizon). */
  retainMs: number;
  /** Hard cap on the number of ids kept, to bound the document's size. */
  maxEntries: number;
  /** Only the newest this many commits keep their replies (ids are what matter). */
  withReplies: number;
}

/**
 * A batch is re-checked at most one proxy invoke timeout (12 s) plus one
 * retry after its commit; 60 s is a wide margin over that horizon.
 */
export const DEFAULT_WINDOW: WindowPolicy = { retainMs: 60_000, maxEntries: 8192, withReplies: 64 };

export class Document {
  private pages: Page[] = newPages();
  private count = 0;
  private commitList: CommitRecord[] = [];
  private commitIds = new Set<string>();
  private commitsJson: string[] = [];
  /** Encoded size of the last encode/decode: what a commit costs in bytes. */
  encodedBytes = 0;
  /** Running estimate of the encoded size, kept exact for changed entries. */
  approxBytes = 64;
  /** Refuse writes that would grow the document past this many bytes. */
  maxBytes = Infinity;
  /** Open transaction's undo log (null: no transaction). */
  private undo: { log: Undo[]; approxBytes: number } | null = null;

  static empty(): Document {
    return new Document();
  }

  static decode(body: Buffer): Document {
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
    if (obj.format !== FORMAT_VERSION) throw new UnknownFormatError(obj.format);
    const doc = new Document();
    // An ASCII key is its own latin1 form: skip the round trip through a Buffer.
    for (const [k, v] of Object.entries(asObject(obj.data, 'data'))) doc.load(ASCII.test(k) ? k : keyOf(Buffer.from(k, 'utf8')), decodeValue(v));
    for (const [k, v] of Object.entries(asObject(obj.data64 ?? {}, 'data64'))) doc.load(keyOf(Buffer.from(k, 'base64')), decodeValue(v));
    if (!Array.isArray(obj.commits)) throw new CorruptDocumentError('db.json: commits is not an array');
    for (const c of obj.commits as CommitRecord[]) {
      if (typeof c?.id !== 'string' || typeof c.at !== 'number' || !Array.isArray(c.r)) throw new CorruptDocumentError('db.json: malformed commit record');
      doc.commitList.push(c);
      doc.commitIds.add(c.id);
      doc.commitsJson.push(JSON.stringify(c));
    }
    doc.encodedBytes = doc.approxBytes = body.length;
    return doc;
  }

  /**
   * Transactions let a batch run on the cached document in place: if the
   * commit fails, rollback() restores exactly the state S3 holds, without the
   * cost of copying a large document for every batch.
   */
  begin(): void {
    this.undo = { log: [], approxBytes: this.approxBytes };
  }

  /** A point to roll back to within the open transaction. */
  mark(): number {
    return this.undo ? this.undo.log.length : 0;
  }

  rollback(to = 0): void {
    if (!this.undo) return;
    const log = this.undo.log;
    while (log.length > to) {
      const u = log.pop() as Undo;
      this.approxBytes = u.bytes;
      if (u.op === 'entry') {
        const page = this.page(u.key);
        const had = page.entries.has(u.key);
        if (u.prev) page.entries.set(u.key, u.prev);
        else page.entries.delete(u.key);
        this.count += (u.prev ? 1 : 0) - (had ? 1 : 0);
      } else if (u.op === 'clear') {
        // The pages before the clear were never touched since: their caches still hold.
        this.pages = u.prev;
        this.count = u.count;
      } else {
        const c = this.commitList.pop() as CommitRecord;
        this.commitsJson.pop();
        // An id recorded twice stays known while an older record still holds it.
        if (!this.commitList.some((x) => x.id === c.id)) this.commitIds.delete(c.id);
      }
    }
    if (to === 0) {
      this.approxBytes = this.undo.approxBytes;
      this.undo = null;
    }
  }

  /** Undoes back to `mark`, keeping the transaction open (rollback(0) would end it). */
  undoTo(mark: number): void {
    if (!this.undo) return;
    if (mark > 0) return this.rollback(mark);
    this.rollback();
    this.begin();
  }

  /** Keep the transaction's changes. */
  release(): void {
    this.undo = null;
  }

  get size(): number {
    return this.count;
  }

  get(key: Buffer): Buffer | undefined {
    const k = keyOf(key);
    return this.pages[pageOf(k)].entries.get(k)?.value;
  }

  has(key: Buffer): boolean {
    const k = keyOf(key);
    return this.pages[pageOf(k)].entries.has(k);
  }

  /** The page of `k`, marked stale: the caller is about to change it. */
  private page(k: string): Page {
    const page = this.pages[pageOf(k)];
    page.utf = page.bin = undefined;
    return page;
  }

  /** Adds an entry while decoding (no undo, no size check). */
  private load(k: string, value: Buffer): void {
    const entries = this.pages[pageOf(k)].entries;
    if (!entries.has(k)) this.count++;
    entries.set(k, { value });
  }

  set(key: Buffer, value: Buffer): void {
    const k = keyOf(key);
    const entries = this.pages[pageOf(k)].entries;
    const prev = entries.get(k);
    // Copy: the caller's buffer may be a view into a larger request buffer.
    const entry: Entry = { value: Buffer.from(value) };
    const grow = entryBytes(k, entry) - (prev ? entryBytes(k, prev) : 0);
    if (grow > 0 && this.approxBytes + grow > this.maxBytes) throw new OutOfMemoryError();
    this.undo?.log.push({ op: 'entry', key: k, prev, bytes: this.approxBytes });
    this.approxBytes += grow;
    this.page(k).entries.set(k, entry);
    if (!prev) this.count++;
  }

  delete(key: Buffer): boolean {
    const k = keyOf(key);
    const prev = this.pages[pageOf(k)].entries.get(k);
    if (!prev) return false;
    this.undo?.log.push({ op: 'entry', key: k, prev, bytes: this.approxBytes });
    this.approxBytes -= entryBytes(k, prev);
    this.count--;
    return this.page(k).entries.delete(k);
  }

  clear(): void {
    // An empty keyspace stays untouched, so FLUSHALL on it needs no commit.
    if (this.count === 0) return;
    this.undo?.log.push({ op: 'clear', prev: this.pages, count: this.count, bytes: this.approxBytes });
    this.pages = newPages();
    this.count = 0;
    this.approxBytes = 64 + this.commitsJson.reduce((n, c) => n + Buffer.byteLength(c) + 1, 0);
  }

  hasCommit(id: string): CommitRecord | undefined {
    return this.commitIds.has(id) ? this.commitList.find((c) => c.id === id) : undefined;
  }

  /**
   * Adds a batch id to the window. Old ids are trimmed only outside a
   * transaction's undo scope, i.e. at encode time of a released document.
   */
  recordCommit(rec: CommitRecord): void {
    this.commitList.push(rec);
    this.commitIds.add(rec.id);
    const json = JSON.stringify(rec);
    this.commitsJson.push(json);
    this.undo?.log.push({ op: 'commit', bytes: this.approxBytes });
    this.approxBytes += Buffer.byteLength(json) + 1;
  }

  /** Drops ids older than the policy allows; the newest one always stays. */
  trimCommits(now: number, policy: WindowPolicy = DEFAULT_WINDOW): void {
    let drop = 0;
    const n = this.commitList.length;
    while (n - drop > policy.maxEntries || (n - drop > 1 && now - this.commitList[drop].at > policy.retainMs)) drop++;
    if (drop > 0) {
      for (const j of this.commitsJson.slice(0, drop)) this.approxBytes -= Buffer.byteLength(j) + 1;
      this.commitList = this.commitList.slice(drop);
      this.commitsJson = this.commitsJson.slice(drop);
      this.commitIds = new Set(this.commitList.map((c) => c.id));
    }
    // Older commits keep only their id: replies are small but add up at high rates.
    for (let i = this.commitList.length - policy.withReplies - 1; i >= 0 && this.commitList[i].r.length > 0; i--) {
      const old = this.commitsJson[i];
      this.commitList[i] = { ...this.commitList[i], r: [] };
      this.commitsJson[i] = JSON.stringify(this.commitList[i]);
      this.approxBytes += Buffer.byteLength(this.commitsJson[i]) - Buffer.byteLength(old);
    }
  }

  get commits(): readonly CommitRecord[] {
    return this.commitList;
  }

  /** Reused by encode(): see there. */
  private arena: Buffer | null = null;

  /**
   * The document's bytes. They live in a buffer this document reuses, valid
   * until its next encode(): a fresh multi-megabyte buffer per commit would
   * make V8 run a full GC (walking every key) every few commits. Callers that
   * keep the bytes beyond that (a store that remembers them) copy them.
   */
  encode(): Buffer {
    const parts: Buffer[] = [Buffer.from(`{"format":${FORMAT_VERSION},"commits":[${this.commitsJson.join(',')}],"data":{`)];
    for (const p of this.pages) encodePage(p);
    const section = (which: 'utf' | 'bin') => {
      let first = true;
      for (const p of this.pages) {
        const b = p[which] as Buffer;
        if (b.length === 0) continue;
        if (!first) parts.push(COMMA);
        parts.push(b);
        first = false;
      }
    };
    section('utf');
    parts.push(Buffer.from('},"data64":{'));
    section('bin');
    parts.push(Buffer.from('}}'));
    let total = 0;
    for (const p of parts) total += p.length;
    if (!this.arena || this.arena.length < total) this.arena = Buffer.allocUnsafeSlow(Math.ceil(total * 1.25) + 1024);
    let off = 0;
    for (const p of parts) off += p.copy(this.arena, off);
    this.encodedBytes = this.approxBytes = total;
    return this.arena.subarray(0, total);
  }
}

/** Rebuilds a stale page's cached bytes (the `data` and `data64` parts). */
function encodePage(p: Page): void {
  if (p.utf !== undefined && p.bin !== undefined) return;
  const utf: string[] = [];
  const bin: string[] = [];
  for (const [k, e] of p.entries) {
    entryBytes(k, e);
    (e.binaryKey ? bin : utf).push(e.json as string);
  }
  p.utf = Buffer.from(utf.join(','), 'utf8');
  p.bin = Buffer.from(bin.join(','), 'utf8');
}

function entryBytes(k: string, e: Entry): number {
  if (e.json === undefined) {
    const key = Buffer.from(k, 'latin1');
    e.binaryKey = !isUtf8(key);
    e.json = encodeEntry(key, e.binaryKey, e.value);
    // UTF-8 bytes, not UTF-16 length: text outside ASCII takes up to 3 bytes per unit.
    e.bytes = Buffer.byteLength(e.json) + 1;
  }
  return e.bytes as number;
}

function encodeEntry(key: Buffer, binaryKey: boolean, value: Buffer): string {
  const v = isUtf8(value) ? JSON.stringify(value.toString('utf8')) : `{"b64":"${value.toString('base64')}"}`;
  return binaryKey ? `"${key.toString('base64')}":${v}` : `${JSON.stringify(key.toString('utf8'))}:${v}`;
}

function decodeValue(v: unknown): Buffer {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (typeof v === 'object' && v !== null && typeof (v as { b64?: unknown }).b64 === 'string') return Buffer.from((v as { b64: string }).b64, 'base64');
  throw new CorruptDocumentError('db.json: a value is neither a string nor {"b64": ...}');
}

function asObject(v: unknown, name: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CorruptDocumentError(`db.json: ${name} is not an object`);
  return v as Record<string, unknown>;
}
