/**
 * What a command runs with: the keyspace of its connection's database, seen
 * at the batch's clock, and a record of what the batch touched. Commands do
 * no I/O; the handler owns the store.
 */
import { WatchState, type Reply } from '../contract';
import type { AggregateValue, Document, Entry, EntryType, ValueOf } from '../document';
import { dbMark, EVERYTHING, keyMark } from '../changes';
import { CommandError, WRONG_TYPE } from '../errors';

/**
 * The keys a batch touched, in order. WATCH, blocking pops and expiry need to
 * know which keys a commit changed; recording it as the keyspace is used,
 * rather than asking each command to report, means no command can forget.
 */
export class Touched {
  readonly reads: Buffer[] = [];
  readonly writes: Buffer[] = [];
  /** FLUSHALL / FLUSHDB / SWAPDB: keys changed without being named. */
  flushed = false;
  /**
   * An answer relied on this batch's clock being later than the document's:
   * a key was treated as expired whose deadline the document's clock has not
   * passed yet. Such a batch must commit (advancing the document's clock), or
   * a later batch on a slower clock could see the key again.
   */
  clockAdvanced = false;
  /**
   * Every change, in order, as change marks (lambda/changes.ts): what the
   * commit records for WATCH, and what a WATCH earlier in the same batch is
   * checked against.
   */
  readonly changes: string[] = [];
  /** Keys removed because they had expired: no change to a WATCH that already saw them expired. */
  readonly expired: string[] = [];
  /** WATCHes of this batch, completed when it ends (lambda/transaction.ts). */
  readonly watches: PendingWatch[] = [];
  /** RANDOMKEYs run so far per database: the n-th of a paged database draws in the n-th leaf the loader picked. */
  readonly randoms = new Map<number, number>();
}

/** A WATCH of this batch, settled when the batch ends (settleWatches in lambda/transaction.ts). */
export interface PendingWatch {
  db: number;
  marks: string[];
  /** How many changes the batch had made when the WATCH ran. */
  at: number;
  /** Its reply, `[seq, state...]`, completed in place. */
  reply: { t: 'array'; v: { t: 'int'; v: number }[] };
}

export interface SetOptions {
  /** Keep the key's TTL (SET … KEEPTTL, INCR, APPEND, SETRANGE); otherwise a new value drops it. */
  keepTtl?: boolean;
  /** Give the value this deadline (Unix ms). */
  expiresAt?: number;
}

/**
 * The database as commands see it. An expired key is absent to every method
 * (Redis's boundary: expired once the clock is past its deadline; at the
 * deadline it is still there). Every read and write is recorded in `touched`.
 */
export class Keyspace {
  constructor(
    readonly doc: Document,
    readonly touched: Touched,
    /** The connection's database (SELECT), 0–15. */
    readonly db: number,
    /** The batch's clock (Unix ms): never behind the document's. */
    readonly now: number,
  ) {}

  /** The live entry, or undefined when absent or expired. */
  entry(key: Buffer): Readonly<Entry> | undefined {
    this.touched.reads.push(key);
    return this.live(key);
  }

  /** A string value; WRONGTYPE if the key holds another type. */
  get(key: Buffer): Buffer | undefined {
    const e = this.entry(key);
    if (e === undefined) return undefined;
    if (e.type !== 'string') throw new CommandError(WRONG_TYPE);
    return e.value;
  }

  /**
   * The live value of `key` when it holds `type` (a Buffer for 'string', a
   * HashValue for 'hash', …: document-values.ts); undefined when absent or
   * expired; WRONGTYPE when it holds another type. Every typed command reads
   * its keys through here.
   */
  read<T extends EntryType>(key: Buffer, type: T): ValueOf<T> | undefined {
    const e = this.entry(key);
    if (e === undefined) return undefined;
    if (e.type !== type) throw new CommandError(WRONG_TYPE);
    // Checked just above; TypeScript cannot follow a generic type through the union.
    const value: unknown = e.value;
    return value as ValueOf<T>;
  }

