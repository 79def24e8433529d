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
 *    plus `retired` (GC, §8). A node ref says the hash range it covers
 *    [lo, next lo), its page, and its subtree's key count n and TTL count x:
 *    DBSIZE = Σ n + Σ over log records (live − (p > 0)); INFO's expires alike.
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
 * 3. BIG AGGREGATES (next slices). A hash, set or zset whose JSON passes
 *    AGG_PAGE_BYTES (256 KiB) becomes a stub in its leaf (type, size, meta,
 *    member-page refs) and member pages: FieldMap chunks already are hash52
 *    ranges of members (document-fieldmap.ts), so a member page is a run of
 *    chunks; a zset adds order pages of (score, member) runs with counts (rank
 *    = prefix sum); lists and streams are runs of Seq chunks with counts
 *    (streams also first/last id). The log then records a paged aggregate's
 *    changed chunks, not the aggregate: the copy-on-write chunks already tell
 *    which are new. A command on a paged aggregate loads all its member pages
 *    (commands do no I/O and HGET's field is not a key spec); cached warm.
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
 *    name (pages never change, so it survives every root change), LRU, 256
 *    MiB of a 1 GiB Lambda; the root itself is cached and revalidated with
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
 *    expires a snapshot frees its pages. Restore (a tool, replacing step 3 of
 *    the runbook) writes the snapshot root with If-Match on the current one,
 *    taking clock and seq as the max of both and adding the current root's
 *    pages to `retired`, so readers of the replaced root keep their grace.
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
 *    (fails if present: If-None-Match *), followed by the directory fsync;
 *    the root's replace is unchanged. Sole writer: it folds and collects
 *    itself (no snapshots), with the same rules.
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
 * 15. STATUS, in order (done first).
 *    DONE 1. Format 4 in Document (document-paged.ts, pages/log.ts): decoded
 *      and encoded; format 3 byte for byte while nothing is paged and no
 *      retired record is left; the log keeps its bytes, key and TTL counts
 *      and each record's JSON running. A paged database's keyspace holds
 *      what Document.resolve() put in it; a write sets slot and log record
 *      (seq = one past the seq its transaction began at: the commit's),
 *      undone together. An unresolved key, or what needs the whole database
 *      (KEYS, FLUSHDB/FLUSHALL, SWAPDB), throws NotResolvedError: the
 *      attempt's signal for a second round, never taken for absent. Active
 *      expiry sees a paged database's resolved keys only; INFO's avg_ttl
 *      for it is its resolved keys' (a sample).
 *    DONE 3. Page I/O: ObjectStore.putPage/getPage (optional; pagesOf()
 *      refuses a store without them) in S3Store, FileStore (file-pages.ts)
 *      and the tests' MemoryStore; metrics' wrapper passes them through.
 *      Page names from db.json are checked before they become keys/paths.
 *    DONE 2. Loading (loading.ts, batch-keys.ts; wired in handler.ts): before
 *      apply() the handler resolves the keys a batch names (key specs as
 *      COMMAND GETKEYS reads them, subcommands', EVAL's KEYS, EXEC's queued
 *      commands and watched keys in their databases, MOVE's and COPY … DB's
 *      other database) per paged database, through a PageReader (LRU by
 *      page name, pageCacheBytes, 256 MiB) owned by the handler. A
 *      NotResolvedError rolls the attempt back, loads what it names and
 *      reruns on the same root: a key at a time for four rounds, then (and
 *      for KEYS/SCAN/RANDOMKEY/FLUSHDB/FLUSHALL/SWAPDB at once) the whole
 *      database, read page by page (resolveAll); at most 21 rounds, and
 *      only while the Lambda has time for one more, else not-applied. A
 *      database resolved whole serves KEYS/SCAN/RANDOMKEY from its
 *      keyspace, FLUSHDB deletes key by key (a tombstone per paged key) and
 *      SWAPDB trades entries through each side's storage: correct, O(keys),
 *      replaced by step 5. A page failing (missing or corrupt) re-reads the
 *      root once (a 304 keeps it) and retries; failing again answers the
 *      batch TRYAGAIN not-applied naming the page, nothing written. Page
 *      GETs count in stats.s3Gets. A warm snapshot past 100k resolved keys
 *      forgets them before its next batch (forgetResolved). Tests:
 *      test/pages/loading.test.ts (fold-built paged db.json vs its flat
 *      twin through the handler, memory and file stores), batch-keys.test.ts.
 *    DONE 4. The fold end to end (lambda/folding.ts, contract-fold.ts,
 *      proxy/fold-keeper.ts): responses say stats.foldWanted past the soft
 *      bound; the committing proxy (not a forwarding follower) sends one
 *      `fold` request at a time (sessions empty), which the handler answers
 *      in its queue by folding the root's logs, uploading pages (putPage,
 *      parallel) and returning deltas, no root write; the deltas ride on the
 *      next write batch (`deltas`, validated), whose commit applies them
 *      last, after all its writes (Document.applyDelta, journaled; a batch
 *      carrying deltas always commits) or drops them as stale: stats and
 *      INFO valthree_folds_applied/dropped. Just before the PUT a commit
 *      pages an inline database past the threshold and folds it, and folds
 *      every log past the hard bound, itself. After a fold lands the
 *      snapshot forgets its resolved keys. HandlerOptions.paging (threshold,
 *      soft/hard bounds, limits) for tests; a `--page-threshold` flag later.
 *      The in-process executor (file store) goes the same way: its single
 *      environment runs the fold between batches. Tests: test/pages/
 *      fold-handler.test.ts, fold-proxy.test.ts (a real proxy, file store).
 *    Open from step 4: a paged database is never inlined again (below a
 *      quarter of the threshold); the hard-bound fold is not counted in
 *      stats; fold requests' page PUTs are not in INFO's s3_puts (the fold
 *      is not a batch there); a fold request on a Lambda lands on any
 *      environment (its cache may be cold: it reads the root); a dropped or
 *      lost delta leaves orphans for the GC; FOLD_MAX_AGE is checked
 *      against the batch clock, not the store's.
 *    DONE 6. GC + CDK: pages/gc.ts plans (no I/O; GRACE and the horizon
 *      derived from the timeouts), lambda/gc.ts runs it (now, LIST, snapshot
 *      roots, db.json, their node pages; deletes nothing on anything
 *      unreadable), its own function every 15 min (lib/page-gc.ts); §10's IAM
 *      plus the handler's ListBucket on the page prefix (a missing page must
 *      read 404: §7). Open: the commit's check of a delta's page ages on the
 *      store's clock; a read window for the in-process runtime; leaves naming
 *      member pages (step 8); the file store's collection (§11); restore (§9).
 *    NEXT, in order:
 *    5. Commands over pages instead of whole loads: SCAN from its cursor
 *      until COUNT (a round per page run), KEYS a node at a time, RANDOMKEY
 *      weighted by n, FLUSHDB/FLUSHALL retiring refs and log, SWAPDB of
 *      refs and logs; then KEYS-like rounds no longer load a database whole.
 *    7. Faults + workload (§13). 8. Aggregates split (§3).
 *    DONE 9. Benchmark (§14): test/bench/prefill.ts (Folder.beforePut),
 *      cold.ts, lambda-memory.ts; the figures are in the README.
 *    Open from step 2: the page cache and a warm snapshot are bounded
 *      separately (bytes of pages, count of resolved keys), not together;
 *      a whole-database load holds that database in memory (step 5); page
 *      GETs of a batch's leaves are parallel per level but the whole load
 *      reads pages one at a time; rounds rerun scripts (each under its own
 *      script time limit, checked against the Lambda's remaining time).
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
