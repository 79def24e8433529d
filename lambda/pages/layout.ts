/**
 * Paged db.json (format 4): the design, and the key → page mapping.
 *
 * WHY. Every commit rewrites all of db.json (SET p50 4.2× slower at 100k keys
 * than at 1k; capped at 32 MiB). Format 4 keeps db.json as the one object
 * swapped with If-Match (the ROOT) and moves settled data into immutable PAGE
 * objects, so a commit uploads what it changed, in one PUT, at any size.
 *
 * SHAPE: a two-level buffer tree (a Bε-tree) per database, below the root:
 *
 *   db.json (root) ── inline log (one record per key, newest) ── nodes[] ──► NODE page
 *                                                                  (leaf refs + its own buffer) ──► LEAF pages
 *
 * A read of key k looks in the root log, then k's node's buffer, then k's
 * leaf; the first record found wins (a tombstone says "deleted"). Every
 * record carries `p`: what the levels BELOW it hold for k (0 absent, 1
 * present, 2 present with a TTL), so counts stay exact without reading below.
 *
 * 1. THE ROOT (format 4). Stays inline: format, clock, seq, the commit window
 *    (document-commits.ts, unchanged), databases that are not paged (their
 *    entries exactly as format 3 writes them), and per paged database
 *    `{"nodes":[{lo,page,n,x}], "log":[[key,entry|null,p,seq]]}` (root.ts),
 *    plus `retired` (GC, §8). A node (or leaf) ref: range [lo, next lo), page,
 *    keys n, TTLs x, page bytes b: DBSIZE = Σ n + Σ log (live − (p > 0)),
 *    expires alike; --maxmemory (1 GiB) bounds root − window + Σ b, O(refs).
 *    Bounds: log soft 64 KiB (≈ 700 records of 64 B values) asks for a fold,
 *    hard 512 KiB makes the commit fold itself (§5); ≤ 64 node refs per
 *    database (a node splits in two at 64 leaves, so 64 × 64 leaves × ~700 KiB
 *    ≈ 2.8 GiB before the root holds more than 64 refs ≈ 5 KB).
 *    Small databases: a database is paged once its inline entries exceed
 *    PAGE_THRESHOLD (1 MiB ≈ 12k keys of 64 B), and inlined again below a
 *    quarter of it. While no database is paged the handler writes format 3
 *    byte for byte, so small databases cost exactly what they cost today and
 *    a rollback to the previous version stays possible until the first fold.
 *
 * 2. KEYS → PAGES: ranges of hash52(key) (lambda/hash52.ts), per database.
 *    Not sorted key ranges: SCAN cursors are already positions in hash52
 *    space (commands/keyspace/scan.ts), so a cursor handed out before, during
 *    and after paging, splits and merges names the same point, and hash
 *    ranges spread any key pattern (counters, time-ordered ids) evenly, where
 *    sorted ranges would send every new sequential key to the last leaf.
 *    KEYS and SCAN walk ranges in order a node at a time (SCAN stops once
 *    COUNT keys are found; its next cursor is the next key's hash, as now);
 *    DBSIZE and INFO keyspace read only the root; RANDOMKEY picks a node
 *    weighted by n, then a leaf weighted by its n, loads one leaf, and picks
 *    in its merged view (retrying an empty pick a few times); FLUSHALL and
 *    FLUSHDB drop the database's refs and log (its pages become retired).
 *
 * 3. BIG AGGREGATES (stub.ts). An aggregate whose JSON passes AGG_PAGE_BYTES
 *    (256 KiB) is stored (log, buffer or leaf) as a ~100 B STUB (type, size,
 *    stream counters, TTL, stamp, INDEX page) over MEMBER pages: runs of its
 *    copy-on-write chunks. A write reuses each run unchanged by identity, from
 *    the key's ORIGIN only (its stub in the current root: never a page no
 *    root names); its commit creates the new pages, then PUTs the root (a
 *    second round: stub-commit.ts), retiring what it dropped. A command loads
 *    the whole aggregate (no I/O in commands), cached by page. The GC reads
 *    index pages named by log stubs, node buffers and leaf refs (`a`).
 *
 * 4. PAGE OBJECTS: `<document key>.pages/<hash16>-<token>` (name.ts): the
 *    first 64 bits of the SHA-256 of the bytes, and 48 random bits chosen per
 *    upload. Created with If-None-Match: *, never overwritten. Never content-
 *    addressed reuse: a page whose bytes come back to an earlier page's would
 *    match an object the GC may be deleting. The bytes (codec.ts) end with 16
 *    bytes of their own SHA-256: corruption is detected and named, and the
 *    name's hash ties the bytes to the ref.
 *
 * 5. THE FOLD (fold.ts) is OFF the commit path. The writer proxy (the lease
 *    holder; any proxy committing on its own) sees `fold wanted` in a commit's
 *    stats (log over 64 KiB) and sends a separate `fold` invocation, one at a
 *    time. It reads the root, moves log records into their nodes' buffers and
 *    flushes a node's buffer into leaves that gathered ≥ 64 records (all when
 *    the buffer passes 512 KiB), splits leaves over 1 MiB and nodes over 64
 *    leaves, uploads the new pages in parallel, and returns a DELTA: node
 *    refs replaced, the log records it folded (key, seq, new p), the pages it
 *    retires, its first upload's time. The writer attaches the delta to its
 *    next write batch; the commit applies it to its own root in memory
 *    (applyFold: O(delta)) within the same single PUT — so a fold adds no root
 *    write, no conflict, and no wait. A delta whose replaced refs are no
 *    longer current (a FLUSHALL, another fold) or older than FOLD_MAX_AGE is
 *    dropped: its pages are orphans for the GC. Only when folds fail for long
 *    does a commit meet the hard bound and flush the log itself (two rounds of
 *    PUTs for that commit; counted). The file store folds in its own process
 *    between batches. PUT budget at 1M keys (~115 leaves in 2 nodes), per
 *    command: commit 1/32 + node rewrites 2/700 + leaf rewrites 1/64 ≈ 0.05,
 *    under 2 × 0.031; without the node buffers a leaf rewrite would carry
 *    700/115 ≈ 6 records (0.16 PUT per command).
 *
 * 6. LOADING. Before the engine runs, the handler resolves the batch's keys
 *    (specs' key specs; EVAL's KEYS; MULTI's queued commands; keys of
 *    commands that move values, e.g. RENAME's both): root log, then the nodes
 *    needed (parallel GETs), then the leaves (parallel). The engine then runs
 *    on a Document holding exactly those entries (commands do no I/O). A
 *    script touching an undeclared key, or KEYS/SCAN/RANDOMKEY, make a second
 *    round: the attempt loads what was missed and reruns (KEYS loads every
 *    page; SCAN the pages from its cursor until COUNT). PAGE CACHE: by page
 *    name (pages never change, so it survives every root change), LRU, 128
 *    MiB of page bytes (~2.5× decoded) in a 1 GiB Lambda; the root itself is cached and revalidated with
 *    If-None-Match as db.json is today.
 *
 * 7. A READER MEETING A MISSING PAGE re-reads the root: if it changed, the
 *    attempt restarts on it (as after a conflict; the page was retired and
 *    GC'd). If the current root still names it: PageMissingError, the batch
 *    answers `not-applied`, nothing is written. Texts (codec.ts): `db.json
 *    page <name> is missing, though the current db.json references it; nothing
 *    was written` and `… page <name> is corrupt: <why>; nothing was written`.
 *
 * 8. GARBAGE COLLECTION. Each commit that stops referencing pages appends
 *    [its time, names] to the root's `retired`, and drops groups older than
 *    RETIRED_HORIZON. The scheduled GC function LISTs `<key>.pages/`, then
 *    reads the retained snapshot roots, then the current root — in that order,
 *    so whatever it did not see referenced was retired before its root read,
 *    and is recorded there — and deletes a page unless a root references it,
 *    if it was retired over GRACE ago, or is not recorded and was uploaded
 *    (LastModified) over GRACE ago. It never writes db.json.
 *    Derivation. A reader reads a root at t0 and fetches its pages only inside
 *    that invocation: by t0 + 10 s (Lambda timeout; every S3 timeout, 3 s,
 *    runs inside it; a warm root is revalidated before each batch, so t0 is
 *    the latest 304). A page is retired by the commit that replaces the last
 *    root naming it, landing at t1 ≥ t0; its record says the batch's clock,
 *    which may trail t1 by the batch's run (< 10 s) plus clock skew ε (5 s,
 *    the handler's bound); the GC's clock may lead by ε. So deletion happens
 *    after t1 − 10 − ε + GRACE − ε ≥ t0 + 10 iff GRACE ≥ 20 + 2ε = 30 s:
 *    GRACE = 60 s. An orphan's upload precedes the commit that would name it
 *    by at most FOLD_MAX_AGE (20 s) + ε, below GRACE − ε: a pending delta's
 *    pages are never orphans. A record is dropped only after
 *    RETIRED_HORIZON = 90 s ≥ GRACE + ε, so the orphan rule then holds for
 *    it. At 750 SET/s one leaf and a node retire per ~64 SETs: ~12 pages/s ×
 *    90 s × ~26 B ≈ 28 KB of root, bounded by the rate, not the data.
 *
 * 9. SNAPSHOTS AND RESTORE. A snapshot is a copy of the root
 *    (`snapshots/<time>.json`, as today); pages are not copied: the GC keeps
 *    every page a retained snapshot root names, and the lifecycle rule that
 *    expires a snapshot frees its pages. Restore (bin/restore.ts): the root
 *    put with If-Match on the current one, clock max, seq max + 1, the current
 *    window + its record, current pages `retired` (readers keep their grace),
 *    node pages copied to fresh names (older deltas go stale: restore.ts).
 *
 * 10. IAM. The handler role: GetObject, PutObject on `<key>.pages/*` (no
 *    Delete; ListBucket only so that a missing page answers 404). The GC role: ListBucket with s3:prefix `<key>.pages/`
 *    and `snapshots/`, GetObject on the root and snapshots, DeleteObject on
 *    `<key>.pages/*`. The bucket policy denies PutObject on `<key>.pages/*`
 *    without `s3:if-none-match` (pages are only ever created) and
 *    DeleteObject there to every principal but the GC role.
 *
 * 11. THE FILE STORE uses the same layout in its data directory
 *    (`db.json.pages/<name>`), a create being link(2) of an fsynced temp file
 *    (fails if present: If-None-Match *), then the directory fsync; the root's
 *    replace is unchanged. Sole writer: folds and collects itself, same rules.
 *
 * 12. UPGRADE. A format-4 handler reads formats 1–4. A format-3 document
 *    stays format 3 until its first fold pages a database; that commit writes
 *    format 4. An older handler meeting format 4 refuses (UnknownFormatError)
 *    and writes nothing, as today, so a rolling deployment cannot corrupt.
 *
 * 13. FAULTS (test/support/faults.ts, the checked workload): `page_put_fail`
 *    (a page PUT fails or is ambiguous: the fold gives up, nothing is
 *    committed, the pages are orphans) and `crash_between_uploads_and_root`
 *    (the process dies after the page uploads, before the delta's commit or a
 *    hard-bound commit's root PUT). Tests force PAGE_THRESHOLD and the page
 *    sizes tiny (PageLimits) so every run is paged.
 *
 * 14. BENCHMARKS (`npm run bench`, 64 clients, 64 B values, emulator with
 *    its per-MB cost): `set --prefill 1000` vs `--prefill 1000000` (p50 ratio
 *    ≤ 1.5; S3 PUTs per command ratio ≤ 2 with usd_per_million_cmds for
 *    both; bytes uploaded per commit printed, flat: root ≤ window + 64 KiB
 *    log + refs + retired); `get` from a fresh handler vs a warm one at 1M
 *    (≤ 3×; expected ≈ invoke + root + node + leaf GETs); peak RSS of one
 *    handler running a batch of 64 SETs at 1M keys (root + 64 leaves + 2
 *    nodes ≈ 50 MB decoded, plus the page cache cap) sets the memory size.
 *    The prefill writes the paged layout directly (a fold of one big log).
 *
 * 15. WHERE EACH PART LIVES (all built; tests under test/pages/).
 *    Format 4 in Document: document-paged.ts, document-paged-ops.ts (SCAN,
 *      RANDOMKEY, FLUSH*, SWAPDB over pages), pages/log.ts; format 3 byte for
 *      byte while nothing is paged. An unresolved key is NotResolvedError
 *      (document-unresolved.ts: what to load), never taken for absent.
 *    Loading: loading.ts, batch-keys.ts, pages/keyspace.ts, walk.ts, spans.ts
 *      (rounds bounded by count and by the Lambda's remaining time; a
 *      failing page re-reads the root once, then TRYAGAIN naming it).
 *    The fold: pages/fold.ts, build.ts, folding.ts (page PUTs tried three
 *      times; a commit whose own fold fails still lands below twice the
 *      hard bound), proxy/fold-keeper.ts. Knobs: pages/settings.ts.
 *    Aggregates (§3): pages/stub.ts, agg-*.ts, stub-commit.ts.
 *    GC: pages/gc.ts (plan), lambda/gc.ts (S3, lib/page-gc.ts), store/
 *      file-gc.ts (npm start). Restore: lambda/restore.ts, bin/restore.ts.
 *    --maxmemory: refs' `b` (document-paged.ts usedBytes).
 *    Faults: test/support/faults.ts page_put_fail, crash_after_pages; the
 *      workload runs paged (--page-threshold/--page-bytes 256 by default).
 *    Bench: test/bench (--prefill writes the paged layout directly).
 *    OPEN: a paged database is never inlined again (FLUSH* excepted); the
 *      fold's page PUTs are not in INFO's s3_puts; FOLD_MAX_AGE is checked
 *      on the batch clock, not the store's; the page cache and a warm
 *      snapshot are bounded apart; KEYS holds its database for its batch;
 *      a stub's member pages are not in its leaf's `b` (--maxmemory counts
 *      a big aggregate by its stub) and FLUSH* does not retire them (the
 *      GC's orphan rule frees them); an aggregate chunk is never split; the
 *      page cache counts page bytes while decoded pages hold ~2.5× (the
 *      fold forgets what it parsed whole; bench: 0.75 GiB peak at 1M keys).
 */