  /**
   * Stores a changed aggregate under `key`, keeping the key's TTL (HSET,
   * SADD, LPUSH, ZADD, XADD on an existing key; on an absent or expired key
   * there is none to keep, so a new aggregate starts without one). An empty
   * hash, list, set or sorted set removes the key (Redis never keeps one); a
   * stream may be empty. Records the write as set() and delete() do, for
   * WATCH, blocking pops and expiry: call it only when something changed.
   */
  update(key: Buffer, value: AggregateValue): void {
    const prev = this.live(key);
    this.storeValue(key, value, prev?.type === value.type ? prev.expiresAt : undefined);
  }

  /**
   * Stores a new aggregate over whatever `key` held, its type and TTL
   * dropped (SUNIONSTORE, ZUNIONSTORE, SORT … STORE): what Redis's setKey
   * does. An empty hash, list, set or sorted set removes the key instead.
   */
  replace(key: Buffer, value: AggregateValue): void {
    this.storeValue(key, value, undefined);
  }

  private storeValue(key: Buffer, value: AggregateValue, expiresAt: number | undefined): void {
    if (value.size === 0 && value.type !== 'stream') {
      this.delete(key);
      return;
    }
    // A cast, not a check: the value names its own type, which is what the union pairs it with.
    const entry = { type: value.type, value } as Entry;
    if (expiresAt !== undefined) entry.expiresAt = expiresAt;
    this.doc.put(key, entry, this.db);
    this.wrote(key);
  }

  /** What WATCH records of a key: absent, live, or present but past its deadline. */
  presence(key: Buffer): WatchState {
    if (this.entry(key) !== undefined) return WatchState.Live;
    return this.doc.has(key, this.db) ? WatchState.Expired : WatchState.Absent;
  }

  has(key: Buffer): boolean {
    return this.entry(key) !== undefined;
  }

  /** Remaining time to live in ms: -2 absent, -1 no TTL (TTL/PTTL's answers). */
  ttl(key: Buffer): number {
    const e = this.entry(key);
    if (e === undefined) return -2;
    return e.expiresAt === undefined ? -1 : e.expiresAt - this.now;
  }

  set(key: Buffer, value: Buffer, opts: SetOptions = {}): void {
    const prev = opts.keepTtl ? this.live(key) : undefined;
    const expiresAt = opts.expiresAt ?? prev?.expiresAt;
    this.doc.put(key, expiresAt === undefined ? { type: 'string', value } : { type: 'string', value, expiresAt }, this.db);
    this.wrote(key);
  }

  /** Replaces the whole entry (RENAME, COPY, MOVE keep type and TTL). */
  put(key: Buffer, entry: Readonly<Entry>): void {
    this.doc.put(key, entry, this.db);
    this.wrote(key);
  }

  /** Sets or (undefined) removes a live key's deadline; false when the key is absent. */
  setExpiry(key: Buffer, expiresAt: number | undefined): boolean {
    const e = this.live(key);
    if (e === undefined) return false;
    const { expiresAt: _old, ...rest } = e;
    this.doc.put(key, expiresAt === undefined ? rest : { ...rest, expiresAt }, this.db);
    this.wrote(key);
    return true;
  }

  /** Deletes a live key; an expired one counts as absent (and is removed all the same). */
  delete(key: Buffer): boolean {
    const alive = this.live(key) !== undefined;
    if (this.doc.has(key, this.db)) {
      this.doc.delete(key, this.db);
      this.touched.writes.push(key);
      // Removing a key that had expired is its expiry, not a change (Redis deletes it on access first).
      (alive ? this.touched.changes : this.touched.expired).push(keyMark(this.db, key));
    }
    return alive;
  }

  /** Live keys of this database. */
  *keys(): IterableIterator<Buffer> {
    for (const k of this.doc.keys(this.db)) if (this.live(k) !== undefined) yield k;
  }

  /** Keys held, including expired ones not removed yet (Redis's DBSIZE counts those too). */
  get size(): number {
    return this.doc.sizeOf(this.db);
  }

