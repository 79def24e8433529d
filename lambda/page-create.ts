/**
 * Creating a page object (layout.ts §4): If-None-Match: *, never an
 * overwrite, for the fold's pages (folding.ts) and a commit's big-aggregate
 * pages (stub-commit.ts) alike.
 */
import { pagesOf, StoreError, type ObjectStore } from './store/types';

/** Attempts at creating one page before the fold gives up. */
const PAGE_PUT_ATTEMPTS = 3;

/**
 * Creates one page (If-None-Match: *), trying again what may not have
 * landed. The name is this upload's alone (its random token), so after an
 * attempt whose outcome was unknown, "exists" is that attempt's own object.
 * Throws StoreError when it gives up: nothing refers to the page, the GC
 * removes it if it exists.
 */
export async function createPage(store: ObjectStore, key: string, name: string, bytes: Buffer, stats: { s3Puts: number }): Promise<void> {
  const { putPage } = pagesOf(store);
  let detail = '';
  for (let attempt = 1, uncertain = false; attempt <= PAGE_PUT_ATTEMPTS; attempt++) {
    stats.s3Puts++;
    const r = await putPage(key, name, bytes);
    if (r.status === 'ok' || (r.status === 'exists' && uncertain)) return;
    detail = r.detail;
    // On a first attempt "exists" is a name collision: trying again cannot help.
    if (r.status === 'exists') break;
    uncertain = true;
    await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
  }
  throw new StoreError(`page ${name} was not created (${detail}); nothing was committed`);
}

