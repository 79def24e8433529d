/** What every aggregate value shares: its type, size and cached JSON pieces (see document-values.ts). */
/** An aggregate's JSON without its entry's meta: `head`, the chunk fragments, `tail`; then `,"x":..,"s":..}`. */
export interface EncodedValue {
  head: string;
  parts: Buffer[];
  /** UTF-8 bytes of `parts`. */
  bytes: number;
  tail: string;
}

/** Called by decoders with what is wrong; throws (CorruptDocumentError, naming the key). */
export type Fail = (what: string) => never;

export abstract class Aggregate {
  private enc: EncodedValue | undefined;

  abstract readonly type: 'hash' | 'list' | 'set' | 'zset' | 'stream';
  abstract readonly size: number;
  protected abstract body(): { parts: Buffer[]; bytes: number };

  /** Members after `"v":[`; the stream adds its counters. */
  protected tail(): string {
    return ']';
  }

  /** Cached: the value never changes. */
  encoded(): EncodedValue {
    this.enc ??= { head: `{"t":"${this.type}","v":[`, ...this.body(), tail: this.tail() };
    return this.enc;
  }
}

