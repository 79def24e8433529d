/**
 * What a commit changed, kept small enough to ride in every commit record:
 * a mark per changed key (its database and a 32-bit hash of its name), or a
 * whole database (`*3`: FLUSHDB, SWAPDB) or every database (`*`: FLUSHALL,
 * or more keys than a record keeps marks for).
 *
 * WATCH needs to know whether a key changed after a point in the document's
 * history, even if it was deleted or recreated meanwhile: a per-entry
 * counter vanishes with its key. The commit window already lists every
 * recent commit in order, so each record carries its marks and EXEC reads
 * the records after its WATCH. A hash collision can only make EXEC abort
 * when it need not — what a client retries anyway — never the reverse.
 */

/** More distinct marks than this in one commit: recorded as `*` (everything may have changed). */
export const MAX_MARKS_PER_COMMIT = 256;
export const EVERYTHING = '*';

export function keyMark(db: number, key: Buffer): string {
  // FNV-1a: fast, and spread well enough for short keys.
  let h = 0x811c9dc5 ^ db;
  h = Math.imul(h, 0x01000193);
  for (let i = 0; i < key.length; i++) {
    h ^= key[i];
    h = Math.imul(h, 0x01000193);
  }
  return `${db.toString(16)}:${(h >>> 0).toString(16)}`;
}

export const dbMark = (db: number): string => `*${db.toString(16)}`;

/** The marks a commit record keeps: distinct, or `*` past the cap. */
export function compactMarks(marks: Iterable<string>): string[] {
  const set = new Set(marks);
  if (set.has(EVERYTHING) || set.size > MAX_MARKS_PER_COMMIT) return [EVERYTHING];
  return [...set];
}

/** Whether a record's marks say the key (in db) may have changed. */
export function marksHit(marks: readonly string[], db: number, mark: string): boolean {
  const whole = dbMark(db);
  return marks.some((m) => m === mark || m === whole || m === EVERYTHING);
}
