/**
 * Page bytes (layout.ts §4): a leaf's entries, or a node's leaf refs and
 * buffer, binary-safe and self-checking.
 *
 *   "vpg1" | u32 header length | header JSON | records | 16-byte digest
 *   header = {"kind":"leaf"|"node","db":n,"lo":pos,"hi":pos,"n":records[,"leaves":[[lo,page,n,x[,b]],...]]}
 *   record = u32 key length | key bytes | u8 tag (1 entry, 0 tombstone) | u8 p | f64 seq
 *            | u32 entry length | entry JSON (format 3's entry grammar, document-format.ts)
 *
 * Keys are raw bytes (no escaping); an entry reuses format 3's entry JSON, so
 * every type, expiry and stamp is written by the one tested codec, and an
 * entry is parsed only when a batch asks for it (a cold GET of one key in a
 * leaf of 8,000 parses one entry). The digest covers every byte before it,
 * and the page's name carries its first 8 bytes: a flipped bit, a truncated
 * upload or a page under the wrong name is refused, named, never read as data.
 */
import { wholeEntryJson } from '../document-entry-json';
import { CorruptDocumentError, type Entry } from '../document-format';
import { PageCorruptError } from './errors';
import { checkedBody } from './envelope';
import { digestOf, isPageName } from './name';
import { decodeRecEntry } from './stub';

const MAGIC = Buffer.from('vpg1');

/** What the levels below a record hold for its key: 0 nothing, 1 an entry, 2 an entry with a TTL. */
export type Below = 0 | 1 | 2;

/** A key's state at one level: its entry, or null (deleted); `p` what is below; `seq` the commit that wrote it. */
export interface Rec {
  e: Entry | null;
  p: Below;
  seq: number;
}

/** A node's ref to a leaf, or the root's to a node: the range's start, its page, keys and keys with a TTL beneath. */
export interface PageRef {
  lo: number;
  page: string;
  n: number;
  x: number;
  /**
   * Bytes of the pages beneath, as stored: a leaf's own, a node's own plus its
   * leaves' (--maxmemory counts the database from the refs, never by reading
   * pages). Absent in refs written before it was kept: unknown until a fold
   * measures it (fold.ts).
   */
  b?: number;
  /** Of a node's leaf ref: the index pages of the stubs in that leaf (layout.ts §3), so the GC needs no leaf. */
  a?: string[];
}

/** A ref as a node header or the root writes it: `b` only when known, `a` only when the leaf has stubs. */
export const refJson = (r: PageRef): string =>
  `[${r.lo},${JSON.stringify(r.page)},${r.n},${r.x}${r.b === undefined ? '' : `,${r.b}`}${r.a?.length ? `,${JSON.stringify(r.a)}` : ''}]`;

/** A ref from its JSON array: lo, page, n, x, then `b` (a number) and `a` (an array of page names), each optional; undefined when malformed. */
export function refOf(r: unknown, pageName: (s: string) => boolean): PageRef | undefined {
  const int = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  const names = (a: unknown): a is string[] => Array.isArray(a) && a.every((p) => typeof p === 'string' && pageName(p));
  if (!Array.isArray(r) || r.length < 4 || r.length > 6 || !int(r[0]) || typeof r[1] !== 'string' || !pageName(r[1]) || !int(r[2]) || !int(r[3])) return undefined;
  const ref: PageRef = { lo: r[0], page: r[1], n: r[2], x: r[3] };
  let i = 4;
  if (i < r.length && typeof r[i] === 'number') {
    if (!int(r[i])) return undefined;
    ref.b = r[i++] as number;
  }
  if (i < r.length) {
    if (!names(r[i])) return undefined;
    ref.a = r[i++] as string[];
  }
  return i === r.length ? ref : undefined;
}

export interface PageHead {
  kind: 'leaf' | 'node';
  db: number;
  /** The range [lo, hi) of key positions this page covers. */
  lo: number;
  hi: number;
  leaves?: PageRef[];
}

/** A decoded page: its header and records by key (latin1), each entry parsed on first use. */
export interface Page extends PageHead {
  recs: Map<string, Rec>;
  /** Its bytes as stored (decodePage sets it): what a ref's `b` adds up. */
  size?: number;
}

export { PageCorruptError, PageError, PageMissingError } from './errors';

