/**
 * Incremental encoding: keys are spread over 256 pages by hash, and each page
 * caches its encoded bytes. A commit re-encodes only the pages its writes
 * touched and copies the rest, so a SET on a 100k-key document costs about
 * what the bytes cost to send, not a re-serialisation of every key.
 */
import { isUtf8 } from 'node:buffer';
import { aggregateJson, entryBytes, entryJson } from './document-entry-json';
import type { Entry } from './document-format';
import { stringBytes } from './document-json';

const PAGE_COUNT = 256;

/**
 * An entry as a page holds it, with its `"key":entry` fragment cached. The
 * entry is never changed in place (a write stores a new slot), so the cache
 * cannot go stale, and an undo log can keep the old slot as it was.
 */
export interface Slot {
  readonly e: Entry;
  /**
   * The fragment, built when a page is encoded (undefined: not yet). For an
   * aggregate, only its start (`"key":{"t":"hash","v":[`): its members
   * follow as the value's cached chunk fragments (`parts`), then `tail`.
   */
  json: string | undefined;
  parts?: Buffer[];
  tail?: string;
  /** Whether the key is stored in data64 (not valid UTF-8). */
  bin: boolean;
  /** UTF-8 size of `json` plus its separator: what the entry costs in db.json (-1: not measured yet). */
  bytes: number;
}

export const newSlot = (e: Entry): Slot => ({ e, json: undefined, bin: false, bytes: -1 });

/** A slice of the keyspace with its encoded form cached (undefined: stale). */
export interface Page {
  entries: Map<string, Slot>;
  /** The page's `data` and `data64` members, comma-separated: pieces of strings, and aggregates' chunk fragments. */
  utf?: Buffer[];
  bin?: Buffer[];
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

/**
 * A section's pieces being built: small entries' JSON is joined into one
 * Buffer, an aggregate's cached chunk fragments are added as they are.
 */
class Pieces {
  readonly out: Buffer[] = [];
  private text: string[] = [];
  private empty = true;

  add(s: Slot): void {
    if (!this.empty) this.text.push(',');
    this.empty = false;
    this.text.push(s.json as string);
    if (s.parts === undefined) return;
    this.flush();
    for (const p of s.parts) this.out.push(p);
    this.text.push(s.tail as string);
  }

  done(): Buffer[] {
    this.flush();
    return this.out;
  }

  private flush(): void {
    if (this.text.length > 0) this.out.push(Buffer.from(this.text.join(''), 'utf8'));
    this.text = [];
  }
}

/** The slot's `"key":entry` fragment (an aggregate's in pieces), built once. */
function slotJson(k: string, s: Slot): void {
  if (s.json !== undefined) return;
  slotBytes(k, s);
  const key = Buffer.from(k, 'latin1');
  const name = s.bin ? `"${key.toString('base64')}"` : JSON.stringify(key.toString('utf8'));
  if (s.e.type === 'string') {
    s.json = `${name}:${entryJson(s.e)}`;
    return;
  }
  // An aggregate is not joined into one string: a big one would be re-copied with every change to its page.
  const a = aggregateJson(s.e);
  s.json = `${name}:${a.head}`;
  s.parts = a.parts;
  s.tail = a.tail + a.close;
}

/** Rebuilds a stale page's cached bytes (the `data` and `data64` parts). */
function encodePage(p: Page): void {
  if (p.utf !== undefined && p.bin !== undefined) return;
  const utf = new Pieces();
  const bin = new Pieces();
  let size = 0;
  for (const [k, s] of p.entries) {
    slotJson(k, s);
    size += s.bytes;
    (s.bin ? bin : utf).add(s);
  }
  p.size = size;
  p.utf = utf.done();
  p.bin = bin.done();
}

const COMMA = Buffer.from(',');

/** Appends the `data` (utf) or `data64` (bin) members of every page to `parts`. */
export function encodeSection(pages: Page[], which: 'utf' | 'bin', parts: Buffer[]): void {
  let first = true;
  for (const p of pages) {
    encodePage(p);
    const bs = p[which] as Buffer[];
    if (bs.length === 0) continue;
    if (!first) parts.push(COMMA);
    for (const b of bs) parts.push(b);
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
