/**
 * The two paging knobs an operator sets (`--page-threshold`, `--page-bytes`;
 * VALTHREE_PAGE_THRESHOLD, VALTHREE_PAGE_BYTES in the Lambda) and the
 * PagingOptions derived from them. At their defaults (1 MiB each) this gives
 * exactly the constants of layout.ts (and AGG_PAGE_BYTES); smaller values shrink every bound in
 * proportion, which is how tests and the checked workload make a few keys
 * span many pages, nodes and folds (layout.ts §13).
 */
import { DEFAULT_LIMITS, LOG_HARD_BYTES, LOG_SOFT_BYTES, PAGE_THRESHOLD, type PageLimits } from './layout';
import { AGG_PAGE_BYTES } from './stub';

/** When databases are paged and folded; tests shrink them so that a few keys make pages. */
export interface PagingOptions {
  /** Inline entries (bytes) of one database past which a commit pages it (default PAGE_THRESHOLD). */
  threshold?: number;
  /** Root log bytes past which responses ask for a fold (default LOG_SOFT_BYTES). */
  softBytes?: number;
  /** Root log bytes past which a commit folds itself (default LOG_HARD_BYTES). */
  hardBytes?: number;
  limits?: PageLimits;
  /** JSON past which an aggregate is stored as a stub in member pages (default AGG_PAGE_BYTES, layout.ts §3). */
  aggPageBytes?: number;
}

export const DEFAULT_PAGE_BYTES = DEFAULT_LIMITS.leafMaxBytes;
export { PAGE_THRESHOLD as DEFAULT_PAGE_THRESHOLD };

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, Math.floor(v)));

/**
 * `threshold`: inline bytes of a database past which it is paged;
 * `pageBytes`: the size a leaf page is split at. The log's fold bounds scale
 * with the threshold (1/16 asks for a fold, 1/2 folds inline: a root never
 * carries more log than half of what made a database worth paging), a node's
 * buffer with the page (half a page), and the record and leaf counts with
 * the page too, so a tiny page still gets several leaves per node and
 * several nodes per database.
 */
export function pagingFor(threshold: number, pageBytes: number): Required<PagingOptions> {
  const perPage = pageBytes / (DEFAULT_LIMITS.leafMaxBytes / DEFAULT_LIMITS.leafMinRecords);
  return {
    threshold,
    softBytes: Math.min(LOG_SOFT_BYTES, Math.max(64, Math.floor(threshold / 16))),
    hardBytes: Math.min(LOG_HARD_BYTES, Math.max(256, Math.floor(threshold / 2))),
    limits: {
      leafMaxBytes: pageBytes,
      nodeBufferMaxBytes: Math.max(64, Math.floor(pageBytes / 2)),
      leafMinRecords: clamp(perPage, 2, DEFAULT_LIMITS.leafMinRecords),
      nodeMaxLeaves: clamp(perPage, 3, DEFAULT_LIMITS.nodeMaxLeaves),
    },
    // An aggregate past a quarter of a page becomes a stub over member pages (§3).
    aggPageBytes: Math.max(128, Math.floor(pageBytes / (DEFAULT_LIMITS.leafMaxBytes / AGG_PAGE_BYTES))),
  };
}
