/**
 * WATCH's side of a transaction: what a WATCH saw, and whether EXEC must
 * abort because a watched key changed since.
 *
 * A WATCH answers the commit number it saw the keys after, and for each key
 * whether it was absent, live or already expired (lambda/contract.ts). EXEC
 * then reads the commit records after that number — each lists the keys its
 * commit changed (lambda/changes.ts) — plus the changes its own batch made
 * before it. That covers every writer on every proxy, FLUSHALL/FLUSHDB, and
 * keys deleted and recreated meanwhile. A WATCH older than the commit window
 * (60 s, 8192 commits) aborts: what changed since can no longer be told.
 */
import { WatchState, type WatchToken, type Reply } from './contract';
import { decodeArg } from './contract-wire';
import { marksHit, keyMark } from './changes';
import type { Document } from './document';
import { Keyspace, type PendingWatch, type Touched } from './commands/context';

/**
 * Completes this batch's WATCH replies once every command ran. If the batch
 * changed anything it commits as the next commit, so its WATCHes name that
 * one (their keys' changes before them are in it, and must not abort their
 * EXEC); a key the batch changed after a WATCH is marked Changed, since the
 * commit record cannot tell before from after.
 */
export function settleWatches(watches: readonly PendingWatch[], touched: Touched, doc: Document): void {
  const ownCommit = doc.mark() > 0;
  for (const w of watches) {
    if (ownCommit) w.reply.v[0].v = doc.seq + 1;
    const later = touched.changes.slice(w.at);
    w.marks.forEach((m, i) => {
      if (marksHit(later, w.db, m)) w.reply.v[i + 1].v = WatchState.Changed;
    });
  }
}

/** Whether any watched key may have changed since its WATCH: then EXEC answers a null array. */
export function watchBroken(watch: readonly WatchToken[], doc: Document, touched: Touched, now: number): boolean {
  return watch.some((w) => changedSince(w, doc, touched, now));
}

function changedSince(w: WatchToken, doc: Document, touched: Touched, now: number): boolean {
  if (w.state === WatchState.Changed) return true;
  const records = doc.commitsAfter(w.seq);
  if (records === null) return true;
  const key = decodeArg(w.key);
  const mark = keyMark(w.db, key);
  // Its expiry is no change to a key that was already expired when watched.
  const expiryCounts = w.state !== WatchState.Expired;
  for (const r of records) {
    // A record an older version wrote does not say what changed.
    if (r.c === undefined || marksHit(r.c, w.db, mark)) return true;
    if (expiryCounts && r.x !== undefined && marksHit(r.x, w.db, mark)) return true;
  }
  // This batch's commands before the EXEC (other connections') come after the WATCH.
  if (marksHit(touched.changes, w.db, mark)) return true;
  if (expiryCounts && marksHit(touched.expired, w.db, mark)) return true;
  // Live then, expired by now (and not removed yet): Redis aborts too.
  return w.state === WatchState.Live && new Keyspace(doc, touched, w.db, now).presence(key) !== WatchState.Live;
}

export const NULL_ARRAY: Reply = { t: 'null', array: true };
