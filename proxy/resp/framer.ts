/**
 * Cuts a client's byte stream into requests, enforcing the protocol limits as
 * it goes: each request's headers are validated (strict decimals, the bulk
 * and array limits, CRLF after every body) and its arguments cut out of the
 * buffer in the same single pass (header syntax: syntax.ts). Inline commands
 * (`PING\r\n` from nc or telnet) are not RESP at all; they are cut into lines
 * here and split into words by inline.ts.
 *
 * The framer does not scan bulk bodies: it skips them by length, and while a
 * large body is still arriving it only collects chunks (no re-concatenation).
 * An argument is a view into the bytes received (no copy), as redis-parser's
 * were; the engine copies what it keeps.
 */
import { splitInline } from './inline';
import { CR, LF, ProtocolError, lineEnd, parseLength, printable } from './syntax';

export { ProtocolError } from './syntax';
export { splitInline } from './inline';

export interface ProtocolLimits {
  /** Largest bulk string accepted at all (bytes). */
  maxBulkBytes: number;
  /** Most elements in one request array. */
  maxArrayLength: number;
  /** Longest inline command line (bytes). */
  maxInlineBytes: number;
  /**
   * Largest single request (all its bulks together), like Redis's
   * client-query-buffer-limit: without it `*1000000` followed by a million
   * large bulks would be buffered whole. Unset: no limit beyond the others.
   */
  maxRequestBytes?: number;
}

export const DEFAULT_PROTOCOL_LIMITS: ProtocolLimits = {
  maxBulkBytes: 8 * 1024 * 1024,
  maxArrayLength: 1024 * 1024,
  maxInlineBytes: 64 * 1024,
};

/** A request's words, and the bytes it took on the wire (for backpressure). */
export interface Request {
  argv: Buffer[];
  bytes: number;
  /** Memory the request holds while queued; the session sets it (0 here, so every request has one shape). */
  cost: number;
}

export class RequestFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Don't rescan until this many bytes are buffered (a body is arriving). */
  private need = 0;
  /**
   * How far the scan of the incomplete request at the start of the buffer
   * got (its arguments so far, views of bytes that stay as they are), so that
   * a request made of many small bulks arriving in many chunks is scanned
   * once, not once per chunk (which would be quadratic CPU).
   */
  private resume: { n: number; argv: Buffer[]; offset: number } | null = null;

  constructor(private readonly limits: ProtocolLimits = DEFAULT_PROTOCOL_LIMITS) {}

  /** Bytes held for a request that is not complete yet. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Adds bytes; returns the requests they complete, in order. On a protocol
   * error it still returns the well-formed requests before it (Redis runs
   * those, then replies the error and closes); the framer is then unusable.
   */
  push(chunk: Buffer): { requests: Request[]; error?: ProtocolError } {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < this.need) return { requests: [] };
    const buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
    const out: Request[] = [];
    let pos = 0;
    this.need = 0;
    try {
      while (pos < buf.length) {
        const end = buf[pos] === 0x2a /* '*' */ ? this.scanMultibulk(buf, pos, out) : this.scanInline(buf, pos, out);
        if (end < 0) break; // incomplete: wait for more bytes
        pos = end;
      }
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      this.chunks = [];
      this.buffered = 0;
      return { requests: out, error: e };
    }
    const rest = buf.length - pos;
    this.chunks = rest > 0 ? [buf.subarray(pos)] : [];
    this.buffered = rest;
    if (this.need > 0) this.need -= pos;
    return { requests: out };
  }

  /**
   * One `*N\r\n($L\r\n<L bytes>\r\n){N}` request at `start`, appended to
   * `out` when complete. Returns its end, or -1 if incomplete. An empty
   * array (`*0`, `*-1`) is skipped, as Redis ignores it.
   */
  private scanMultibulk(buf: Buffer, start: number, out: Request[]): number {
    let n: number;
    let argv: Buffer[];
    let pos: number;
    if (start === 0 && this.resume) {
      // The incomplete request kept from the last push starts the buffer.
      ({ n, argv } = this.resume);
      pos = this.resume.offset;
      this.resume = null;
    } else {
      const end = lineEnd(buf, start + 1, 'multibulk');
      if (end < 0) return -1;
      n = parseLength(buf, start + 1, end, 'invalid multibulk length');
      if (n > this.limits.maxArrayLength) throw new ProtocolError('Protocol error: invalid multibulk length');
      if (n <= 0) return end + 2;
      pos = end + 2;
      argv = [];
    }
    const maxRequest = this.limits.maxRequestBytes ?? Infinity;
    while (argv.length < n) {
      if (pos >= buf.length) return this.incomplete(n, argv, pos - start);
      if (buf[pos] !== 0x24 /* '$' */) throw new ProtocolError(`Protocol error: expected '$', got '${printable(buf[pos])}'`);
      const end = lineEnd(buf, pos + 1, 'bulk');
      if (end < 0) return this.incomplete(n, argv, pos - start);
      const len = parseLength(buf, pos + 1, end, 'invalid bulk length');
      if (len < 0 || len > this.limits.maxBulkBytes) throw new ProtocolError('Protocol error: invalid bulk length');
      const body = end + 2;
      const bodyEnd = body + len;
      if (bodyEnd + 2 - start > maxRequest) throw new ProtocolError(`Protocol error: request larger than ${maxRequest} bytes`);
      if (bodyEnd + 2 > buf.length) {
        this.need = bodyEnd + 2;
        return this.incomplete(n, argv, pos - start);
      }
      if (buf[bodyEnd] !== CR || buf[bodyEnd + 1] !== LF) throw new ProtocolError('Protocol error: bulk string not terminated by CRLF');
      argv.push(buf.subarray(body, bodyEnd));
      pos = bodyEnd + 2;
    }
    out.push({ argv, bytes: pos - start, cost: 0 });
    return pos;
  }

  private incomplete(n: number, argv: Buffer[], offset: number): number {
    this.resume = { n, argv, offset };
    return -1;
  }

  /** One inline command line; empty lines are skipped. Returns the next position or -1. */
  private scanInline(buf: Buffer, start: number, out: Request[]): number {
    const lf = buf.indexOf(LF, start);
    if (lf < 0 || lf - start > this.limits.maxInlineBytes) {
      if (buf.length - start > this.limits.maxInlineBytes) throw new ProtocolError('Protocol error: too big inline request');
      return -1;
    }
    const lineEnd = lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
    const argv = splitInline(buf.subarray(start, lineEnd));
    if (argv === null) throw new ProtocolError('Protocol error: unbalanced quotes in request');
    if (argv.length > 0) out.push({ argv, bytes: lf + 1 - start, cost: 0 });
    return lf + 1;
  }
}
