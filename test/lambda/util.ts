/** Shared helpers for the lambda/ unit tests: byte-string generators, batch builders, reply readers. */
import { contextFor, executeOne } from '../../lambda/engine';
import { Keyspace, Touched } from '../../lambda/commands/context';
import fc from 'fast-check';
import { CONTRACT_VERSION, type BatchRequest, type BatchResponse, type WireReply } from '../../lambda/contract';
import { encodeArg, toWire } from '../../lambda/contract-wire';
import { Document } from '../../lambda/document';

/** Byte strings the codec must survive: edge cases by name, random bytes, UTF-8 text, base64 look-alikes. */
export const SPECIAL_BYTES: Buffer[] = [
  Buffer.alloc(0),
  Buffer.from([0x00]),
  Buffer.from([0xff]),
  Buffer.from([0x00, 0xff, 0x0d, 0x0a]),
  Buffer.from([0xc3]), // truncated 2-byte sequence
  Buffer.from([0xed, 0xa0, 0x80]), // UTF-8-encoded surrogate: invalid
  Buffer.from([0xef, 0xbb, 0xbf, 0x41]), // BOM + "A": valid, must not be stripped
  Buffer.from('__proto__'),
  Buffer.from('constructor'),
  Buffer.from('aGVsbG8='), // a UTF-8 key that looks like a base64 (data64) key
  Buffer.from('AA=='),
  Buffer.from('{"b64":"AA=="}'), // a UTF-8 value that looks like an encoded binary value
  Buffer.from('0'),
  Buffer.from('"quoted"\\\n\t\u0001'),
  Buffer.from('héllo wörld ✓ 日本 🎉'),
];

export const bytesArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(...SPECIAL_BYTES),
  fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a)),
  fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => Buffer.from(s, 'utf8')),
  fc.base64String({ maxLength: 16 }).map((s) => Buffer.from(s)),
);

export const b = (s: string | number[]): Buffer => (typeof s === 'string' ? Buffer.from(s, 'latin1') : Buffer.from(s));

/** argv from strings (latin1, so '\xff' is one byte) or Buffers. */
export const argv = (...words: (string | Buffer)[]): Buffer[] => words.map((w) => (typeof w === 'string' ? b(w) : w));

export function batch(batchId: string, ...sessions: (string | Buffer)[][][]): BatchRequest {
  return {
    v: CONTRACT_VERSION,
    batchId,
    sessions: sessions.map((cmds, i) => ({ id: `s${i}`, commands: cmds.map((c) => argv(...c).map(encodeArg)) })),
  };
}

/** Replies of an ok response, per session; fails the test with the failure otherwise. */
export function repliesOf(res: BatchResponse): WireReply[][] {
  if (!res.ok) throw new Error(`batch failed: ${res.failure.kind}: ${res.failure.message}`);
  return res.sessions.map((s) => s.replies);
}

export const bulk = (v: string | Buffer): WireReply => ({ t: 'bulk', v: (typeof v === 'string' ? b(v) : v).toString('base64') });
export const OK: WireReply = { t: 'simple', v: 'OK' };
export const NIL: WireReply = { t: 'null' };
export const int = (v: number): WireReply => ({ t: 'int', v });
export const err = (v: string): WireReply => ({ t: 'error', v });

/**
 * Order-independent view of a document: what it means, not how its Map
 * happens to be ordered (rollback re-inserts keys at the end).
 */
export function canonical(doc: Document): string {
  const raw = JSON.parse(doc.encode().toString('utf8')) as Record<string, unknown>;
  const sortObj = (o: unknown) => Object.fromEntries(Object.entries(o as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  return JSON.stringify({ ...raw, data: sortObj(raw.data), data64: sortObj(raw.data64) });
}

/** A document holding these string keys (database 0, no TTL). */
export function docWith(entries: Record<string, string> = {}): Document {
  const doc = Document.empty();
  for (const [k, v] of Object.entries(entries)) doc.set(b(k), b(v));
  return doc;
}

/** One command on `doc` at batch clock `now`, in database 0, as the engine runs it. */
export const runAt = (doc: Document, now: number, ...words: (string | Buffer)[]): WireReply => toWire(executeOne(contextFor(new Keyspace(doc, new Touched(), 0, now)), argv(...words)));
