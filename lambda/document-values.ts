/**
 * The values of the aggregate types (hash, list, set, sorted set, stream):
 * immutable, built from the persistent chunks of document-chunks.ts, each
 * able to write and read its db.json form (shapes in document-format.ts).
 *
 * Members, fields and sorted-set members are latin1 strings (one byte per
 * code unit, as keys are: keyOf()), so they can be Map keys; hash values,
 * list elements and stream fields/values are Buffers. Nothing here is ever
 * changed once built: a write builds a new value (drafts share every chunk
 * they do not touch), so the page cache and the undo journal stay valid.
 */
import { FieldMap, type FieldMapDraft, Seq } from './document-chunks';
import { bytesJson, decodeBytes, decodeLatin1, latin1Json } from './document-json';

/** An aggregate's JSON without its entry's meta: `head`, the chunk fragments, `tail`; then `,"x":..,"s":..}`. */
export interface EncodedValue {
  head: string;
  parts: Buffer[];
  /** UTF-8 bytes of `parts`. */
  bytes: number;
  tail: string;
}

/** Called by decoders with what is wrong; throws (CorruptDocumentError, naming the key). */
export type Fail = (what: string) => never;

abstract class Aggregate {
  private enc: EncodedValue | undefined;

  abstract readonly type: 'hash' | 'list' | 'set' | 'zset' | 'stream';
  abstract readonly size: number;
  protected abstract body(): { parts: Buffer[]; bytes: number };

  /** Members after `"v":[`; the stream adds its counters. */
  protected tail(): string {
    return ']';
  }

  /** Cached: the value never changes. */
  encoded(): EncodedValue {
    this.enc ??= { head: `{"t":"${this.type}","v":[`, ...this.body(), tail: this.tail() };
    return this.enc;
  }
}

// ---------------------------------------------------------------- hash

export class HashValue extends Aggregate {
  readonly type = 'hash';
  static readonly EMPTY = new HashValue(FieldMap.empty());

  constructor(readonly fields: FieldMap<Buffer>) {
    super();
  }

  get size(): number {
    return this.fields.size;
  }

  get(field: string): Buffer | undefined {
    return this.fields.get(field);
  }

  /** A draft of the fields; `new HashValue(draft.done())` is the changed hash. */
  draft(): FieldMapDraft<Buffer> {
    return this.fields.draft();
  }

  protected body() {
    return this.fields.json((f, v) => `[${latin1Json(f)},${bytesJson(v)}]`);
  }

  static decode(v: unknown[], fail: Fail): HashValue {
    const d = FieldMap.empty<Buffer>().draft();
    for (const item of v) {
      if (!Array.isArray(item) || item.length !== 2) fail('a hash member is not a [field, value] pair');
      const f = decodeLatin1(item[0]) ?? fail('a hash field is not a byte string');
      const val = decodeBytes(item[1]) ?? fail('a hash value is not a byte string');
      if (!d.set(f, val)) fail('a hash has a field twice');
    }
    return new HashValue(d.done());
  }
}

// ---------------------------------------------------------------- set

export class SetValue extends Aggregate {
  readonly type = 'set';
  static readonly EMPTY = new SetValue(FieldMap.empty());

  constructor(readonly members: FieldMap<true>) {
    super();
  }

  get size(): number {
    return this.members.size;
  }

  has(member: string): boolean {
    return this.members.has(member);
  }

  /** A draft of the members; `new SetValue(draft.done())` is the changed set. */
  draft(): FieldMapDraft<true> {
    return this.members.draft();
  }

  static of(members: Iterable<string>): SetValue {
    const d = FieldMap.empty<true>().draft();
    for (const m of members) d.set(m, true);
    return new SetValue(d.done());
  }

  protected body() {
    return this.members.json((m) => latin1Json(m));
  }

  static decode(v: unknown[], fail: Fail): SetValue {
    const d = FieldMap.empty<true>().draft();
    for (const item of v) {
      const m = decodeLatin1(item) ?? fail('a set member is not a byte string');
      if (!d.set(m, true)) fail('a set has a member twice');
    }
    return new SetValue(d.done());
  }
}

// ---------------------------------------------------------------- list

export class ListValue extends Aggregate {
  readonly type = 'list';
  static readonly EMPTY = new ListValue(Seq.empty());

  constructor(readonly items: Seq<Buffer>) {
    super();
  }

  get size(): number {
    return this.items.size;
  }

  protected body() {
    return this.items.json(bytesJson);
  }

