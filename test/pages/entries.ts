/** Entries of every type for the page tests: fast-check arbitraries and a comparable form. */
import fc from 'fast-check';
import { entryOf, HashValue, ListValue, Seq, SetValue, StreamValue, ZSetValue, type Entry, type EntryMeta } from '../../lambda/document';
import { wholeEntryJson } from '../../lambda/document-entry-json';
import { bytesArb } from '../lambda/util';

const latin = bytesArb.map((b) => b.toString('latin1'));
const metaArb: fc.Arbitrary<EntryMeta> = fc.record({ expiresAt: fc.option(fc.integer({ min: 0, max: 2 ** 45 }), { nil: undefined }), stamp: fc.option(fc.nat(1000), { nil: undefined }) }, { requiredKeys: [] });

const valueArb = fc.oneof(
  { weight: 4, arbitrary: bytesArb },
  { weight: 1, arbitrary: fc.array(fc.tuple(latin, bytesArb), { minLength: 1, maxLength: 6 }).map((ps) => new HashValue(hashOf(ps))) },
  { weight: 1, arbitrary: fc.array(bytesArb, { minLength: 1, maxLength: 6 }).map((xs) => new ListValue(Seq.from(xs))) },
  { weight: 1, arbitrary: fc.array(latin, { minLength: 1, maxLength: 6 }).map((ms) => SetValue.of(ms)) },
  { weight: 1, arbitrary: fc.array(fc.tuple(latin, fc.double({ noNaN: true })), { minLength: 1, maxLength: 6 }).map(zsetOf) },
  { weight: 1, arbitrary: fc.array(fc.tuple(bytesArb, bytesArb), { maxLength: 3 }).map(streamOf) },
);

function hashOf(pairs: [string, Buffer][]) {
  const d = HashValue.EMPTY.draft();
  for (const [f, v] of pairs) d.set(f, v);
  return d.done();
}

function zsetOf(pairs: [string, number][]): ZSetValue {
  const d = ZSetValue.EMPTY.draft();
  for (const [m, s] of pairs) d.add(m, s);
  return d.done();
}

function streamOf(fields: [Buffer, Buffer][]): StreamValue {
  const items = fields.map(([f, v], i) => ({ id: { ms: BigInt(1000 + i), seq: 0n }, fields: [f, v] }));
  const last = items.length ? items[items.length - 1].id : { ms: 0n, seq: 0n };
  return new StreamValue(Seq.from(items), last, items.length, { ms: 0n, seq: 0n });
}

export const entryArb: fc.Arbitrary<Entry> = fc.tuple(valueArb, metaArb).map(([v, m]) => entryOf(v, m));

/** An entry as format 3 writes it: equal JSON is equal entries (type, members, order, meta). */
export const form = (e: Entry | undefined | null): string | undefined => (e ? wholeEntryJson(e) : undefined);
