/**
 * The one contract between the proxy and the handler (Lambda or in-process).
 *
 * Dependency direction: proxy → contract ← lambda. Nothing here does I/O.
 *
 * A batch carries one or more per-connection command lists ("sessions"). The
 * handler executes all of them on one snapshot of db.json and, if any command
 * wrote, commits them with a single conditional write. On the wire (Lambda's
 * JSON payloads, the cluster's internal link) bytes travel as base64, so
 * that keys and values stay binary-safe; a proxy running the handler in its
 * own process passes the same batch typed, its bytes as Buffers (the *Of<…>
 * types), and serializes nothing (the wire form and back: contract-wire.ts).
 */

import type { FoldAsk, FoldDeltaOf } from './contract-fold';
import type { LeaseClaim, LeaseState } from './contract-lease';

export type { LeaseClaim, LeaseState };
export type { FoldAsk, FoldDeltaOf, LocalFoldDelta, NodeRef, WireFoldDelta } from './contract-fold';

export const CONTRACT_VERSION = 1;

/** Redis's numbered databases (SELECT 0–15), namespaces inside the one document. */
export const DATABASES = 16;

/** Lambda's synchronous Invoke limit, for both request and response payloads. */
export const LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024;

/** Room kept for the JSON envelope around the encoded values. */
export const PAYLOAD_ENVELOPE_RESERVE = 256 * 1024;

/**
 * Largest value (raw bytes) one command may carry. base64 costs 4/3, so this
 * keeps a SET's request and a GET's response under the 6 MB payload limit.
 */
export const MAX_VALUE_BYTES = Math.floor(((LAMBDA_PAYLOAD_LIMIT - 2 * PAYLOAD_ENVELOPE_RESERVE) * 3) / 4);

/**
 * A reply: a tagged union, generic over how its bytes are held. The RESP3
 * types are answered as Redis 7 does on a RESP3 connection, and the proxy
 * turns them into their RESP2 forms for RESP2 clients (map and pairs → flat
 * array, set → array, double/bignum/verbatim → bulk string, bool → 1/0,
 * null array → *-1).
 */
export type ReplyOf<B> =
  | { t: 'simple'; v: string }
  | { t: 'error'; v: string }
  /** Integers beyond ±2^53 travel as their decimal text, so no digit is lost. */
  | { t: 'int'; v: number | string }
  | { t: 'bulk'; v: B }
  /** A missing value; `array` marks Redis's null array (`*-1` on RESP2). */
  | { t: 'null'; array?: true }
  | { t: 'array'; v: ReplyOf<B>[] }
  /**
   * `nested`: on RESP2 an array of [key, value] arrays rather than one flat
   * array — XREAD's streams, which Redis answers that way there.
   */
  | { t: 'map'; v: [ReplyOf<B>, ReplyOf<B>][]; nested?: true }
  | { t: 'set'; v: ReplyOf<B>[] }
  /** Pairs: [a, b] arrays on RESP3, one flat array on RESP2 (HRANDFIELD … WITHVALUES, ZRANGE … WITHSCORES). */
  | { t: 'pairs'; v: [ReplyOf<B>, ReplyOf<B>][] }
  /** The text Redis prints for the double (e.g. `1.5`, `inf`): commands format, the proxy frames. */
  | { t: 'double'; v: string }
  | { t: 'bool'; v: boolean }
  | { t: 'bignum'; v: string }
  /** A verbatim string: a three-letter format (`txt`, `mkd`) and its bytes. */
  | { t: 'verbatim'; format: string; v: B }
  | BlockedReplyOf<B>;

/**
 * Never sent to a client: a blocking command (BLPOP, BZPOPMIN, XREAD BLOCK …)
 * found nothing yet. The proxy parks the connection and sends `retry` again
 * (XREAD's `$` resolved to ids) whenever a commit touched one of `keys` or the
 * block poll comes round, until `timeoutMs` (0: forever); then it answers
 * `onTimeout`. Inside MULTI or a script a blocking command answers `onTimeout`
 * at once, as Redis does (CommandContext.mayBlock).
 */
export interface BlockedReplyOf<B> {
  t: 'blocked';
  retry: B[];
  keys: B[];
  timeoutMs: number;
  onTimeout: ReplyOf<B>;
}

/** A reply in memory: what the engine answers and the proxy encodes (bytes as Buffers). */
export type Reply = ReplyOf<Buffer>;
export type BlockedReply = BlockedReplyOf<Buffer>;

/** A reply as it crosses the wire (a Lambda payload, the internal link): bytes as base64 text, inside JSON. */
export type WireReply = ReplyOf<string>;

