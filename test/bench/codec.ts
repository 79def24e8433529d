/**
 * The document's own cost as it grows: full decode (a cold start or a
 * conflict re-read), one SET on a warm document + encode (every commit), and
 * the bytes each commit sends to S3; and one change to a big hash or sorted
 * set + encode against encoding that document from scratch.
 */
import { performance } from 'node:perf_hooks';
import { Document, entryOf, HashValue, ZSetValue, type Entry } from '../../lambda/document';

export interface CodecRow {
  keys: number;
  bytes: number;
  decode_ms: number;
  set_encode_ms: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function measureCodec(sizes: number[], valueSize: number): CodecRow[] {
  const value = Buffer.alloc(valueSize, 0x61);
  return sizes.map((n) => {
    const doc = Document.empty();
    for (let i = 0; i < n; i++) doc.set(Buffer.from(`key:${i}`), value);
    const body = doc.encode();
    const decode: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      Document.decode(body);
      decode.push(performance.now() - t);
    }
    const warm = Document.decode(body);
    warm.encode(); // fills the per-entry fragment cache, as a warm Lambda has it
    const setEncode: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      warm.begin();
      warm.set(Buffer.from(`key:${i % n}`), Buffer.from(`v${i}`));
      warm.encode();
      warm.release();
      setEncode.push(performance.now() - t);
    }
    return { keys: n, bytes: body.length, decode_ms: Number(median(decode).toFixed(2)), set_encode_ms: Number(median(setEncode).toFixed(2)) };
  });
}

export interface AggregateCodecRow {
  /** What the document holds: one aggregate of `members` members. */
  type: 'hash' | 'zset';
  members: number;
  bytes: number;
  /** encode() of the document with nothing cached (as after a decode): every member serialised. */
  full_encode_ms: number;
  /** One member changed on a warm document (HSET / ZADD through the entry API) + encode(). */
  change_encode_ms: number;
}

/**
 * A big aggregate's cost per commit: one HSET on a 100k-field hash, one ZADD
 * on a 100k-member sorted set, against encoding the same document from
 * scratch. The changes go through the document's entry API, as the commands
 * do, so this measures the representation, not any one command.
 */
export function measureAggregateCodec(members: number): AggregateCodecRow[] {
  const key = Buffer.from('big');
  const rows: AggregateCodecRow[] = [];
  const hash = HashValue.EMPTY.draft();
  for (let i = 0; i < members; i++) hash.set(`field:${i}`, Buffer.from(`value-${i}`));
  rows.push(
    measureOne('hash', members, entryOf(new HashValue(hash.done())), (e, i) => {
      const d = (e.value as HashValue).draft();
      d.set(`field:${(i * 7919) % members}`, Buffer.from(`changed-${i}`));
      return entryOf(new HashValue(d.done()));
    }),
  );
  const zset = ZSetValue.EMPTY.draft();
  for (let i = 0; i < members; i++) zset.add(`member:${i}`, i * 1.5);
  rows.push(
    measureOne('zset', members, entryOf(zset.done()), (e, i) => {
      const d = (e.value as ZSetValue).draft();
      d.add(`member:${(i * 7919) % members}`, -i);
      return entryOf(d.done());
    }),
  );
  return rows;

  function measureOne(type: 'hash' | 'zset', n: number, entry: Entry, change: (e: Entry, i: number) => Entry): AggregateCodecRow {
    const doc = Document.empty();
    doc.put(key, entry);
    const body = Buffer.from(doc.encode());
    const full: number[] = [];
    for (let i = 0; i < 5; i++) {
      const cold = Document.decode(body);
      const t = performance.now();
      cold.encode();
      full.push(performance.now() - t);
    }
    const warm = Document.decode(body);
    warm.encode();
    const changed: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      warm.begin();
      warm.put(key, change(warm.entry(key) as Entry, i));
      warm.encode();
      warm.release();
      changed.push(performance.now() - t);
    }
    return { type, members: n, bytes: body.length, full_encode_ms: Number(median(full).toFixed(2)), change_encode_ms: Number(median(changed).toFixed(2)) };
  }
}
