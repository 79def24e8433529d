/**
 * A connection's received, not yet executed requests, and what they cost:
 * wire bytes (CLIENT LIST qbuf) and memory (what the pipeline limit counts).
 */
import type { Request } from '../resp/framer';

/**
 * Memory a queued request costs beyond its bytes, per argument (and one for
 * the request): each argument is a Buffer object (~90 bytes in V8) in an
 * array. Measured with a heap snapshot of 190k queued SETs: ~400 bytes each
 * for 3 arguments. Without it, 16 MiB of tiny requests would hold ~5x that.
 */
const OBJECT_OVERHEAD = 96;

export class RequestQueue {
  /** Consumed slots hold undefined: a request is let go the moment it is taken. */
  private items: (Request | undefined)[] = [];
  private head = 0;
  /** Wire bytes of the queued requests. */
  bytes = 0;
  /** What they cost in memory (wire bytes plus object overhead). */
  cost = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(r: Request): void {
    r.cost = r.bytes + OBJECT_OVERHEAD * (r.argv.length + 1);
    this.items.push(r);
    this.bytes += r.bytes;
    this.cost += r.cost;
  }

  peek(): Request | undefined {
    return this.items[this.head];
  }

  shift(): Request {
    const r = this.items[this.head] as Request;
    // Taken requests must not stay reachable from here: kept until the next
    // compaction, every pipelined request (its arguments, the bytes they are
    // views of) would outlive the young generation, and the old one would
    // fill with them (measured: scavenges of ~10 ms keeping nearly all).
    this.items[this.head++] = undefined;
    this.bytes -= r.bytes;
    this.cost -= r.cost;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      // Compact now and then, so a long pipeline doesn't keep a long empty head.
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return r;
  }

  /**
   * Puts commands back at the front, in order (a submission the handler cut
   * short). They were received already, so they count no bytes again.
   */
  unshift(argvs: Buffer[][]): void {
    this.items.splice(this.head, 0, ...argvs.map((argv) => ({ argv, bytes: 0, cost: 0 })));
  }
}
