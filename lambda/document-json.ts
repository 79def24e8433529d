/**
 * Byte strings in db.json: valid UTF-8 as a JSON string, so the document
 * stays readable; anything else as `{"b64":"..."}`. Every byte string
 * round-trips exactly. Keys use the `data64` map instead (document-format.ts).
 */
import { isUtf8 } from 'node:buffer';

export function bytesJson(value: Buffer): string {
  return isUtf8(value) ? JSON.stringify(value.toString('utf8')) : `{"b64":"${value.toString('base64')}"}`;
}

/**
 * UTF-8 size of JSON.stringify(bytes.toString('utf8')) for valid UTF-8
 * bytes: the quotes, each byte once, and what escaping adds. JSON.stringify
 * escapes `"`, `\\` and the controls below 0x20 only (valid UTF-8 has no
 * lone surrogates): \b \t \n \f \r as two characters, the rest as \u00XX.
 */
export function stringBytes(b: Buffer): number {
  let n = b.length + 2;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c >= 0x20) {
      if (c === 0x22 || c === 0x5c) n += 1;
    } else n += c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 1 : 5;
  }
  return n;
}

/** UTF-8 size of bytesJson(value), computed without building it. */
export function bytesJsonBytes(value: Buffer): number {
  return isUtf8(value) ? stringBytes(value) : 10 + Math.ceil(value.length / 3) * 4;
}

const ASCII = /^[\x00-\x7f]*$/;

/** A member held as a latin1 string (one byte per code unit, as keys are: keyOf()). */
export function latin1Json(s: string): string {
  // ASCII is its own UTF-8: skip the round trip through a Buffer.
  return ASCII.test(s) ? JSON.stringify(s) : bytesJson(Buffer.from(s, 'latin1'));
}

/** A byte string as bytesJson wrote it, or null when `v` is neither form. */
export function decodeBytes(v: unknown): Buffer | null {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.b64 === 'string' && Object.keys(o).length === 1) return Buffer.from(o.b64, 'base64');
  }
  return null;
}

/** The same, as a latin1 member string. */
export function decodeLatin1(v: unknown): string | null {
  if (typeof v === 'string' && ASCII.test(v)) return v;
  const b = decodeBytes(v);
  return b === null ? null : b.toString('latin1');
}
