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
  /**
   * Batches forwarded into this one by other proxies (SessionCommands.origin):
   * their ids, each with the indexes of its sessions in `r`. Each is a batch
   * that landed, as much as `id` is (see CommitWindow.find).
   */
  o?: Record<string, number[]>;
}

/** Every batch id a record says landed. */
const idsOf = (c: CommitRecord): string[] => (c.o === undefined ? [c.id] : [c.id, ...Object.keys(c.o)]);

/**
 * A forwarded batch's view of the record that committed it: its sessions'
 * replies in its own order, and no attempt token (that names the writer's
 * attempt, whose replies are the writer's).
 */
function asOrigin(c: CommitRecord, id: string, sessions: number[]): CommitRecord {
  return { id, at: c.at, r: c.r.length === 0 ? [] : sessions.map((i) => c.r[i] ?? []) };
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
 * retry after its commit; 60 s is a wide margin over that horizon. A
 * forwarded batch is re-sent by its own proxy only after the forward's
 * deadline (seconds) plus the clock-skew bound, and the writer commits it, if
 * at all, within one invoke timeout of that deadline: inside the same margin.
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
      if (typeof c?.id !== 'string' || typeof c.at !== 'number' || !Array.isArray(c.r) || (c.o !== undefined && (typeof c.o !== 'object' || c.o === null))) throw new CorruptDocumentError('db.json: malformed commit record');
      w.push(c);
    }
    return w;
  }

  get records(): readonly CommitRecord[] {
    return this.list;
  }

  find(id: string): CommitRecord | undefined {
    if (!this.ids.has(id)) return undefined;
    for (const c of this.list) {
      if (c.id === id) return c;
      const forwarded = c.o?.[id];
      if (forwarded !== undefined) return asOrigin(c, id, forwarded);
    }
    return undefined;
  }

  push(rec: CommitRecord): void {
    const json = JSON.stringify(rec);
    this.list.push(rec);
    for (const id of idsOf(rec)) this.ids.add(id);
    this.json.push(json);
    this.bytes += Buffer.byteLength(json) + 1;
  }

  /** Undoes the newest push. */
  pop(): void {
    const c = this.list.pop() as CommitRecord;
    this.bytes -= Buffer.byteLength(this.json.pop() as string) + 1;
    // An id recorded twice stays known while an older record still holds it.
    for (const id of idsOf(c)) if (!this.list.some((x) => idsOf(x).includes(id))) this.ids.delete(id);
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
      this.ids = new Set(this.list.flatMap(idsOf));
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
