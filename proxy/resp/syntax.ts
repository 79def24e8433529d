/**
 * The byte-level syntax of a RESP request header (`*N\r\n`, `$L\r\n`), read
 * strictly: a length is trusted only once it is a well-formed decimal within
 * the limits, checked before any body is cut out of the buffer.
 */

/** The connection must be closed after replying `-ERR Protocol error: ...`. */
export class ProtocolError extends Error {}

export const CR = 13;
export const LF = 10;
/** `*1048576\r\n` and `$8388608\r\n` fit easily; a longer header is garbage. */
const MAX_HEADER = 24;

/**
 * The header line starting at `from` (after its `*` or `$`): where its digits
 * end (its CR; the next line starts 2 later), or -1 while its CRLF has not
 * arrived. A number, not an object: this runs for every argument.
 */
export function lineEnd(buf: Buffer, from: number, what: string): number {
  const limit = Math.min(buf.length, from + MAX_HEADER);
  for (let i = from; i < limit; i++) {
    if (buf[i] === CR) {
      if (i + 1 >= buf.length) return -1;
      if (buf[i + 1] !== LF) throw new ProtocolError(`Protocol error: ${what} length not terminated by CRLF`);
      return i;
    }
  }
  if (limit - from >= MAX_HEADER) throw new ProtocolError(`Protocol error: invalid ${what} length`);
  return -1;
}

/** Strict decimal (an optional '-', then digits): `$abc` or `$1x` is a protocol error, not a length. */
export function parseLength(buf: Buffer, from: number, end: number, error: string): number {
  let i = from;
  let sign = 1;
  if (buf[i] === 0x2d /* '-' */) {
    sign = -1;
    i++;
  }
  if (i === end) throw new ProtocolError(`Protocol error: ${error}`);
  let n = 0;
  for (; i < end; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) throw new ProtocolError(`Protocol error: ${error}`);
    n = n * 10 + d;
  }
  if (!Number.isSafeInteger(n)) throw new ProtocolError(`Protocol error: ${error}`);
  return sign * n;
}

/** A byte as it may appear in an error message (which is one line of ASCII). */
export function printable(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
}
