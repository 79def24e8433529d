/**
 * The commit window of db.json: a bounded list of recent batch ids (with the
 * replies of the batch's writes). After an ambiguous write, a re-read tells
 * whether the batch already landed, and the ids make every committed
 * document distinct, which rules out ABA on the ETag.
 */
import { CorruptDocumentError } from './document-format';

/**
 * One kept reply: `+status`, `-error`, an integer, `{"w": <wire reply>}` for
 * any other shape (a bulk, an array …), or null (a read, or not kept).
 */
export type StoredReply = string | number | null | { w: unknown };

/** Replies of one committed batch, per session: write replies kept, reads null. */
export type StoredReplies = StoredReply[][];

export interface CommitRecord {
  /** The batch id. */
  id: string;
  /** Commit time (ms since epoch), for trimming the window. */
  at: number;
  /** The attempt that wrote it: tells the writer which of its replies landed. */
  a?: string;
  /** Replies of the batch's write commands, per session. */
  r: StoredReplies;
  /**
   * What the commit changed, as change marks (lambda/changes.ts), for WATCH.
   * Absent in records older versions wrote: read as "anything may have changed".
   */
  c?: string[];
  /** Keys the commit removed because they had expired (marks): see WatchState.Expired. */
  x?: string[];
}

export interface WindowPolicy {
  /** Keep commit ids at least this long (must exceed every retry horizon). */
  retainMs: number;
  /** Hard cap on the number of ids kept, to bound the document's size. */
  maxEntries: number;
  /** Only the newest this many commits keep their replies (ids are what matter). */
  withReplies: number;
  /** And only while the replies kept add up to at most this many bytes (GETDELs of big values). */
  replyBytes?: number;
  /**
   * Records keep their change marks (for WATCH) this long; a WATCH older than
   * that aborts its EXEC. Marks cost ~13 bytes per changed key per commit,
   * and a WATCH lives a few round trips.
   */
  marksMs?: number;
}

/**
 * A batch is re-checked at most one proxy invoke timeout (12 s) plus one
 * retry after its commit; 60 s is a wide margin over that horizon.
 */
export const DEFAULT_WINDOW: WindowPolicy = { retainMs: 60_000, maxEntries: 8192, withReplies: 64, replyBytes: 1024 * 1024, marksMs: 10_000 };

/** The records, their ids for lookup, and their JSON (encoded once, copied into every commit). */
export class CommitWindow {
  private list: CommitRecord[] = [];
  private ids = new Set<string>();
  private json: string[] = [];
  /** UTF-8 size of the records in db.json, one separator each: kept exact. */
  bytes = 0;

  static decode(raw: unknown): CommitWindow {
    if (!Array.isArray(raw)) throw new CorruptDocumentError('db.json: commits is not an array');
    const w = new CommitWindow();
    for (const c of raw as CommitRecord[]) {
      if (typeof c?.id !== 'string' || typeof c.at !== 'number' || !Array.isArray(c.r)) throw new CorruptDocumentError('db.json: malformed commit record');
      w.push(c);
    }
    return w;
  }

  get records(): readonly CommitRecord[] {
    return this.list;
  }

  find(id: string): CommitRecord | undefined {
    return this.ids.has(id) ? this.list.find((c) => c.id === id) : undefined;
  }

  push(rec: CommitRecord): void {
    const json = JSON.stringify(rec);
    this.list.push(rec);
    this.ids.add(rec.id);
    this.json.push(json);
    this.bytes += Buffer.byteLength(json) + 1;
  }

  /** Undoes the newest push. */
  pop(): void {
    const c = this.list.pop() as CommitRecord;
    this.bytes -= Buffer.byteLength(this.json.pop() as string) + 1;
    // An id recorded twice stays known while an older record still holds it.
    if (!this.list.some((x) => x.id === c.id)) this.ids.delete(c.id);
  }

  /** Drops ids older than the policy allows; the newest one always stays. */
  trim(now: number, policy: WindowPolicy): void {
    let drop = 0;
    const n = this.list.length;
    while (n - drop > policy.maxEntries || (n - drop > 1 && now - this.list[drop].at > policy.retainMs)) drop++;
    if (drop > 0) {
      for (const j of this.json.slice(0, drop)) this.bytes -= Buffer.byteLength(j) + 1;
      this.list = this.list.slice(drop);
      this.json = this.json.slice(drop);
      this.ids = new Set(this.list.map((c) => c.id));
    }
    const marksBefore = now - (policy.marksMs ?? Infinity);
    for (let i = 0; i < this.list.length && this.list[i].at < marksBefore; i++) {
      if (this.list[i].c === undefined && this.list[i].x === undefined) continue;
      const { c: _c, x: _x, ...rest } = this.list[i];
      this.replace(i, rest);
    }
    // Older commits keep only their id: replies add up at high rates, and a
    // few big ones (GETDEL of a large value) must not fill the document.
    let kept = 0;
    for (let i = this.list.length - 1; i >= 0; i--) {
      if (this.list[i].r.length === 0) continue;
      kept += this.json[i].length;
      if (i >= this.list.length - policy.withReplies && kept <= (policy.replyBytes ?? Infinity)) continue;
      this.replace(i, { ...this.list[i], r: [] });
    }
  }

  private replace(i: number, rec: CommitRecord): void {
    const old = this.json[i];
    this.list[i] = rec;
    this.json[i] = JSON.stringify(rec);
    this.bytes += Buffer.byteLength(this.json[i]) - Buffer.byteLength(old);
  }

  /** The records as the body of a JSON array. */
  encode(): string {
    return this.json.join(',');
  }
}
