/**
 * An entry's JSON in db.json (see document-format.ts for the grammar), and
 * its UTF-8 size measured exactly: what the size cap charges every write.
 */
import { bytesJson, bytesJsonBytes } from './document-json';
import type { EncodedValue } from './document-values';
import type { Entry, EntryMeta, StringEntry } from './document-format';

/** UTF-8 size of metaTail(e) less its closing brace: `,"x":..,"s":..`. */
function metaBytes(e: EntryMeta): number {
  let n = 0;
  if (e.expiresAt !== undefined) n += 5 + String(e.expiresAt).length;
  if (e.stamp !== undefined) n += 5 + String(e.stamp).length;
  return n;
}

/**
 * UTF-8 size of an entry's JSON, exactly: a string's measured from its bytes
 * without building it; an aggregate's from its encoded pieces, which it
 * caches (per value, and per chunk: a write re-encodes only the chunks it
 * changed), so the size is the JSON's by construction.
 */
export function entryBytes(e: Entry): number {
  if (e.type !== 'string') {
    const a = aggregateJson(e);
    return a.head.length + a.bytes + Buffer.byteLength(a.tail) + metaBytes(e) + 1;
  }
  const v = bytesJsonBytes(e.value);
  if (e.expiresAt === undefined && e.stamp === undefined) return v;
  return 6 + v + metaBytes(e); // {"v":…}
}

/** The JSON of a string entry: a bare value while it has no meta, as in format 1. */
export function entryJson(e: StringEntry): string {
  const v = bytesJson(e.value);
  if (e.expiresAt === undefined && e.stamp === undefined) return v;
  let out = `{"v":${v}`;
  if (e.expiresAt !== undefined) out += `,"x":${e.expiresAt}`;
  if (e.stamp !== undefined) out += `,"s":${e.stamp}`;
  return `${out}}`;
}

/** `,"x":..,"s":..}`: what closes an aggregate's entry after its value. */
export function metaTail(e: EntryMeta): string {
  let out = '';
  if (e.expiresAt !== undefined) out += `,"x":${e.expiresAt}`;
  if (e.stamp !== undefined) out += `,"s":${e.stamp}`;
  return `${out}}`;
}

/** An aggregate entry's JSON in pieces: the value's (its chunks cached) and the entry's meta. */
export function aggregateJson(e: Exclude<Entry, StringEntry>): EncodedValue & { close: string } {
  return { ...e.value.encoded(), close: metaTail(e) };
}

/** The whole JSON of any entry, joined (tests, and whoever needs it in one piece). */
export function wholeEntryJson(e: Entry): string {
  if (e.type === 'string') return entryJson(e);
  const a = aggregateJson(e);
  return a.head + Buffer.concat(a.parts).toString('utf8') + a.tail + a.close;
}
