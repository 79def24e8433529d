/**
 * Page names (layout.ts §4): `<hash16>-<token>`, the first 64 bits of the
 * page's SHA-256 in hex and 48 random bits per upload. The token is what
 * makes every upload a new object: two pages with equal bytes (a leaf that
 * comes back to an earlier content) still get different names, so a page is
 * never "reused" while the GC may be deleting its earlier twin.
 */
import { createHash, randomBytes } from 'node:crypto';

/** The 16 bytes a page ends with: the first half of the SHA-256 of everything before them. */
export const DIGEST_BYTES = 16;

export function digestOf(body: Buffer): Buffer {
  return createHash('sha256').update(body).digest().subarray(0, DIGEST_BYTES);
}

const NAME = /^([0-9a-f]{16})-([A-Za-z0-9_-]{8})$/;

/** A new name for `page` (its bytes, digest included). `token` only for tests. */
export function pageName(page: Buffer, token: string = randomBytes(6).toString('base64url')): string {
  const name = `${page.subarray(page.length - DIGEST_BYTES, page.length - DIGEST_BYTES + 8).toString('hex')}-${token}`;
  if (!NAME.test(name)) throw new RangeError(`not a page token: ${JSON.stringify(token)}`);
  return name;
}

/** The hash part of a well-formed name (undefined: not a page name). */
export function nameHash(name: string): string | undefined {
  return NAME.exec(name)?.[1];
}

/** Whether `name` is a well-formed page name: what a root or node may reference. */
export const isPageName = (name: string): boolean => NAME.test(name);

/**
 * The object key of a page beside the document `docKey`. A name that is not
 * a page name is refused: names come from db.json, and one like `../x`
 * must never become a path or a key outside the pages.
 */
export function pageKey(docKey: string, name: string): string {
  if (!NAME.test(name)) throw new RangeError(`not a page name: ${JSON.stringify(name)}`);
  return `${pagePrefix(docKey)}${name}`;
}
export const pagePrefix = (docKey: string): string => `${docKey}.pages/`;