  static decode(v: unknown[], fail: Fail): ListValue {
    return new ListValue(Seq.from(v.map((x) => decodeBytes(x) ?? fail('a list element is not a byte string'))));
  }
}

// ---------------------------------------------------------------- sorted set

/** A sorted-set member and its score. */
export interface ZItem {
  readonly m: string;
  readonly s: number;
}

/** Redis's order: by score, then by member bytes (latin1 strings compare as their bytes). */
export function zcompare(a: ZItem, b: ZItem): number {
  if (a.s < b.s) return -1;
  if (a.s > b.s) return 1;
  return a.m < b.m ? -1 : a.m > b.m ? 1 : 0;
}

/** A score in db.json: a JSON number, or "inf" / "-inf", which JSON has no number for. -0 stays -0 (Redis keeps it). */
export function scoreJson(s: number): string {
  if (s === Infinity) return '"inf"';
  if (s === -Infinity) return '"-inf"';
  return Object.is(s, -0) ? '-0' : JSON.stringify(s);
}

function decodeScore(v: unknown, fail: Fail): number {
  if (typeof v === 'number') return v;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return fail('a sorted-set score is neither a number nor "inf"/"-inf"');
}

/**
 * A sorted set: scores by member (ZSCORE, ZADD's lookup) in a FieldMap, and
 * the members in score order in a Seq. The order is kept always, not built
 * lazily: a lazily sorted index would cost O(n log n) on the first range
 * query after every write, so a ZADD/ZRANGE loop on a large set would sort
 * it each time. A Seq of sorted chunks is an order-statistics structure of
 * its own: rank and score lookups are binary searches (bound), an insert or
 * removal copies one chunk of at most 256 items and the chunk array. It is
 * also the set's JSON, in score order, each chunk with its cached fragment.
 */
export class ZSetValue extends Aggregate {
  readonly type = 'zset';
  static readonly EMPTY = new ZSetValue(FieldMap.empty(), Seq.empty());

  constructor(
    readonly scores: FieldMap<number>,
    readonly order: Seq<ZItem>,
  ) {
    super();
  }

  get size(): number {
    return this.scores.size;
  }

  score(member: string): number | undefined {
    return this.scores.get(member);
  }

  /** 0-based rank in ascending order, or undefined when absent. */
  rank(member: string): number | undefined {
    const s = this.scores.get(member);
    if (s === undefined) return undefined;
    const item = { m: member, s };
    return this.order.bound((x) => zcompare(x, item) < 0);
  }

  draft(): ZSetDraft {
    return new ZSetDraft(this.scores.draft(), this.order);
  }

  protected body() {
    return this.order.json((x) => `[${latin1Json(x.m)},${scoreJson(x.s)}]`);
  }

  static decode(v: unknown[], fail: Fail): ZSetValue {
    const scores = FieldMap.empty<number>().draft();
    const items: ZItem[] = [];
    for (const item of v) {
      if (!Array.isArray(item) || item.length !== 2) fail('a sorted-set member is not a [member, score] pair');
      const m = decodeLatin1(item[0]) ?? fail('a sorted-set member is not a byte string');
      const s = decodeScore(item[1], fail);
      if (!scores.set(m, s)) fail('a sorted set has a member twice');
      items.push({ m, s });
    }
    // Not trusted to be in order: a hand-edited document would break every range query.
    items.sort(zcompare);
    return new ZSetValue(scores.done(), Seq.from(items));
  }
}

/** A sorted set being changed; done() gives the new ZSetValue. */
export class ZSetDraft {
  constructor(
    private readonly scores: FieldMapDraft<number>,
    private order: Seq<ZItem>,
  ) {}

  get size(): number {
    return this.scores.size;
  }

  score(member: string): number | undefined {
    return this.scores.get(member);
  }

  /** Sets member's score (adding it or moving it); true when the member is new. */
  add(member: string, score: number): boolean {
    const old = this.scores.get(member);
    if (old !== undefined) {
      if (Object.is(old, score)) return false;
      this.unlink({ m: member, s: old });
    }
    this.scores.set(member, score);
    const item = { m: member, s: score };
    this.order = this.order.splice(
      this.order.bound((x) => zcompare(x, item) < 0),
      0,
      [item],
    );
    return old === undefined;
  }

  /** Removes member; true when it was there. */
  remove(member: string): boolean {
    const s = this.scores.get(member);
    if (s === undefined) return false;
    this.scores.delete(member);
    this.unlink({ m: member, s });
    return true;
  }

