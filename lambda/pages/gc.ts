/**
 * Garbage collection of pages (layout.ts §8): the plan, without I/O. The
 * runner (lambda/gc.ts) lists and reads; this decides what it deletes.
 *
 * RULE. A listed page is deleted only if no root the GC read references it
 * (the current root, a retained snapshot root, or a node page either names),
 * and either the current root records it retired more than GRACE ago, or it
 * is not recorded and was uploaded (LastModified) more than GRACE ago.
 *
 * DERIVATION of GRACE and RETIRED_HORIZON (layout.ts) from the timeouts.
 * R = the longest a handler run lasts: the Lambda timeout, 10 s (lib/config.ts
 * lambdaTimeoutSeconds). Every S3 request of a run (3 s each, s3TimeoutMs) is
 * inside it; the proxy's invoke timeout (12 s) only says when the proxy stops
 * waiting for a run that has ended by then, so it adds nothing. ε = how far
 * any clock (handler, fold, GC) may be from S3's: 5 s, the handler's refusal
 * bound (DEFAULT_MAX_CLOCK_SKEW_MS). F = FOLD_MAX_AGE, 20 s.
 *
 * (a) Pending deltas (safety). A fold uploads pages, then a later commit may
 *     name them: it checks its clock against the fold's first-upload time,
 *     so it decides by LM + F + 2ε and lands by LM + F + 2ε + R (LM: the
 *     page's LastModified, S3's clock). The GC takes `now` before it lists,
 *     and deletes an unrecorded page only if now − LM > GRACE, which is at
 *     real time > LM + GRACE − ε; it reads the root after that. So a commit
 *     naming the page has landed before the root read, and the root names it
 *     (or records it retired), iff GRACE ≥ F + R + 3ε = 45 s.
 * (b) Readers (liveness: a reader meeting a missing page re-reads the root
 *     and restarts, §7, so this only spares it the restart). A reader reads
 *     a root at t0 and fetches its pages by t0 + R. The commit that retires
 *     a page lands at t1 ≥ t0, and records the batch's clock, which trails
 *     t1 by up to R + ε. Deletion happens after at + GRACE − ε ≥ t1 − R −
 *     2ε + GRACE, which is ≥ t0 + R iff GRACE ≥ 2R + 2ε = 30 s.
 * (c) The horizon. Once a record is dropped (its commit's clock past at +
 *     HORIZON, so landed after t1 − R − 2ε + HORIZON) rule (a) alone judges
 *     the page, by upload age, which may already be large: (b) then holds
 *     iff HORIZON ≥ 2R + 2ε = 30 s. layout.ts keeps HORIZON ≥ GRACE + ε as
 *     well, so a record outlives every GC run that could still need it.
 * GRACE = 60 s and HORIZON = 90 s meet all three with room; test/pages/gc
 * checks the inequalities against the configured defaults. A deployment with
 * a longer Lambda timeout gets a longer grace (graceMs) from the CDK app.
 */
import { DB_COUNT } from '../document-format';
import { FOLD_MAX_AGE_MS, GRACE_MS } from './layout';
import type { PagedRoot } from './root';
import { stubOf } from './stub';

/** What the derivation above assumes of the rest of the system. */
export interface Timing {
  /** R: the longest a handler run lasts (the Lambda timeout), every S3 request inside it. */
  runMs: number;
  /** ε: how far any clock may be from S3's. */
  skewMs: number;
  /** F: a fold delta older than this is dropped by the commit. */
  foldMaxAgeMs: number;
}

/** The defaults: a 10 s Lambda, the handler's 5 s skew bound, layout.ts's fold age. */
export const DEFAULT_TIMING: Timing = { runMs: 10_000, skewMs: 5_000, foldMaxAgeMs: FOLD_MAX_AGE_MS };

/** (a): no commit can still come to name a page unrecorded this long. */
export const pendingDeltaBoundMs = (t: Timing): number => t.foldMaxAgeMs + t.runMs + 3 * t.skewMs;
/** (b) and (c): how long after retirement a reader may still fetch a page. */
export const readerBoundMs = (t: Timing): number => 2 * t.runMs + 2 * t.skewMs;

/** The grace for these timings: layout.ts's GRACE, or more where a longer run needs it. */
export const graceMs = (t: Timing): number => Math.max(GRACE_MS, pendingDeltaBoundMs(t), readerBoundMs(t));

/** A page as the listing shows it: its name (the key after the prefix) and LastModified (ms). */
export interface Listed {
  name: string;
  lastModified: number;
}