import { hash52Latin1 } from '../hash52';

/** Position of a key (latin1, as documents hold keys) in its database's hash space: what ranges and SCAN cursors name. */
export const keyPos = (k: string): number => hash52Latin1(k);

/** Sizes that shape the tree; tests shrink them so every run is paged. */
export interface PageLimits {
  /** A leaf over this many bytes is split. */
  leafMaxBytes: number;
  /** A node with more leaves than this is split. */
  nodeMaxLeaves: number;
  /** A leaf is rewritten once its node's buffer holds this many records for it. */
  leafMinRecords: number;
  /** A node buffer past this many bytes flushes every leaf it has records for. */
  nodeBufferMaxBytes: number;
}

export const DEFAULT_LIMITS: PageLimits = { leafMaxBytes: 1 << 20, nodeMaxLeaves: 64, leafMinRecords: 64, nodeBufferMaxBytes: 512 << 10 };
/** Inline entries of one database past which it is paged (1 MiB). */
export const PAGE_THRESHOLD = 1 << 20;
/** Root log bytes past which a commit asks for a fold, and past which it folds itself. */
export const LOG_SOFT_BYTES = 64 << 10;
export const LOG_HARD_BYTES = 512 << 10;
/** §8: times in ms. */
export const GRACE_MS = 60_000;
export const RETIRED_HORIZON_MS = 90_000;
export const FOLD_MAX_AGE_MS = 20_000;

/**
 * The index of the range holding `pos` among ranges starting at `los`
 * (ascending, the first 0): the last lo ≤ pos. Ranges tile the hash space,
 * so every position has exactly one.
 */
export function rangeOf(los: readonly number[], pos: number): number {
  let lo = 0;
  let hi = los.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (los[mid] <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
