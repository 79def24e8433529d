/**
 * One numbered database (SELECT n): its pages of entries, their count and
 * size, and the index of its keys that have a TTL. A Document holds 16 of
 * them (created on first write), and writes each into its own JSON section;
 * an encoded page does not depend on the section it lands in, so SWAPDB
 * moves whole keyspaces and every cached page stays valid.
 */
import { DB_COUNT, DBS_BYTES, DBS_OPEN, dbFrameBytes, dbOpen, MIDDLE, TAIL } from './document-format';
import { encodeSection, newPages, pageOf, slotBytes, type Page, type Slot } from './document-pages';
import { TtlIndex } from './document-ttl';

export class Keyspace {
  readonly pages: Page[] = newPages();
  count = 0;
  /**
   * Sum of the entries' slotBytes; undefined while unknown (after decode,
   * which measures the body, not each entry): measure() finds it.
   */
  bytes: number | undefined;
  readonly ttl = new TtlIndex();

  constructor(bytes: number | undefined = 0) {
    this.bytes = bytes;
  }

  slot(k: string): Slot | undefined {
    return this.pages[pageOf(k)].entries.get(k);
  }

  /**
   * Stores k's slot (undefined: removes k), keeping count, bytes and the TTL
   * index exact, and marks the page stale. Returns the slot it replaced.
   */
  place(k: string, slot: Slot | undefined): Slot | undefined {
    const page = this.pages[pageOf(k)];
    const prev = page.entries.get(k);
    if (!prev && !slot) return undefined;
    page.utf = page.bin = page.size = undefined;
    if (slot) page.entries.set(k, slot);
    else page.entries.delete(k);
    this.count += (slot ? 1 : 0) - (prev ? 1 : 0);
    if (this.bytes !== undefined) this.bytes += (slot ? slotBytes(k, slot) : 0) - (prev ? slotBytes(k, prev) : 0);
    if (slot?.e.expiresAt !== undefined || prev?.e.expiresAt !== undefined) this.ttl.set(k, slot?.e.expiresAt);
    return prev;
  }

  /** Adds an entry while decoding: pages are not encoded yet, bytes is unknown. */
  load(k: string, slot: Slot): void {
    const entries = this.pages[pageOf(k)].entries;
    const prev = entries.get(k);
    entries.set(k, slot);
    if (!prev) this.count++;
    if (slot.e.expiresAt !== undefined || prev?.e.expiresAt !== undefined) this.ttl.set(k, slot.e.expiresAt);
  }

  /** The exact bytes; O(entries) once after a decode (encoded pages know their size). */
  measure(): number {
    if (this.bytes === undefined) {
      let total = 0;
      for (const p of this.pages) {
        if (p.size !== undefined) total += p.size;
        else for (const [k, s] of p.entries) total += slotBytes(k, s);
      }
      this.bytes = total;
    }
    return this.bytes;
  }
}

export type Keyspaces = (Keyspace | undefined)[];

export const newKeyspaces = (): Keyspaces => new Array<Keyspace | undefined>(DB_COUNT).fill(undefined);

const filled = (ks: Keyspace | undefined): ks is Keyspace => ks !== undefined && ks.count > 0;

/** What the JSON around the entries of databases 1 to 15 costs: their members of `dbs`, and `dbs` itself. */
export function frameBytes(dbs: Keyspaces): number {
  let total = 0;
  for (let db = 1; db < DB_COUNT; db++) if (filled(dbs[db])) total += dbFrameBytes(db);
  return total === 0 ? 0 : total + DBS_BYTES;
}

/** What the frame grows by when empty database `db` gets its first key. */
export function openBytes(dbs: Keyspaces, db: number): number {
  if (db === 0) return 0;
  for (let n = 1; n < DB_COUNT; n++) if (n !== db && filled(dbs[n])) return dbFrameBytes(db);
  return dbFrameBytes(db) + DBS_BYTES;
}

const B_MIDDLE = Buffer.from(MIDDLE);
const B_TAIL = Buffer.from(TAIL);
/** Closes db 0's data64 and opens `dbs`. */
const B_DBS_START = Buffer.from(`}${DBS_OPEN}`);
const B_COMMA = Buffer.from(',');
const B_DB_OPEN = Array.from({ length: DB_COUNT }, (_, db) => Buffer.from(dbOpen(db)));

/** A keyspace's `data` members, MIDDLE, its `data64` members; its bytes made exact on the way. */
function sections(ks: Keyspace | undefined, parts: Buffer[]): void {
  if (ks) encodeSection(ks.pages, 'utf', parts);
  parts.push(B_MIDDLE);
  if (!ks) return;
  encodeSection(ks.pages, 'bin', parts);
  let total = 0;
  for (const p of ks.pages) total += p.size as number;
  ks.bytes = total;
}

/**
 * Appends everything after the head (which ends inside `"data":{`): db 0's
 * maps, then `dbs` when another database has keys, then `after` (format 4's
 * paged members, with their leading comma). Only stale pages are
 * re-encoded: a SET in db 3 rebuilds one page of db 3.
 */
export function encodeKeyspaces(dbs: Keyspaces, parts: Buffer[], after?: string): void {
  sections(dbs[0], parts);
  let open = false;
  for (let db = 1; db < DB_COUNT; db++) {
    const ks = dbs[db];
    if (!filled(ks)) continue;
    parts.push(open ? B_COMMA : B_DBS_START, B_DB_OPEN[db]);
    open = true;
    sections(ks, parts);
    parts.push(B_TAIL);
  }
  // Closes db 0's data64 and the document, or `dbs` and the document.
  parts.push(after === undefined ? B_TAIL : Buffer.from(`}${after}}`));
}
