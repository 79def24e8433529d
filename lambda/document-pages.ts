/**
 * Incremental encoding: keys are spread over 256 pages by hash, and each page
 * caches its encoded bytes. A commit re-encodes only the pages its writes
 * touched and copies the rest, so a SET on a 100k-key document costs about
 * what the bytes cost to send, not a re-serialisation of every key.
 */
import { isUtf8 } from 'node:buffer';
import { entryBytes, entryJson, stringBytes, type Entry } from './document-format';

const PAGE_COUNT = 256;

/**
 * An entry as a page holds it, with its `"key":entry` fragment cached. The
 * entry is never changed in place (a write stores a new slot), so the cache
 * cannot go stale, and an undo log can keep the old slot as it was.
 */
export interface Slot {
  readonly e: Entry;
  /** The fragment, built when a page is encoded (undefined: not yet). */
  json: string | undefined;
  /** Whether the key is stored in data64 (not valid UTF-8). */
  bin: boolean;
  /** UTF-8 size of `json` plus its separator: what the entry costs in db.json (-1: not measured yet). */
  bytes: number;
}

export const newSlot = (e: Entry): Slot => ({ e, json: undefined, bin: false, bytes: -1 });

/** A slice of the keyspace with its encoded form cached (undefined: stale). */
export interface Page {
  entries: Map<string, Slot>;
  utf?: Buffer;
  bin?: Buffer;
  /** Sum of the entries' `bytes`, set with utf and bin. */
  size?: number;
}

export const newPages = (): Page[] => Array.from({ length: PAGE_COUNT }, () => ({ entries: new Map<string, Slot>() }));

/** FNV-1a over the key's bytes (as latin1 code units), folded to a page. */
export function pageOf(k: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
  return (h >>> 0) % PAGE_COUNT;
}

/** Keys are held as latin1 strings: a bijection with byte strings. */
export const keyOf = (b: Buffer): string => b.toString('latin1');

/**
 * What the slot costs in db.json, measured from its bytes without building
 * its JSON: every write asks (the size cap), and a key written many times in
 * one batch is encoded once, when its page is.
 */
export function slotBytes(k: string, s: Slot): number {
  if (s.bytes < 0) {
    const key = Buffer.from(k, 'latin1');
    s.bin = !isUtf8(key);
    const name = s.bin ? Math.ceil(key.length / 3) * 4 + 2 : stringBytes(key);
    s.bytes = name + 1 + entryBytes(s.e) + 1;
  }
  return s.bytes;
}

/** The slot's `"key":entry` fragment, built once. */
function slotJson(k: string, s: Slot): string {
  if (s.json === undefined) {
    slotBytes(k, s);
    const key = Buffer.from(k, 'latin1');
    const name = s.bin ? `"${key.toString('base64')}"` : JSON.stringify(key.toString('utf8'));
    s.json = `${name}:${entryJson(s.e)}`;
  }
  return s.json;
}

/** Rebuilds a stale page's cached bytes (the `data` and `data64` parts). */
function encodePage(p: Page): void {
  if (p.utf !== undefined && p.bin !== undefined) return;
  const utf: string[] = [];
  const bin: string[] = [];
  let size = 0;
  for (const [k, s] of p.entries) {
    const json = slotJson(k, s);
    size += s.bytes;
    (s.bin ? bin : utf).push(json);
  }
  p.size = size;
  p.utf = Buffer.from(utf.join(','), 'utf8');
  p.bin = Buffer.from(bin.join(','), 'utf8');
}

const COMMA = Buffer.from(',');

/** Appends the `data` (utf) or `data64` (bin) members of every page to `parts`. */
export function encodeSection(pages: Page[], which: 'utf' | 'bin', parts: Buffer[]): void {
  let first = true;
  for (const p of pages) {
    encodePage(p);
    const b = p[which] as Buffer;
    if (b.length === 0) continue;
    if (!first) parts.push(COMMA);
    parts.push(b);
    first = false;
  }
}

/**
 * Joins `parts` into `arena` when it is large enough, else into a new one
 * a quarter larger: a fresh multi-megabyte buffer per commit would make V8
 * run a full GC (walking every key) every few commits.
 */
export function assemble(parts: Buffer[], arena: Buffer | null): { arena: Buffer; body: Buffer } {
  let total = 0;
  for (const p of parts) total += p.length;
  if (!arena || arena.length < total) arena = Buffer.allocUnsafeSlow(Math.ceil(total * 1.25) + 1024);
  let off = 0;
  for (const p of parts) off += p.copy(arena, off);
  return { arena, body: arena.subarray(0, total) };
}
