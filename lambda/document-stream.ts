/** Stream values (see document-values.ts). */
import { Aggregate, type Fail } from './document-aggregate';
import { Seq } from './document-chunks';
import { bytesJson, decodeBytes } from './document-json';

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

