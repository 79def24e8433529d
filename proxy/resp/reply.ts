/**
 * Replies as the proxy holds them, and their RESP2 / RESP3 encodings.
 * RESP3 (after HELLO 3) adds null `_`, maps `%`, booleans and doubles; a
 * RESP2 client gets the same data as `$-1` and flat arrays.
 */
import type { WireReply } from '../../lambda/contract';

export type Reply =
  | { t: 'simple'; v: string }
  | { t: 'error'; v: string }
  | { t: 'int'; v: number }
  | { t: 'bulk'; v: Buffer }
  | { t: 'null' }
  | { t: 'array'; v: Reply[] }
  | { t: 'map'; v: [Reply, Reply][] };

export type Protocol = 2 | 3;

export const simple = (v: string): Reply => ({ t: 'simple', v });
export const error = (v: string): Reply => ({ t: 'error', v });
export const int = (v: number): Reply => ({ t: 'int', v });
export const bulk = (v: Buffer | string): Reply => ({ t: 'bulk', v: typeof v === 'string' ? Buffer.from(v) : v });
export const array = (v: Reply[]): Reply => ({ t: 'array', v });
export const map = (v: [Reply, Reply][]): Reply => ({ t: 'map', v });
export const NULL: Reply = { t: 'null' };
export const OK: Reply = simple('OK');

export function fromWire(w: WireReply): Reply {
  switch (w.t) {
    case 'bulk':
      return { t: 'bulk', v: Buffer.from(w.v, 'base64') };
    case 'array':
      return { t: 'array', v: w.v.map(fromWire) };
    default:
      return w;
  }
}

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
      out.push(proto === 3 ? `_${CRLF}` : `$-1${CRLF}`);
      return;
    case 'array':
      out.push(`*${r.v.length}${CRLF}`);
      for (const x of r.v) encode(x, proto, out);
      return;
    case 'map':
      out.push(proto === 3 ? `%${r.v.length}${CRLF}` : `*${r.v.length * 2}${CRLF}`);
      for (const [k, v] of r.v) {
        encode(k, proto, out);
        encode(v, proto, out);
      }
      return;
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