/** Every tag of WireReply: what a validator of either direction accepts. */
export const WIRE_REPLY_TAGS = ['simple', 'error', 'int', 'bulk', 'null', 'array', 'map', 'set', 'pairs', 'double', 'bool', 'bignum', 'verbatim', 'blocked'] as const;

/**
 * One connection's commands, generic over how an argument is held: base64
 * text on the wire (SessionCommands), a Buffer in this process
 * (LocalSessionCommands: the in-process executor, which serializes nothing).
 */
export interface SessionCommandsOf<A> {
  /** Opaque to the handler; the proxy uses it to route replies back. */
  id: string;
  /** The connection's database (SELECT), 0–15; absent means 0. */
  db?: number;
  /** Each command is its argument list. */
  commands: A[][];
  /**
   * The batch id these commands were first submitted under, when another
   * proxy forwarded them to this one (the cluster's writer). The commit
   * records it beside the request's own id, and a session whose origin
   * already landed (the follower fell back and committed it itself) is
   * answered from the stored replies instead of running again.
   */
  origin?: string;
}

export type SessionCommands = SessionCommandsOf<string>;
export type LocalSessionCommands = SessionCommandsOf<Buffer>;

/** A batch, generic over arguments: BatchRequest crosses the wire (base64), LocalBatchRequest stays in this process. */
export interface BatchRequestOf<A> {
  v: typeof CONTRACT_VERSION;
  /**
   * Unique per batch, and reused when the same batch is re-sent after an
   * ambiguous invoke: the commit records it in db.json, so a re-sent batch
   * that already committed is recognised and answered, never applied twice.
   */
  batchId: string;
  /**
   * false: the proxy sent this batch on its read path, outside its one-at-a-time
   * write queue. Such a batch never commits: if it turns out to need a commit
   * (an expiry only this batch's clock sees must advance the document's
   * clock), the handler answers `write-required` and the proxy sends it again
   * as a write, so a proxy's commits never race each other. Absent: true.
   */
  write?: boolean;
  /**
   * Write batches only: another execution of this id may still be under way (a re-send after an ambiguous
   * invoke, a forward the writer may still commit), so the id is recorded even if nothing changes. A no-op
   * answer leaving no trace would let that execution apply it later (a DEL answered 0 deleting a later SET).
   */
  fence?: boolean;
  sessions: SessionCommandsOf<A>[];
  /** A lease operation instead of commands (sessions empty): answered with `lease`, never a commit of db.json. */
  lease?: LeaseClaim;
  /** A fold instead of commands (sessions empty): answered with `folds`, never a write of db.json (contract-fold.ts). */
  fold?: FoldAsk;
  /** On a write batch: fold deltas its commit applies, or drops when stale (stats.foldsApplied/foldsDropped). */
  deltas?: FoldDeltaOf<A>[];
}

export type BatchRequest = BatchRequestOf<string>;
export type LocalBatchRequest = BatchRequestOf<Buffer>;

export interface SessionRepliesOf<R> {
  id: string;
  /**
   * One reply per executed command, in order. It may be shorter than the
   * request: the handler stops when the replies would not fit in one response,
   * and the proxy sends the rest in a later batch.
   */
  replies: R[];
}

export type SessionReplies = SessionRepliesOf<WireReply>;

/**
 * Why a whole batch failed. The two kinds are what a user can act on:
 *  - not-applied: nothing took effect; retrying is safe.
 *  - unknown: the commit may or may not have taken effect.
 * And one the proxy handles itself, never shown to a client:
 *  - write-required: a read-path batch needs a commit; nothing took effect.
 */
export type FailureKind = 'not-applied' | 'unknown' | 'write-required';

export interface BatchFailure {
  kind: FailureKind;
  message: string;
}

export interface BatchStats {
  /** S3 requests this batch made (for INFO and the benchmark). */
  s3Gets: number;
  s3Puts: number;
  /** Conditional writes that lost to another writer and were retried. */
  conflicts: number;
  /** Number of keys after the batch, for INFO keyspace. */
  keys: number;
  /** Per non-empty database after the batch, for INFO keyspace (`db3:keys=…,expires=…,avg_ttl=…`). */
  keyspace?: { db: number; keys: number; expires: number; avgTtl: number }[];
  /** The database's bytes after the batch (Document.usedBytes: root and pages), for INFO used_memory. */
  usedBytes?: number;
  /** True when the batch was recognised as already committed. */
  replayed: boolean;
  /** Of a replayed batch: replies the commit did not keep, answered "outcome unknown". */
  repliesLost?: number;
  /** The root's log is past its soft bound: the writer should send a fold. */
  foldWanted?: boolean;
  /** Deltas the request carried that its commit applied, or dropped as stale. */
  foldsApplied?: number;
  foldsDropped?: number;
}

