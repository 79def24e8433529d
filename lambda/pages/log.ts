/**
 * A paged database's inline log (layout.ts §1) with what the root needs of
 * it kept running: its encoded size (the fold bounds and the size cap ask on
 * every commit; summing 700 records each time would cost what paging saves),
 * the keys and TTLs its records add over the levels below (DBSIZE, INFO),
 * and each record's JSON, built once (a record is never changed in place: a
 * write sets a new one).
 */
import { bytesJson, bytesJsonBytes } from '../document-json';
import { entryBytes, wholeEntryJson } from '../document-entry-json';
import type { Rec } from './codec';

const recJson = (k: string, r: Rec): string => `[${bytesJson(Buffer.from(k, 'latin1'))},${r.e ? wholeEntryJson(r.e) : 'null'},${r.p},${r.seq}]`;

/** UTF-8 size of recJson(k, r) plus its separator, measured without building it. */
export const recordBytes = (k: string, r: Rec): number => bytesJsonBytes(Buffer.from(k, 'latin1')) + (r.e ? entryBytes(r.e) : 4) + String(r.seq).length + 7;

export class Log extends Map<string, Rec> {
  /** Bytes of every record as the root writes it, a separator each. */
  bytes = 0;
  /** Live keys the records add over what is below them. */
  live = 0;
  /** Keys with a TTL alike. */
  ttls = 0;
  private readonly cache = new WeakMap<Rec, string>();

  override set(k: string, r: Rec): this {
    // Map's constructor calls set before the fields exist: it is never given entries.
    const prev = super.get(k);
    if (prev) this.count(k, prev, -1);
    super.set(k, r);
    this.count(k, r, 1);
    return this;
  }

  override delete(k: string): boolean {
    const prev = super.get(k);
    if (prev) this.count(k, prev, -1);
    return super.delete(k);
  }

  override clear(): void {
    super.clear();
    this.bytes = this.live = this.ttls = 0;
  }

  /** Sets `r`, or (undefined) removes k's record: how an undo puts back what was. */
  put(k: string, r: Rec | undefined): void {
    if (r) this.set(k, r);
    else this.delete(k);
  }

  /** The record's JSON, built on first use. */
  json(k: string, r: Rec): string {
    let j = this.cache.get(r);
    if (j === undefined) this.cache.set(r, (j = recJson(k, r)));
    return j;
  }

  private count(k: string, r: Rec, sign: 1 | -1): void {
    this.bytes += sign * recordBytes(k, r);
    this.live += sign * ((r.e ? 1 : 0) - (r.p > 0 ? 1 : 0));
    this.ttls += sign * ((r.e?.expiresAt !== undefined ? 1 : 0) - (r.p === 2 ? 1 : 0));
  }
}
