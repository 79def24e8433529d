/**
 * What a command runs with: the snapshot, the batch's clock, and a record of
 * the keys it read and wrote. Commands do no I/O; the handler owns the store.
 */
import type { Document } from '../document';

/**
 * The keys a batch touched, in order. WATCH, blocking pops and expiry need to
 * know which keys a commit changed; recording it as the keyspace is used,
 * rather than asking each command to report, means no command can forget.
 */
export class Touched {
  readonly reads: Buffer[] = [];
  readonly writes: Buffer[] = [];
  /** FLUSHALL: every key changed, named or not. */
  flushed = false;
}

/** The document as commands see it: every access is recorded in `touched`. */
export class Keyspace {
  constructor(readonly doc: Document, readonly touched: Touched) {}

  get size(): number {
    return this.doc.size;
  }

  get(key: Buffer): Buffer | undefined {
    this.touched.reads.push(key);
    return this.doc.get(key);
  }

  has(key: Buffer): boolean {
    this.touched.reads.push(key);
    return this.doc.has(key);
  }

  set(key: Buffer, value: Buffer): void {
    this.doc.set(key, value);
    this.touched.writes.push(key);
  }

  delete(key: Buffer): boolean {
    const gone = this.doc.delete(key);
    if (gone) this.touched.writes.push(key);
    return gone;
  }

  clear(): void {
    if (this.doc.size === 0) return;
    this.doc.clear();
    this.touched.flushed = true;
  }
}

export interface CommandContext {
  readonly db: Keyspace;
  /**
   * The batch's clock (Unix ms): one reading per batch, so every command of
   * a batch agrees on what time it is. Injectable in tests.
   */
  readonly now: number;
}
