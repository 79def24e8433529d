/** The cached JSON fragments chunks share (see document-chunks.ts). */
/** One chunk and its cached JSON fragment (undefined: not encoded yet); `items` never change. */
export interface Fragmented {
  json?: Buffer;
}

/** Items are encoded to JSON texts, comma-separated, without brackets. */
export type ItemJson<T> = (item: T) => string;

const COMMA = Buffer.from(',');

/**
 * The JSON of every non-empty chunk with commas between: the array body of
 * an aggregate. Chunks encode on first need and keep the result.
 */
export function fragments<C extends Fragmented>(chunks: readonly C[], encode: (c: C) => string[], nonEmpty: (c: C) => boolean): { parts: Buffer[]; bytes: number } {
  const parts: Buffer[] = [];
  let bytes = 0;
  for (const c of chunks) {
    if (!nonEmpty(c)) continue;
    c.json ??= Buffer.from(encode(c).join(','), 'utf8');
    if (parts.length > 0) {
      parts.push(COMMA);
      bytes++;
    }
    parts.push(c.json);
    bytes += c.json.length;
  }
  return { parts, bytes };
}