export interface GcInput {
  /** The page prefix's listing, taken after `now`. */
  listing: readonly Listed[];
  /** The current root, read last. */
  current: PagedRoot;
  /** Roots of the retained snapshots. */
  snapshots: readonly PagedRoot[];
  /** The pages each node page names (its leaves), for every node page a root names. */
  children: ReadonlyMap<string, readonly string[]>;
  /**
   * Big aggregates (layout.ts §3): for every node page read, the index pages
   * of the stubs in its buffer and in its leaves (lifted into its leaf refs);
   * for every index page any root or node names, its member pages. The
   * runner gives both; absent (a root with no stubs anywhere), none.
   */
  stubs?: AggRefs;
  /** The GC's clock (ms), taken before the listing. */
  now: number;
  /** Default GRACE_MS. */
  graceMs?: number;
}

export interface GcPlan {
  /** Names to delete, in listing order. */
  delete: string[];
  /** Listed pages kept because a root references them. */
  referenced: number;
  /** Kept because retired or uploaded within the grace. */
  young: number;
}

export interface AggRefs {
  /** Node page → the index pages it names (buffer stubs and its leaf refs' lifted ones); every node read has an entry. */
  byNode: ReadonlyMap<string, readonly string[]>;
  /** Index page → its member pages. */
  members: ReadonlyMap<string, readonly string[]>;
}

/** The index pages of the stubs in a root's logs: read with the node pages. */
export function logStubPages(root: PagedRoot): string[] {
  const out: string[] = [];
  for (const d of root.dbs) for (const r of d?.log.values() ?? []) {
    const s = stubOf(r.e);
    if (s) out.push(s.index);
  }
  return out;
}

/** The node pages a root names directly: what the runner reads to learn their leaves. */
export function nodePages(root: PagedRoot): string[] {
  const out: string[] = [];
  for (let db = 0; db < DB_COUNT; db++) for (const r of root.dbs[db]?.nodes ?? []) out.push(r.page);
  return out;
}

/**
 * Every page the roots reference, through their node pages. A node page a
 * root names but `children` lacks is an error, never "references nothing":
 * its leaves would be deleted.
 */
export function referencedPages(roots: readonly PagedRoot[], children: ReadonlyMap<string, readonly string[]>, stubs?: AggRefs): Set<string> {
  const seen = new Set<string>();
  // An index page not read would leave its member pages unreferenced: never assumed empty.
  const index = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const members = stubs?.members.get(name);
    if (members === undefined) throw new Error(`page GC: aggregate index page ${name} is referenced but was not read`);
    for (const m of members) seen.add(m);
  };
  const visit = (name: string, mustKnow: boolean): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const below = children.get(name);
    if (below === undefined && mustKnow) throw new Error(`page GC: node page ${name} is named by a root but was not read`);
    for (const c of below ?? []) visit(c, false);
    if (!mustKnow || !stubs) return;
    const idx = stubs.byNode.get(name);
    if (idx === undefined) throw new Error(`page GC: the stubs of node page ${name} were not read`);
    for (const i of idx) index(i);
  };
  for (const root of roots) {
    for (const n of nodePages(root)) visit(n, true);
    for (const i of logStubPages(root)) index(i);
  }
  return seen;
}

/** When the current root says each page was retired (the latest, should a name appear twice). */
function retiredAt(root: PagedRoot): Map<string, number> {
  const at = new Map<string, number>();
  for (const [t, names] of root.retired) for (const n of names) at.set(n, Math.max(t, at.get(n) ?? -Infinity));
  return at;
}

/** Which listed pages to delete (see the rule above). */
export function planGc(input: GcInput): GcPlan {
  const grace = input.graceMs ?? GRACE_MS;
  const refs = referencedPages([input.current, ...input.snapshots], input.children, input.stubs);
  const retired = retiredAt(input.current);
  const plan: GcPlan = { delete: [], referenced: 0, young: 0 };
  for (const { name, lastModified } of input.listing) {
    if (refs.has(name)) {
      plan.referenced++;
      continue;
    }
    // A recorded retirement wins over the upload time: the page may be old and retired a moment ago.
    const since = retired.get(name) ?? lastModified;
    if (input.now - since > grace) plan.delete.push(name);
    else plan.young++;
  }
  return plan;
}

/** A snapshot object as its listing shows it. */
export interface ListedSnapshot {
  key: string;
  lastModified: number;
}

/**
 * The snapshots worth reading: a snapshot copies a root committed before the
 * copy, and a root names only pages uploaded before its commit, so a snapshot
 * older than every listed page names none of them. S3 stamps both times; the
 * grace is margin for its rounding. This spares reading a week of format-3
 * snapshots (up to 32 MiB each) on a database paged since yesterday.
 */
export function snapshotsToRead(snapshots: readonly ListedSnapshot[], listing: readonly Listed[], grace: number = GRACE_MS): ListedSnapshot[] {
  let oldest = Infinity;
  for (const p of listing) oldest = Math.min(oldest, p.lastModified);
  return snapshots.filter((s) => s.lastModified + grace >= oldest);
}