/** The page's bytes; records in the order given (callers give position order). */
export function encodePage(head: PageHead, recs: Iterable<[string, Rec]>): Buffer {
  const parts: Buffer[] = [];
  let n = 0;
  for (const [k, r] of recs) {
    const key = Buffer.from(k, 'latin1');
    const json = r.e === null ? Buffer.alloc(0) : Buffer.from(wholeEntryJson(r.e), 'utf8');
    const fixed = Buffer.alloc(4 + key.length + 14);
    fixed.writeUInt32BE(key.length, 0);
    key.copy(fixed, 4);
    let o = 4 + key.length;
    o = fixed.writeUInt8(r.e === null ? 0 : 1, o);
    o = fixed.writeUInt8(r.p, o);
    o = fixed.writeDoubleBE(r.seq, o);
    fixed.writeUInt32BE(json.length, o);
    parts.push(fixed, json);
    n++;
  }
  const h: Record<string, unknown> = { kind: head.kind, db: head.db, lo: head.lo, hi: head.hi, n };
  const hjson = Buffer.from(head.kind === 'node' ? `${JSON.stringify(h).slice(0, -1)},"leaves":[${(head.leaves ?? []).map(refJson).join(',')}]}` : JSON.stringify(h), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(hjson.length);
  const body = Buffer.concat([MAGIC, len, hjson, ...parts]);
  return Buffer.concat([body, digestOf(body)]);
}

/** Checks and decodes the page `name`; PageCorruptError (naming it) for anything but a page valthree wrote under that name. */
export function decodePage(name: string, bytes: Buffer): Page {
  const fail = (why: string): never => {
    throw new PageCorruptError(name, why);
  };
  const body = checkedBody(name, bytes, MAGIC, 'a valthree page');
  const hlen = body.readUInt32BE(4);
  const head = parseHead(body.subarray(8, 8 + hlen), fail);
  const page: Page = { ...head, recs: new Map(), size: bytes.length };
  let o = 8 + hlen;
  const at: Origin = { body, name, db: page.db };
  while (o < body.length) o = readRecord(body, o, page, at, fail);
  return page;
}

function parseHead(raw: Buffer, fail: (why: string) => never): PageHead & { n: number } {
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  } catch {
    return fail('its header is not JSON');
  }
  const int = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  if ((h.kind !== 'leaf' && h.kind !== 'node') || !int(h.db) || !int(h.lo) || !int(h.hi) || !int(h.n)) fail('malformed header');
  const head: PageHead & { n: number } = { kind: h.kind as 'leaf' | 'node', db: h.db as number, lo: h.lo as number, hi: h.hi as number, n: h.n as number };
  if (head.kind === 'node') {
    const ls = Array.isArray(h.leaves) ? h.leaves.map((l) => refOf(l, isPageName)) : undefined;
    if (!ls || ls.some((l) => l === undefined)) fail('malformed leaf refs');
    head.leaves = ls as PageRef[];
  }
  return head;
}

/** Reads one record at `o` into page.recs (its entry parsed lazily); the offset after it. */
function readRecord(body: Buffer, o: number, page: Page, at: Origin, fail: (why: string) => never): number {
  if (o + 4 > body.length) fail('truncated record');
  const klen = body.readUInt32BE(o);
  if (o + 4 + klen + 14 > body.length) fail('truncated record');
  const k = body.toString('latin1', o + 4, o + 4 + klen);
  o += 4 + klen;
  const tag = body.readUInt8(o);
  const p = body.readUInt8(o + 1);
  const seq = body.readDoubleBE(o + 2);
  const elen = body.readUInt32BE(o + 10);
  const start = o + 14;
  if (start + elen > body.length || tag > 1 || p > 2 || !Number.isSafeInteger(seq) || (tag === 0 && elen > 0)) fail('malformed record');
  if (page.recs.has(k)) fail('a key appears twice');
  page.recs.set(k, new LazyRec(at, k, start, elen, tag === 0, p as Below, seq));
  return start + elen;
}

/** What a page's records were read from: one per page, shared by all its records. */
interface Origin {
  body: Buffer;
  name: string;
  db: number;
}

/**
 * A record whose entry is parsed on first read (then kept). A class with its
 * accessors on the prototype, not an object literal closing over its
 * arguments: a decoded page holds one per key, the page cache a million at
 * 1M keys, and the literal's two closures and context per record cost
 * ~600 B of heap each (measured), this ~100 B.
 */
class LazyRec implements Rec {
  private v: Entry | null | undefined;

  constructor(
    private readonly at: Origin,
    private readonly k: string,
    private readonly start: number,
    private readonly len: number,
    tomb: boolean,
    public p: Below,
    public seq: number,
  ) {
    this.v = tomb ? null : undefined;
  }

  get e(): Entry | null {
    if (this.v === undefined) {
      try {
        this.v = decodeRecEntry(JSON.parse(this.at.body.toString('utf8', this.start, this.start + this.len)), this.k, this.at.db);
      } catch (err) {
        const why = err instanceof CorruptDocumentError ? err.message.replace(/^db\.json: /, '') : `an entry is not JSON (${(err as Error).message})`;
        throw new PageCorruptError(this.at.name, why);
      }
    }
    return this.v;
  }

  set e(v: Entry | null) {
    this.v = v;
  }
}