  /** FLUSHDB: this database only. */
  clear(): void {
    if (this.doc.sizeOf(this.db) === 0) return;
    this.doc.clear(this.db, this.now);
    this.touched.flushed = true;
    this.touched.changes.push(dbMark(this.db));
  }

  /** FLUSHALL: every database. */
  clearAll(): void {
    if (this.doc.size === 0) return;
    this.doc.clear(undefined, this.now);
    this.touched.flushed = true;
    this.touched.changes.push(EVERYTHING);
  }

  /** The same batch's view of another database (MOVE, COPY … DB, SWAPDB). */
  inDb(db: number): Keyspace {
    return db === this.db ? this : new Keyspace(this.doc, this.touched, db, this.now);
  }

  /** SWAPDB: this database's keys become `db`'s and the other way round. */
  swapWith(db: number): void {
    if (db === this.db || (this.doc.sizeOf(db) === 0 && this.doc.sizeOf(this.db) === 0)) return;
    this.doc.swapDbs(this.db, db);
    this.touched.flushed = true;
    this.touched.changes.push(dbMark(this.db), dbMark(db));
  }

  /**
   * A live key chosen at random, or undefined when there is none. Inline:
   * uniformly (reservoir sampling: one pass, nothing copied). Paged: among
   * the live keys of the leaf the loader picked (layout.ts §2).
   */
  randomKey(random: () => number = Math.random): Buffer | undefined {
    if (this.doc.isPaged(this.db)) return this.pagedRandomKey(random);
    let pick: Buffer | undefined;
    let seen = 0;
    for (const k of this.keys()) if (random() * ++seen < 1) pick = k;
    return pick;
  }

  private pagedRandomKey(random: () => number): Buffer | undefined {
    // DBSIZE from the root: only an empty database answers nil without a read.
    if (this.doc.sizeOf(this.db) === 0) return undefined;
    const i = this.touched.randoms.get(this.db) ?? 0;
    this.touched.randoms.set(this.db, i + 1);
    const live = this.doc.pickKeys(this.db, i).filter((k) => this.live(Buffer.from(k, 'latin1')) !== undefined);
    if (live.length === 0) {
      // Read whole and still nothing live: every key it counts has expired.
      if (this.doc.resolvedWhole(this.db)) return undefined;
      this.doc.pickKeys(this.db, i, true);
    }
    return Buffer.from(live[Math.floor(random() * live.length)], 'latin1');
  }

  private wrote(key: Buffer): void {
    this.touched.writes.push(key);
    this.touched.changes.push(keyMark(this.db, key));
  }

  /**
   * The entry unless it has expired at the batch's clock. An expiry that only
   * this batch's clock sees (the document's clock has not passed the
   * deadline) is recorded: the batch must then commit its clock.
   */
  live(key: Buffer): Readonly<Entry> | undefined {
    const e = this.doc.entry(key, this.db);
    if (e?.expiresAt === undefined || this.now <= e.expiresAt) return e;
    if (this.doc.clock <= e.expiresAt) this.touched.clockAdvanced = true;
    return undefined;
  }
}

export interface CommandContext {
  readonly db: Keyspace;
  /**
   * The batch's clock (Unix ms): one reading per batch attempt, never behind
   * the document's clock, so every command of a batch agrees on the time and
   * time never runs backwards in the document's history.
   */
  readonly now: number;
  /**
   * Runs another command in this context, as the engine runs any command:
   * an unknown name or a wrong arity is an error reply, and a command that
   * fails is undone. EXEC's queued commands and a script's redis.call use it.
   */
  readonly exec: (argv: Buffer[]) => Reply;
  /** performance.now() past which a script is stopped: one budget per batch attempt, set by the engine. */
  readonly scriptDeadline?: number;
  /**
   * A command sent by a client itself, not queued in MULTI nor called by a
   * script: only such a blocking command may answer BlockedReply (see
   * lambda/commands/blocking.ts); the others answer at once, as in Redis.
   */
  readonly mayBlock?: boolean;
}
