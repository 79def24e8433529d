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

/**
 * The window of a store this process alone writes (the file store, by its
 * lock). Nobody else reads it, so it stays in memory (LocalWindows) and
 * costs nothing per commit: at the batch rates a local disk allows, 8,192
 * records encoded, written and fsynced with every batch would be ~150 MB/s.
 * Its records serve WATCH (their change marks, kept marksMs), so it keeps
 * them that long by age, however many batches that is, and no longer: the
 * ids are for exactly-once after an ambiguous write or a forward, and
 * neither happens on a local file this process writes itself (a write there
 * lands or fails, and no other proxy can share the directory).
 */
export const LOCAL_WINDOW: WindowPolicy = { retainMs: 10_000, maxEntries: Infinity, withReplies: 64, replyBytes: 1024 * 1024, marksMs: 10_000 };

/**
 * The records, their ids for lookup, and (when persisted) their JSON,
 * encoded once and copied into every commit.
 *
 * A persisted window belongs to one Document and travels in db.json. An
 * in-memory one (`persisted` false) is shared by every handler over a
 * sole-writer store: a record joins it only once its commit landed
 * (Journal.release), tagged with its commit number, so that a document
 * cached at an older commit still finds exactly the records after a WATCH.
 */
export class CommitWindow {
  private list: CommitRecord[] = [];
  /** The commit number (seq) of each record. */
  private seqs: number[] = [];
  /** How many records hold each id (a forwarded id may sit beside its writer's). */
  private ids = new Map<string, number>();
  private json: string[] = [];
  /** What each record's replies weigh against replyBytes: its JSON's length, or an estimate when not persisted. */
  private weights: number[] = [];
  /** Records before this index already keep no replies (trim need not look at them again). */
  private bare = 0;
  /** UTF-8 size of the records in db.json, one separator each: kept exact (0 when not persisted). */
  bytes = 0;

  constructor(readonly persisted = true) {}

  /** The records of a body; their commit numbers count back from the body's `seq`. */
  static decode(raw: unknown, seq: number, into = new CommitWindow()): CommitWindow {
    if (!Array.isArray(raw)) throw new CorruptDocumentError('db.json: commits is not an array');
    const records = raw as CommitRecord[];
    records.forEach((c, i) => {
      if (typeof c?.id !== 'string' || typeof c.at !== 'number' || !Array.isArray(c.r) || (c.o !== undefined && (typeof c.o !== 'object' || c.o === null))) throw new CorruptDocumentError('db.json: malformed commit record');
      into.push(c, seq - (records.length - 1 - i));
    });
    return into;
  }

  get records(): readonly CommitRecord[] {
    return this.list;
  }

  get size(): number {
    return this.list.length;
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

  push(rec: CommitRecord, seq: number): void {
    this.list.push(rec);
    this.seqs.push(seq);
    for (const id of idsOf(rec)) this.ids.set(id, (this.ids.get(id) ?? 0) + 1);
    if (!this.persisted) return void this.weights.push(replyWeight(rec));
    const json = JSON.stringify(rec);
    this.json.push(json);
    this.weights.push(json.length);
    this.bytes += Buffer.byteLength(json) + 1;
  }

  /** Undoes the newest push. */
  pop(): void {
    const c = this.list.pop() as CommitRecord;
    this.seqs.pop();
    this.weights.pop();
    this.forget(c);
    if (this.persisted) this.bytes -= Buffer.byteLength(this.json.pop() as string) + 1;
    this.bare = Math.min(this.bare, this.list.length);
  }

  /**
   * The records of the commits after commit number `after`, up to `upTo`
   * (the reading document's own seq), oldest first; null when the window
   * does not hold every one of them (trimmed, or never seen): then nobody
   * can tell what changed since.
   */
  between(after: number, upTo: number): readonly CommitRecord[] | null {
    const n = upTo - after;
    if (n < 0) return null;
    if (n === 0) return [];
    // Newest first: a WATCH is recent, and the records it needs are at the end.
    let end = this.list.length;
    while (end > 0 && this.seqs[end - 1] > upTo) end--;
    const start = end - n;
    if (start < 0 || this.seqs[start] !== after + 1 || this.seqs[end - 1] !== upTo) return null;
    return this.list.slice(start, end);
  }

  /** The newest commit number recorded (-1: none). */
  get newest(): number {
    return this.seqs.length === 0 ? -1 : this.seqs[this.seqs.length - 1];
  }

  private forget(c: CommitRecord): void {
    for (const id of idsOf(c)) {
      const n = (this.ids.get(id) ?? 1) - 1;
      // An id recorded twice stays known while an older record still holds it.
      if (n === 0) this.ids.delete(id);
      else this.ids.set(id, n);
    }
  }

  /**
   * Drops ids older than the policy allows; the newest one always stays.
   * Work follows what it drops and the newest withReplies records, never the
   * whole window: it runs before every batch.
   */
  trim(now: number, policy: WindowPolicy): void {
    let drop = 0;
    const n = this.list.length;
    while (n - drop > policy.maxEntries || (n - drop > 1 && now - this.list[drop].at > policy.retainMs)) drop++;
    if (drop > 0) {
      for (let i = 0; i < drop; i++) this.forget(this.list[i]);
      if (this.persisted) for (let i = 0; i < drop; i++) this.bytes -= Buffer.byteLength(this.json[i]) + 1;
      this.list.splice(0, drop);
      this.seqs.splice(0, drop);
      this.weights.splice(0, drop);
      if (this.persisted) this.json.splice(0, drop);
      this.bare = Math.max(0, this.bare - drop);
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
    const newest = this.list.length - policy.withReplies;
    for (let i = this.list.length - 1; i >= this.bare; i--) {
      if (this.list[i].r.length === 0) continue;
      kept += this.weights[i];
      if (i >= newest && kept <= (policy.replyBytes ?? Infinity)) continue;
      this.replace(i, { ...this.list[i], r: [] });
    }
    // Every record before the newest withReplies is bare now, and stays so.
    this.bare = Math.max(this.bare, newest);
  }

  private replace(i: number, rec: CommitRecord): void {
    this.list[i] = rec;
    if (!this.persisted) return void (this.weights[i] = replyWeight(rec));
    const old = this.json[i];
    this.json[i] = JSON.stringify(rec);
    this.weights[i] = this.json[i].length;
    this.bytes += Buffer.byteLength(this.json[i]) - Buffer.byteLength(old);
  }

  /** The records as the body of a JSON array (nothing when the window is not persisted). */
  encode(): string {
    return this.persisted ? this.json.join(',') : '';
  }
}

/**
 * About what a record's replies take as JSON, without encoding the record
 * (an in-memory window's reply budget): once per record, when it is kept.
 */
function replyWeight(c: CommitRecord): number {
  let n = 16;
  for (const s of c.r) for (const x of s) n += x === null ? 5 : typeof x === 'string' ? x.length + 3 : typeof x === 'number' ? 12 : JSON.stringify(x).length + 1;
  return n;
}
