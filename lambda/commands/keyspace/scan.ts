/**
 * SCAN cursor [MATCH pattern] [COUNT n] [TYPE type].
 *
 * The cursor is a position in key-hash order: every key has a fixed 52-bit
 * hash, a call returns the live keys whose hash is at least the cursor, in
 * hash order, and the next cursor is the hash of the first key it left out
 * (0: done). A key present for the whole iteration therefore comes back at
 * least once, whatever was written meanwhile, as Redis guarantees; and the
 * cursor names a point in hash space, not a slot in any storage layout, so
 * it stays valid when the document is repaged, rewritten or reloaded.
 * Cursors stay below 2^53, so clients that parse them as doubles (node-redis
 * uses Number) lose no digit.
 *
 * Each call walks the keys it can see once (the document keeps no index by
 * hash): an inline database's all, a paged one's in the hash ranges loaded
 * from the cursor on, until they hold COUNT + 1 (the one past the page names
 * the next cursor, as on an inline database). COUNT counts keys returned, after MATCH and TYPE, not keys
 * visited: a filtered scan then takes as few round trips as its result needs.
 */
import { CommandError, INVALID_CURSOR, SYNTAX_ERROR } from '../../errors';
import type { Reply } from '../../contract';
import type { Args } from '../args';
import type { Keyspace } from '../context';
import { bulk, specOf, type Command } from '../types';
import { globMatch } from './glob';
import { hash52 } from '../../hash52';
import { END } from '../../pages/spans';

const UINT64_MAX = 2n ** 64n - 1n;
/** Cursors Redis accepts: strtoul's decimal, no leading space; empty is 0, "-n" wraps modulo 2^64. */
const CURSOR = /^[+-]?[0-9]*$/;

/** A key's position in the hash space cursors name (lambda/hash52.ts). */
export const keyHash = hash52;

/** The cursor as Redis's parseScanCursorOrReply reads it (an unsigned 64-bit integer). */
export function parseCursor(word: Buffer): bigint {
  const s = word.toString('latin1');
  if (!CURSOR.test(s) || s === '+' || s === '-') throw new CommandError(INVALID_CURSOR);
  const digits = s.replace(/^[+-]/, '');
  const n = digits === '' ? 0n : BigInt(digits);
  if (n > UINT64_MAX) throw new CommandError(INVALID_CURSOR);
  return s.startsWith('-') ? (2n ** 64n - n) % 2n ** 64n : n;
}

export interface ScanOptions {
  count: number;
  pattern: Buffer | null;
  type: string | null;
}

/** SCAN's options; HSCAN and SSCAN take MATCH and COUNT only (TYPE is a syntax error there, as in Redis). */
export function scanOptions(args: Args, allowType = true): ScanOptions {
  const o: ScanOptions = { count: 10, pattern: null, type: null };
  while (args.left > 0) {
    const w = args.word();
    if (args.left < 1) throw new CommandError(SYNTAX_ERROR);
    if (w === 'count') {
      const n = args.integer();
      if (n < 1n) throw new CommandError(SYNTAX_ERROR);
      o.count = Number(n);
    } else if (w === 'match') {
      const p = args.next();
      o.pattern = p.length === 1 && p[0] === 0x2a ? null : p;
    } else if (w === 'type' && allowType) {
      o.type = args.next().toString('latin1').toLowerCase();
    } else {
      throw new CommandError(SYNTAX_ERROR);
    }
  }
  return o;
}

/**
 * The page at `cursor`: keys with hash in [cursor, last], in hash order, and
 * the cursor after it (0: done). `hash` is replaceable so tests can force
 * collisions.
 */
export function scanPage(db: Keyspace, cursor: number, o: ScanOptions, hash: (key: Buffer) => number = keyHash): { next: number; keys: Buffer[] } {
  const hashes: number[] = [];
  const found: Buffer[] = [];
  // A paged database gives the keys of the hash range resolved from the cursor on (layout.ts §2): all of them, or none, lie below `end`.
  const run = db.doc.scanRun(db.db, cursor, o.count + 1);
  for (const name of run.keys) {
    const k = Buffer.from(name, 'latin1');
    const h = hash(k);
    // live(), not has(): a scan does not record every key it passes as read.
    if (h < cursor || db.live(k) === undefined) continue;
    if (o.type !== null && db.entry(k)?.type !== o.type) continue;
    if (o.pattern !== null && !globMatch(o.pattern, k)) continue;
    hashes.push(h);
    found.push(k);
  }
  if (hashes.length <= o.count) {
    // Too few, and the hash space goes on past the run: the next pages are loaded and the batch reruns.
    if (run.end < END) db.doc.needSpan(db.db, run.end, o.count + 1 - hashes.length);
    return { next: 0, keys: byHash(hashes, found, Infinity) };
  }
  const order = Float64Array.from(hashes).sort();
  // Keys sharing the last hash all go in this page, so the next cursor is past them and the scan always advances.
  const last = order[o.count - 1];
  const next = order.find((h) => h > last) ?? 0;
  return { next, keys: byHash(hashes, found, last) };
}

function byHash(hashes: number[], keys: Buffer[], last: number): Buffer[] {
  const picked = hashes.flatMap((h, i) => (h <= last ? [i] : []));
  return picked.sort((a, b) => hashes[a] - hashes[b]).map((i) => keys[i]);
}

export const scan: Command = {
  spec: specOf('scan'),
  run(args, { db }) {
    const cursor = parseCursor(args.next());
    const o = scanOptions(args);
    // A cursor past the hash space (no cursor of ours; "-1" is 2^64-1) has nothing left to return.
    const page = cursor >= 2n ** 52n ? { next: 0, keys: [] } : scanPage(db, Number(cursor), o);
    const keys: Reply[] = page.keys.map(bulk);
    return { t: 'array', v: [bulk(Buffer.from(String(page.next))), { t: 'array', v: keys }] };
  },
};
