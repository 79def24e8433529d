/**
 * The document's own cost as it grows: full decode (a cold start or a
 * conflict re-read), one SET on a warm document + encode (every commit), and
 * the bytes each commit sends to S3.
 */
import { performance } from 'node:perf_hooks';
import { Document } from '../../lambda/document';

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