/**
 * What the commit a batch landed in changed, as change marks (lambda/changes.ts;
 * at most MAX_MARKS_PER_COMMIT, beyond that `*`), absent when it committed
 * nothing: the proxy wakes its blocked clients whose keys these hit, and a
 * cluster's writer passes them on to followers with their forwards' answers.
 */
export type ChangeMarks = string[];

/** A batch's answer, generic over replies and bytes: BatchResponse crosses the wire, LocalBatchResponse stays in this process. */
export type BatchResponseOf<R, B = string> =
  | { v: typeof CONTRACT_VERSION; batchId: string; ok: true; sessions: SessionRepliesOf<R>[]; stats: BatchStats; lease?: LeaseState; changed?: ChangeMarks; folds?: FoldDeltaOf<B>[] }
  | { v: typeof CONTRACT_VERSION; batchId: string; ok: false; failure: BatchFailure; stats?: BatchStats };

export type BatchResponse = BatchResponseOf<WireReply>;
export type LocalBatchResponse = BatchResponseOf<Reply, Buffer>;

/** Error texts for the two failure kinds, as clients see them. */
export function failureReply(failure: BatchFailure): ReplyOf<never> {
  return failure.kind !== 'unknown'
    ? { t: 'error', v: `TRYAGAIN not applied: ${failure.message}; safe to retry` }
    : { t: 'error', v: `UNKNOWN outcome unknown: ${failure.message}; the command may or may not have taken effect` };
}

/**
 * WATCH and EXEC between the proxy and the engine.
 *
 * WATCH runs in the engine, which answers the position in the document's
 * history the keys were seen at: `[seq, state per key]` (an array of
 * integers; the proxy answers the client `+OK` and keeps the tokens). EXEC
 * leaves the proxy as one engine command carrying the queued commands and
 * the tokens, so that a transaction is never split across batches and
 * nothing from another connection runs between its commands.
 */
export const WatchState = {
  /** The key did not exist. */
  Absent: 0,
  Live: 1,
  /** Present but past its deadline: its removal by expiry is not a change (as in Redis). */
  Expired: 2,
  /** Already changed later in the WATCH's own batch: EXEC will abort. */
  Changed: 3,
} as const;
export type WatchState = (typeof WatchState)[keyof typeof WatchState];

export interface WatchToken {
  db: number;
  /** base64 */
  key: string;
  /** The document's commit sequence number the key was seen after. */
  seq: number;
  state: WatchState;
}

export interface QueuedCommand {
  db: number;
  /** base64 arguments */
  argv: string[];
}

export interface TransactionPayload {
  watch: WatchToken[];
  commands: QueuedCommand[];
}

/** The name EXEC travels under: never a client's EXEC, which the proxy answers itself. */
export const TRANSACTION_COMMAND = 'EXEC';

/** EXEC as one engine command: its name, then the payload as JSON (one argument). */
export function encodeTransaction(p: TransactionPayload): Buffer[] {
  return [Buffer.from(TRANSACTION_COMMAND), Buffer.from(JSON.stringify(p))];
}

/** The payload of an engine EXEC, or null when the bytes are not one (the engine answers an error). */
export function decodeTransaction(argv: Buffer[]): TransactionPayload | null {
  if (argv.length !== 2) return null;
  let p: unknown;
  try {
    p = JSON.parse(argv[1].toString('utf8'));
  } catch {
    return null;
  }
  const t = p as Partial<TransactionPayload> | null;
  if (typeof t !== 'object' || t === null || !Array.isArray(t.watch) || !Array.isArray(t.commands)) return null;
  const dbOk = (db: unknown) => Number.isInteger(db) && (db as number) >= 0 && (db as number) < DATABASES;
  for (const w of t.watch) {
    if (!dbOk(w?.db) || typeof w.key !== 'string' || !Number.isSafeInteger(w.seq) || ![0, 1, 2, 3].includes(w.state)) return null;
  }
  for (const c of t.commands) {
    if (!dbOk(c?.db) || !Array.isArray(c.argv) || c.argv.length === 0 || c.argv.some((a) => typeof a !== 'string')) return null;
  }
  return t as TransactionPayload;
}

export const isTransaction = (argv: Buffer[]): boolean => argv.length === 2 && argv[0].length === 4 && argv[0].toString('latin1').toUpperCase() === TRANSACTION_COMMAND;
