/**
 * Bytes of a paged aggregate's pages (layout.ts §3): its INDEX page (the
 * member pages in order, what a stub names) and its MEMBER pages (runs of the
 * value's copy-on-write chunks, each chunk's cached JSON fragment as is).
 *
 *   "vpa1" | u32 header length | header JSON | body | 16-byte digest (name.ts)
 *   index:   {"kind":"index","t":type,"n":size[,"bits":b],"runs":[[page,chunks],...]}   no body
 *   members: {"kind":"members","t":type,"chunks":[bytes,...]}   body: the chunks' fragments
 *
 * A fragment is the items of one chunk as the aggregate's db.json array holds
 * them, comma-separated (document-values.ts): one tested encoding, and the
 * bytes are the chunk's cached fragment, not re-encoded. Like node and leaf
 * pages (codec.ts), the digest covers every byte and the name carries its
 * first 8 bytes: a flipped bit or a page under another's name is refused,
 * naming the page.
 */
import type { AggregateType } from '../document-format';
import { checkedBody } from './envelope';
import { digestOf, isPageName } from './name';
import { PageCorruptError } from './errors';

const MAGIC = Buffer.from('vpa1');

export interface IndexHead {
  kind: 'index';
  t: AggregateType;
  n: number;
  /** A hash's or set's FieldMap chunk bits (its chunk count is 2^bits). */
  bits?: number;
  /** Member pages in order, with how many chunks each holds. */
  runs: [string, number][];
}

export interface MembersHead {
  kind: 'members';
  t: AggregateType;
  /** Byte length of each chunk's fragment, in order. */
  chunks: number[];
}

export type AggHead = IndexHead | MembersHead;

export function encodeAggPage(head: AggHead, body: readonly Buffer[] = []): Buffer {
  const h = Buffer.from(JSON.stringify(head), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(h.length);
  const all = Buffer.concat([MAGIC, len, h, ...body]);
  return Buffer.concat([all, digestOf(all)]);
}

const TYPES = new Set(['hash', 'list', 'set', 'zset', 'stream']);
const count = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** A checked page: its header, and for member pages each chunk's fragment. PageCorruptError (naming it) for anything else. */
export function decodeAggPage(name: string, bytes: Buffer): { head: AggHead; fragments: Buffer[] } {
  const fail = (why: string): never => {
    throw new PageCorruptError(name, why);
  };
  const body = checkedBody(name, bytes, MAGIC, 'a valthree aggregate page');
  const hlen = body.readUInt32BE(4);
  if (8 + hlen > body.length) fail('truncated header');
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(body.toString('utf8', 8, 8 + hlen)) as Record<string, unknown>;
  } catch {
    return fail('its header is not JSON');
  }
  if (!TYPES.has(h.t as string)) fail('malformed header (type)');
  const rest = body.subarray(8 + hlen);
  if (h.kind === 'index') {
    const runs = h.runs;
    if (!count(h.n) || (h.bits !== undefined && !count(h.bits)) || rest.length > 0) fail('malformed index header');
    if (!Array.isArray(runs) || !runs.every((r) => Array.isArray(r) && r.length === 2 && typeof r[0] === 'string' && isPageName(r[0]) && count(r[1]) && r[1] > 0)) fail('malformed member page refs');
    return { head: { kind: 'index', t: h.t as AggregateType, n: h.n as number, ...(h.bits !== undefined ? { bits: h.bits as number } : {}), runs: runs as [string, number][] }, fragments: [] };
  }
  if (h.kind !== 'members' || !Array.isArray(h.chunks) || !h.chunks.every(count)) return fail('malformed header');
  const sizes = h.chunks as number[];
  const fragments: Buffer[] = [];
  let o = 0;
  for (const n of sizes) {
    if (o + n > rest.length) fail('truncated chunk');
    fragments.push(rest.subarray(o, o + n));
    o += n;
  }
  if (o !== rest.length) fail('bytes after the last chunk');
  return { head: { kind: 'members', t: h.t as AggregateType, chunks: sizes }, fragments };
}
