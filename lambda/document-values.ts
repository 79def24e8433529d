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
import { Aggregate, type Fail } from './document-aggregate';
import { FieldMap, type FieldMapDraft, Seq } from './document-chunks';
import { bytesJson, decodeBytes, decodeLatin1, latin1Json } from './document-json';
import type { StreamValue } from './document-stream';
import type { ZSetValue } from './document-zset';

export type { EncodedValue, Fail } from './document-aggregate';
export * from './document-stream';
export * from './document-zset';

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

/** Every aggregate value. */
export type AggregateValue = HashValue | ListValue | SetValue | ZSetValue | StreamValue;
