/**
 * Replies as the proxy holds them, and their RESP2 / RESP3 encodings.
 * RESP3 (after HELLO 3) adds null `_`, maps `%`, sets `~`, doubles `,`,
 * booleans `#`, big numbers `(` and verbatim strings `=`; a RESP2 client gets
 * the same data as Redis gives it there: `$-1` (or `*-1` for a null array),
 * flat arrays, bulk strings, and 1/0 for booleans. Pairs are nested arrays
 * on RESP3 and one flat array on RESP2.
 */
import type { Reply } from '../../lambda/contract';

/**
 * The contract's in-memory reply: what the engine answers in-process is
 * encoded as it is. Its 'blocked' (a blocking command found nothing yet) is
 * never encoded as such: the session parks on it (proxy/session/blocked.ts).
 */
export type { Reply } from '../../lambda/contract';
export { fromWire } from '../../lambda/contract-wire';

export type Protocol = 2 | 3;

export const simple = (v: string): Reply => ({ t: 'simple', v });
export const error = (v: string): Reply => ({ t: 'error', v });
export const int = (v: number | string): Reply => ({ t: 'int', v });
export const bulk = (v: Buffer | string): Reply => ({ t: 'bulk', v: typeof v === 'string' ? Buffer.from(v) : v });
export const array = (v: Reply[]): Reply => ({ t: 'array', v });
export const map = (v: [Reply, Reply][]): Reply => ({ t: 'map', v });
export const NULL: Reply = { t: 'null' };
export const OK: Reply = simple('OK');

const CRLF = '\r\n';
const PONG = Buffer.from('+PONG\r\n');
const OK_BYTES = Buffer.from('+OK\r\n');

/** Appends the encoding of `r` to `out` (strings and buffers, joined by the caller). */
export function encode(r: Reply, proto: Protocol, out: (string | Buffer)[]): void {
  switch (r.t) {
    case 'simple':
      if (r.v === 'OK') out.push(OK_BYTES);
      else if (r.v === 'PONG') out.push(PONG);
      else out.push(`+${oneLine(r.v)}${CRLF}`);
      return;
    case 'error':
      out.push(`-${oneLine(r.v)}${CRLF}`);
      return;
    case 'int':
      out.push(`:${r.v}${CRLF}`);
      return;
    case 'bulk':
      out.push(`$${r.v.length}${CRLF}`, r.v, CRLF);
      return;
    case 'null':
      out.push(proto === 3 ? `_${CRLF}` : r.array ? `*-1${CRLF}` : `$-1${CRLF}`);
      return;
    case 'array':
    case 'set':
      out.push(`${proto === 3 && r.t === 'set' ? '~' : '*'}${r.v.length}${CRLF}`);
      for (const x of r.v) encode(x, proto, out);
      return;
    case 'map':
    case 'pairs': {
      // A nested map is flat on RESP3 (%), and [key, value] arrays on RESP2 (XREAD).
      const nested = r.t === 'map' && r.nested === true;
      out.push(proto === 2 ? `*${nested ? r.v.length : r.v.length * 2}${CRLF}` : r.t === 'map' ? `%${r.v.length}${CRLF}` : `*${r.v.length}${CRLF}`);
      for (const [k, v] of r.v) {
        // RESP3 pairs are two-element arrays.
        if ((proto === 3 && r.t === 'pairs') || (proto === 2 && nested)) out.push(`*2${CRLF}`);
        encode(k, proto, out);
        encode(v, proto, out);
      }
      return;
    }
    case 'blocked':
      // The session parks a blocked command before it gets here; should one
      // slip through, the client sees what a timeout would have answered.
      encode(r.onTimeout, proto, out);
      return;
    default:
      encodeScalar3(r, proto, out);
  }
}

/** The RESP3 scalars, and the bulk string or integer a RESP2 client gets instead. */
function encodeScalar3(r: Reply & { t: 'double' | 'bool' | 'bignum' | 'verbatim' }, proto: Protocol, out: (string | Buffer)[]): void {
  if (r.t === 'bool') {
    out.push(proto === 3 ? `#${r.v ? 't' : 'f'}${CRLF}` : `:${r.v ? 1 : 0}${CRLF}`);
  } else if (r.t === 'verbatim') {
    if (proto === 3) out.push(`=${r.v.length + 4}${CRLF}${r.format}:`, r.v, CRLF);
    else out.push(`$${r.v.length}${CRLF}`, r.v, CRLF);
  } else if (proto === 3) {
    out.push(`${r.t === 'double' ? ',' : '('}${r.v}${CRLF}`);
  } else {
    // Latin1 text, one byte per character (see toBuffer).
    out.push(`$${r.v.length}${CRLF}${r.v}${CRLF}`);
  }
}

/** Joins encoded parts into one buffer (one socket write), strings as latin1. */
export function toBuffer(parts: (string | Buffer)[]): Buffer {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = Buffer.allocUnsafe(total);
  let off = 0;
  for (const p of parts) off += typeof p === 'string' ? out.write(p, off, 'latin1') : p.copy(out, off);
  return out;
}

/** Simple strings and errors are single lines: a stray CR/LF would break framing. */
function oneLine(s: string): string {
  return /[\r\n]/.test(s) ? s.replace(/[\r\n]+/g, ' ') : s;
}