  private unlink(item: ZItem): void {
    this.order = this.order.splice(
      this.order.bound((x) => zcompare(x, item) < 0),
      1,
    );
  }

  done(): ZSetValue {
    return new ZSetValue(this.scores.done(), this.order);
  }
}

// ---------------------------------------------------------------- stream

/** A stream entry id, `ms-seq`: both unsigned 64-bit, hence bigint. */
export interface StreamId {
  readonly ms: bigint;
  readonly seq: bigint;
}

export const ZERO_ID: StreamId = { ms: 0n, seq: 0n };

export function compareIds(a: StreamId, b: StreamId): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  return a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0;
}

export const formatId = (id: StreamId): string => `${id.ms}-${id.seq}`;

const ID = /^(0|[1-9][0-9]{0,19})-(0|[1-9][0-9]{0,19})$/;
const U64_MAX = 2n ** 64n - 1n;

/** An id exactly as formatId writes it, or null. */
export function parseStoredId(s: unknown): StreamId | null {
  if (typeof s !== 'string') return null;
  const m = ID.exec(s);
  if (!m) return null;
  const id = { ms: BigInt(m[1]), seq: BigInt(m[2]) };
  return id.ms > U64_MAX || id.seq > U64_MAX ? null : id;
}

/** One stream entry: its id and its field/value pairs, flat (f1, v1, f2, v2, ...). */
export interface StreamItem {
  readonly id: StreamId;
  readonly fields: readonly Buffer[];
}

/**
 * A stream: entries in id order, and the counters XADD, XTRIM and XINFO
 * need that entries alone cannot tell once some are deleted. Unlike the
 * other types an empty stream is a value (XADD + XDEL, XTRIM MAXLEN 0, and
 * XGROUP CREATE … MKSTREAM leave one), so it is stored like any other.
 * Consumer groups are not part of it yet; a document with them ("g") is
 * refused as a field this version does not know.
 */
export class StreamValue extends Aggregate {
  readonly type = 'stream';
  static readonly EMPTY = new StreamValue(Seq.empty(), ZERO_ID, 0, ZERO_ID);

  constructor(
    readonly entries: Seq<StreamItem>,
    /** The last id XADD generated (or XSETID set): new ids must be greater. */
    readonly lastId: StreamId,
    /** Entries ever added (XINFO's entries-added). */
    readonly entriesAdded: number,
    /** The greatest id ever deleted (XINFO's max-deleted-entry-id). */
    readonly maxDeletedId: StreamId,
  ) {
    super();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Index of the first entry whose id is ≥ id. */
  lowerBound(id: StreamId): number {
    return this.entries.bound((x) => compareIds(x.id, id) < 0);
  }

  protected body() {
    return this.entries.json((x) => `["${formatId(x.id)}",[${x.fields.map(bytesJson).join(',')}]]`);
  }

  protected override tail(): string {
    return `],"last":"${formatId(this.lastId)}","added":${this.entriesAdded},"maxdel":"${formatId(this.maxDeletedId)}"`;
  }

  static decode(o: Record<string, unknown>, v: unknown[], fail: Fail): StreamValue {
    const items: StreamItem[] = [];
    for (const x of v) {
      if (!Array.isArray(x) || x.length !== 2 || !Array.isArray(x[1])) fail('a stream entry is not an [id, [field, value, ...]] pair');
      const id = parseStoredId(x[0]) ?? fail('a stream entry id is not "ms-seq"');
      const fields = (x[1] as unknown[]).map((f) => decodeBytes(f) ?? fail('a stream field or value is not a byte string'));
      if (fields.length === 0 || fields.length % 2 !== 0) fail('a stream entry does not hold field/value pairs');
      if (items.length > 0 && compareIds(items[items.length - 1].id, id) >= 0) fail('stream entries are not in ascending id order');
      items.push({ id, fields });
    }
    const last = parseStoredId(o.last) ?? fail('a stream has no valid "last" id');
    const maxdel = parseStoredId(o.maxdel) ?? fail('a stream has no valid "maxdel" id');
    if (!Number.isSafeInteger(o.added) || (o.added as number) < 0) fail('a stream\'s "added" is not a non-negative integer');
    if (items.length > 0 && compareIds(items[items.length - 1].id, last) > 0) fail('a stream has an entry past its "last" id');
    return new StreamValue(Seq.from(items), last, o.added as number, maxdel);
  }
}

/** Every aggregate value. */
export type AggregateValue = HashValue | ListValue | SetValue | ZSetValue | StreamValue;
