/**
 * The proxy's script cache: SHA1 → body, filled by EVAL and SCRIPT LOAD,
 * read by EVALSHA. As Redis's, it belongs to one server (this proxy) and is
 * lost on restart; a client that meets NOSCRIPT sends EVAL, as every
 * mainstream client does. Scripts are never stored in db.json: libraries
 * load dozens, and they would ride along with every commit. Bounded by
 * bytes, least recently used first out (a client then just sees NOSCRIPT).
 */
import { createHash } from 'node:crypto';

export const DEFAULT_SCRIPT_CACHE_BYTES = 64 * 1024 * 1024;

export const sha1hex = (body: Buffer): string => createHash('sha1').update(body).digest('hex');

export class ScriptCache {
  /** Map order is recency: a hit moves the script to the end. */
  private readonly bodies = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes = DEFAULT_SCRIPT_CACHE_BYTES) {}

  add(body: Buffer): string {
    const sha = sha1hex(body);
    if (this.bodies.has(sha)) {
      this.touch(sha);
      return sha;
    }
    // A copy: the body may be a view into a large request buffer.
    this.bodies.set(sha, Buffer.from(body));
    this.bytes += body.length;
    for (const [old, b] of this.bodies) {
      if (this.bytes <= this.maxBytes || old === sha) break;
      this.bodies.delete(old);
      this.bytes -= b.length;
    }
    return sha;
  }

  /** The body of a SHA1 given in any case, as Redis accepts it. */
  get(sha: Buffer | string): Buffer | undefined {
    const key = sha.toString().toLowerCase();
    const body = this.bodies.get(key);
    if (body) this.touch(key);
    return body;
  }

  has(sha: Buffer): boolean {
    return this.bodies.has(sha.toString('latin1').toLowerCase());
  }

  flush(): void {
    this.bodies.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.bodies.size;
  }

  private touch(sha: string): void {
    const b = this.bodies.get(sha) as Buffer;
    this.bodies.delete(sha);
    this.bodies.set(sha, b);
  }
}
