/**
 * Cuts a client's byte stream into requests, enforcing the protocol limits
 * before any byte reaches redis-parser.
 *
 * redis-parser trusts the lengths it reads: `$99999999999` makes it buffer
 * without bound, `*99999999999` throws, `$abc` is read as a number and the
 * CRLF after a bulk is skipped blindly. So this framer validates each request's
 * headers and framing itself and hands redis-parser only complete, well-formed
 * arrays of bulk strings, which it decodes into Buffers (header syntax:
 * syntax.ts). Inline commands (`PING\r\n` from nc or telnet) are not RESP at
 * all; they are cut into lines here and split into words by inline.ts.
 *
 * The framer does not scan bulk bodies: it skips them by length, and while a
 * large body is still arriving it only collects chunks (no re-concatenation).
 */
import RedisParser from 'redis-parser';
import { splitInline } from './inline';
import { CR, LF, ProtocolError, parseLength, printable, readLine } from './syntax';

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
  private readonly parser: RedisParser;
  private parsed: Buffer[][] = [];
  /**
   * How far the scan of the incomplete request at the start of the buffer
   * got, so that a request made of many small bulks arriving in many chunks is
   * scanned once, not once per chunk (which would be quadratic CPU).
   */
  private resume: { n: number; done: number; offset: number } | null = null;

  constructor(private readonly limits: ProtocolLimits = DEFAULT_PROTOCOL_LIMITS) {
    this.parser = new RedisParser({
      returnBuffers: true,
      returnReply: (reply: unknown) => this.parsed.push(reply as Buffer[]),
      // Unreachable for validated input; kept loud in case it ever is not.
      returnError: (err: Error) => {
        throw new ProtocolError(`Protocol error: ${err.message}`);
      },
      returnFatalError: (err: Error) => {
        throw new ProtocolError(`Protocol error: ${err.message}`);
      },
    });
  }

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
    // Consecutive validated multibulk requests go to redis-parser in one call.
    let run = { start: -1, sizes: [] as number[] };
    const flushRun = (end: number) => {
      if (run.start < 0) return;
      this.parser.execute(buf.subarray(run.start, end));
      this.parsed.forEach((argv, i) => out.push({ argv, bytes: run.sizes[i], cost: 0 }));
      this.parsed = [];
      run = { start: -1, sizes: [] };
    };
    let pos = 0;
    this.need = 0;
    try {
      while (pos < buf.length) {
        if (buf[pos] === 0x2a /* '*' */) {
          const end = this.scanMultibulk(buf, pos);
          if (end < 0) break; // incomplete: wait for more bytes
          if (end === pos) {
            // An empty array (`*0`, `*-1`): Redis ignores it.
            flushRun(pos);
            pos = buf.indexOf(LF, pos) + 1;
            continue;
          }
          if (run.start < 0) run.start = pos;
          run.sizes.push(end - pos);
          pos = end;
        } else {
          flushRun(pos);
          const end = this.scanInline(buf, pos, out);
          if (end < 0) break;
          pos = end;
        }
      }
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      flushRun(pos);
      this.chunks = [];
      this.buffered = 0;
      return { requests: out, error: e };
    }
    flushRun(pos);
    const rest = buf.length - pos;
    this.chunks = rest > 0 ? [buf.subarray(pos)] : [];
    this.buffered = rest;
    if (this.need > 0) this.need -= pos;
    return { requests: out };
  }

  /**
   * Validates one `*N\r\n($L\r\n<L bytes>\r\n){N}` request at `start`.
   * Returns its end, -1 if incomplete, or `start` for an empty array.
   */
  private scanMultibulk(buf: Buffer, start: number): number {
    let n: number;
    let i = 0;
    let pos: number;
    if (start === 0 && this.resume) {
      // The incomplete request kept from the last push starts the buffer.
      ({ n, done: i } = this.resume);
      pos = this.resume.offset;
      this.resume = null;
    } else {
      const header = readLine(buf, start + 1, 'multibulk');
      if (header === null) return -1;
      n = parseLength(buf, start + 1, header.end, 'invalid multibulk length');
      if (n > this.limits.maxArrayLength) throw new ProtocolError('Protocol error: invalid multibulk length');
      if (n <= 0) return start;
      pos = header.next;
    }
    const maxRequest = this.limits.maxRequestBytes ?? Infinity;
    const incomplete = () => {
      this.resume = { n, done: i, offset: pos - start };
      return -1;
    };
    for (; i < n; i++) {
      if (pos >= buf.length) return incomplete();
      if (buf[pos] !== 0x24 /* '$' */) {
        throw new ProtocolError(`Protocol error: expected '$', got '${printable(buf[pos])}'`);
      }
      const line = readLine(buf, pos + 1, 'bulk');
      if (line === null) return incomplete();
      const len = parseLength(buf, pos + 1, line.end, 'invalid bulk length');
      if (len < 0 || len > this.limits.maxBulkBytes) throw new ProtocolError('Protocol error: invalid bulk length');
      const bodyEnd = line.next + len;
      if (bodyEnd + 2 - start > maxRequest) throw new ProtocolError(`Protocol error: request larger than ${maxRequest} bytes`);
      if (bodyEnd + 2 > buf.length) {
        this.need = bodyEnd + 2;
        return incomplete();
      }
      if (buf[bodyEnd] !== CR || buf[bodyEnd + 1] !== LF) throw new ProtocolError('Protocol error: bulk string not terminated by CRLF');
      pos = bodyEnd + 2;
    }
    return pos;
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
