/**
 * A raw RESP client for tests that must see exactly what the server sends:
 * hostile-input tests, the fuzzer, shutdown and TLS tests.
 *
 * The reply parser is deliberately strict (stricter than real clients): a
 * reply that a lenient client would tolerate — a bare LF, `$abc`, a bulk not
 * followed by CRLF, an unknown type byte — is a test failure here. It knows
 * RESP2 and RESP3.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';

export type Resp =
  | { t: 'simple'; v: string }
  | { t: 'error'; v: string }
  | { t: 'int'; v: bigint }
  | { t: 'bulk'; v: Buffer }
  | { t: 'null' }
  | { t: 'array'; v: Resp[] }
  | { t: 'set'; v: Resp[] }
  | { t: 'push'; v: Resp[] }
  | { t: 'map'; v: [Resp, Resp][] }
  | { t: 'bool'; v: boolean }
  | { t: 'double'; v: number }
  | { t: 'bignum'; v: string }
  | { t: 'verbatim'; v: Buffer };

export class RespFormatError extends Error {}

const CR = 13;
const LF = 10;
const MAX_DEPTH = 64;
/** Incomplete: wait for more bytes. */
const MORE = Symbol('more');

/** Incremental strict parser: push bytes, take complete replies. */
export class RespReplyParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  push(chunk: Buffer): Resp[] {
    this.buf = this.pos === this.buf.length ? chunk : Buffer.concat([this.buf.subarray(this.pos), chunk]);
    this.pos = 0;
    const out: Resp[] = [];
    while (this.pos < this.buf.length) {
      const r = this.value(this.pos, 0);
      if (r === MORE) break;
      out.push(r.v);
      this.pos = r.next;
    }
    return out;
  }

  /** Bytes of a reply that has started but not finished. */
  get pendingBytes(): number {
    return this.buf.length - this.pos;
  }

  private line(at: number): { s: string; next: number } | typeof MORE {
    const i = this.buf.indexOf(CR, at);
    const lf = this.buf.indexOf(LF, at);
    if (lf >= 0 && (i < 0 || lf < i)) throw new RespFormatError(`bare LF at byte ${lf}`);
    if (i < 0 || i + 1 >= this.buf.length) return MORE;
    if (this.buf[i + 1] !== LF) throw new RespFormatError(`CR not followed by LF at byte ${i}`);
    return { s: this.buf.toString('latin1', at, i), next: i + 2 };
  }

  private integer(s: string, what: string): bigint {
    if (!/^-?(0|[1-9]\d*)$/.test(s)) throw new RespFormatError(`invalid ${what} ${JSON.stringify(s)}`);
    return BigInt(s);
  }

  private value(at: number, depth: number): { v: Resp; next: number } | typeof MORE {
    if (depth > MAX_DEPTH) throw new RespFormatError('replies nested too deeply');
    if (at >= this.buf.length) return MORE;
    const type = String.fromCharCode(this.buf[at]);
    const line = this.line(at + 1);
    if (line === MORE) return MORE;
    const { s, next } = line;
    switch (type) {
      case '+':
        return { v: { t: 'simple', v: s }, next };
      case '-':
        return { v: { t: 'error', v: s }, next };
      case ':':
        return { v: { t: 'int', v: this.integer(s, 'integer') }, next };
      case '_':
        if (s !== '') throw new RespFormatError('null with a payload');
        return { v: { t: 'null' }, next };
      case '#':
        if (s !== 't' && s !== 'f') throw new RespFormatError(`invalid boolean ${JSON.stringify(s)}`);
        return { v: { t: 'bool', v: s === 't' }, next };
      case ',':
        if (!/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|-?inf|nan)$/.test(s)) throw new RespFormatError(`invalid double ${JSON.stringify(s)}`);
        return { v: { t: 'double', v: s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s) }, next };
      case '(':
        this.integer(s, 'big number');
        return { v: { t: 'bignum', v: s }, next };
      case '$':
      case '=':
      case '!': {
        const len = this.integer(s, 'bulk length');
        if (len === -1n && type === '$') return { v: { t: 'null' }, next };
        if (len < 0n) throw new RespFormatError(`negative bulk length ${len}`);
        const end = next + Number(len);
        if (end + 2 > this.buf.length) return MORE;
        if (this.buf[end] !== CR || this.buf[end + 1] !== LF) throw new RespFormatError('bulk not terminated by CRLF');
        const body = Buffer.from(this.buf.subarray(next, end));
        const v: Resp = type === '$' ? { t: 'bulk', v: body } : type === '=' ? { t: 'verbatim', v: body } : { t: 'error', v: body.toString('latin1') };
        return { v, next: end + 2 };
      }
      case '*':
      case '~':
      case '>':
      case '%': {
        const n = this.integer(s, 'aggregate length');
        if (n === -1n && type === '*') return { v: { t: 'null' }, next };
        if (n < 0n) throw new RespFormatError(`negative aggregate length ${n}`);
        const count = Number(n) * (type === '%' ? 2 : 1);
        const items: Resp[] = [];
        let p = next;
        for (let i = 0; i < count; i++) {
          const r = this.value(p, depth + 1);
          if (r === MORE) return MORE;
          items.push(r.v);
          p = r.next;
        }
        if (type === '%') {
          const pairs: [Resp, Resp][] = [];
          for (let i = 0; i < items.length; i += 2) pairs.push([items[i], items[i + 1]]);
          return { v: { t: 'map', v: pairs }, next: p };
        }
        return { v: { t: type === '*' ? 'array' : type === '~' ? 'set' : 'push', v: items }, next: p };
      }
      default:
        throw new RespFormatError(`unknown reply type byte 0x${this.buf[at].toString(16)}`);
    }
  }
}

