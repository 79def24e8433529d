/**
 * cyrb53 (a public-domain string hash), 52 bits, over a byte string. SCAN
 * cursors are positions in this hash space, and so are HSCAN/SSCAN/ZSCAN
 * cursors: aggregates spread their members over chunks by the same hash
 * (lambda/document-chunks.ts), so a cursor names a chunk. It must never
 * change: a cursor handed out before a deployment is resumed after it.
 */
export function hash52(bytes: Buffer): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < bytes.length; i++) {
    h1 = Math.imul(h1 ^ bytes[i], 2654435761);
    h2 = Math.imul(h2 ^ bytes[i], 1597334677);
  }
  return fold(h1, h2);
}

/** The same hash over a latin1 string (one byte per code unit): how members are held in memory. */
export function hash52Latin1(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  return fold(h1, h2);
}

function fold(h1: number, h2: number): number {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 & 0xfffff) * 2 ** 32 + (h1 >>> 0);
}

/** Size of the hash space: cursors and hashes are below it. */
export const HASH_SPACE = 2 ** 52;