/** A request as clients send it: an array of bulk strings. */
export function encodeCommand(args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Readable form of a reply for assertions: strings, bigints→numbers, nested arrays. */
export function plain(r: Resp): unknown {
  switch (r.t) {
    case 'bulk':
    case 'verbatim':
      return r.v.toString('latin1');
    case 'int':
      return Number(r.v);
    case 'null':
      return null;
    case 'error':
      return { error: r.v };
    case 'array':
    case 'set':
    case 'push':
      return r.v.map(plain);
    case 'map':
      return r.v.map(([k, v]) => [plain(k), plain(v)]);
    default:
      return r.v;
  }
}

/**
 * How long a wait gives up by default. Not a bound a test asserts: a test
 * waits for the reply or the close, and this only turns a hang into a clear
 * message before jest's own timeout, however slow the machine is.
 */
export const DEFAULT_WAIT_MS = 30_000;

export interface RawClientOptions {
  host?: string;
  tls?: tls.ConnectionOptions;
}

/**
 * One connection that records every byte received, parses replies strictly,
 * and tells whether (and when) the server closed it. A format error in the
 * server's output is kept in `formatError` and fails every later wait.
 */
export class RawClient {
  readonly replies: Resp[] = [];
  received = 0;
  sent = 0;
  formatError: Error | null = null;
  closedByServer = false;
  private readonly parser = new RespReplyParser();
  private waiters: (() => void)[] = [];
  private closedFlag = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.closedFlag = true;
        this.wake();
        resolve();
      }),
    );
    socket.on('end', () => (this.closedByServer = true));
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => {
      this.received += d.length;
      if (this.formatError) return;
      try {
        this.replies.push(...this.parser.push(d));
      } catch (e) {
        this.formatError = e as Error;
      }
      this.wake();
    });
  }

  static connect(port: number, opts: RawClientOptions = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const host = opts.host ?? '127.0.0.1';
      const socket = opts.tls ? tls.connect({ port, host, ...opts.tls }) : net.connect(port, host);
      const ready = opts.tls ? 'secureConnect' : 'connect';
      socket.once(ready, () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** Bytes of a reply that started but never finished (non-zero at close = truncated). */
  get pendingBytes(): number {
    return this.parser.pendingBytes;
  }

  write(bytes: Buffer | string): boolean {
    const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    this.sent += b.length;
    return this.socket.write(b);
  }

  /** Sends one command and waits for its reply (the next one not yet taken). */
  async call(...args: (string | Buffer)[]): Promise<Resp> {
    const n = this.replies.length;
    this.write(encodeCommand(args));
    await this.waitForReplies(n + 1);
    return this.replies[n];
  }

  /** Waits until `count` replies in total have arrived; rejects on close or timeout. */
  waitForReplies(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return this.waitFor(() => this.replies.length >= count, `${count} replies (got ${this.replies.length})`, timeoutMs, true);
  }

  /** Waits until the server closes the connection. */
  waitForClose(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return this.waitFor(() => this.closedFlag, 'the connection to close', timeoutMs, false);
  }

  waitFor(done: () => boolean, what: string, timeoutMs: number, failOnClose: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.formatError) {
          reject(new Error(`malformed reply: ${this.formatError.message}`));
          return true;
        }
        if (done()) {
          resolve();
          return true;
        }
        if (failOnClose && this.closedFlag) {
          reject(new Error(`connection closed while waiting for ${what}`));
          return true;
        }
        return false;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const waiter = () => {
        if (check()) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== waiter);
        }
      };
      this.waiters.push(waiter);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
