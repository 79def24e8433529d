/**
 * The command engine: runs a batch's sessions, in order, on one snapshot.
 *
 * It never talks to storage. It returns the replies, the keys touched and
 * whether anything wrote; the handler decides whether to commit and what the
 * client sees if the commit fails. Every reply counts against a budget
 * (Lambda's response limit): a command whose reply would not fit is undone
 * and the batch stops there.
 */
import { decodeTransaction, isTransaction, type Reply } from './contract';
import { decodeArg } from './contract-wire';
import { OutOfMemoryError, type Document } from './document';
import { CommandError, EMPTY_COMMAND, OOM, unknownCommand, wrongArity } from './errors';
import { arityError, lookupSpec } from './specs';
import { COMMANDS } from './commands';
import { Args } from './commands/args';
import { Keyspace, Touched, type CommandContext } from './commands/context';
import { NULL_ARRAY, settleWatches, watchBroken } from './transaction';
import { DEFAULT_SCRIPT_TIMEOUT_MS } from './scripting';

export const OOM_REPLY: Reply = { t: 'error', v: OOM };

export interface EngineOptions {
  /** The batch's clock (Unix ms). */
  now: number;
  /** Each session's database (SELECT); absent: 0. */
  dbs?: readonly number[];
  /** Bytes of replies the response may carry (default: unlimited). */
  replyBudget?: number;
  /** Test only (the broken mode broken-watch): EXEC never aborts for a watched key. */
  unsafeIgnoreWatch?: boolean;
  /** Time every script of this batch attempt may run, together (default DEFAULT_SCRIPT_TIMEOUT_MS). */
  scriptTimeoutMs?: number;
}

export interface EngineResult {
  /** Replies per session; a session may have fewer replies than commands. */
  replies: Reply[][];
  /** False when the budget ran out before every command ran. */
  complete: boolean;
  /** Keys the batch read and wrote (of the commands that ran). */
  touched: Touched;
}

/**
 * Runs the sessions inside the document's open transaction (the caller calls
 * doc.begin()); afterwards doc.mark() > 0 tells whether anything changed.
 */
export function execute(doc: Document, sessions: Buffer[][][], opts: EngineOptions): EngineResult {
  const touched = new Touched();
  const budget = opts.replyBudget ?? Infinity;
  const replies: Reply[][] = [];
  let used = 0;
  const scriptDeadline = performance.now() + (opts.scriptTimeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS);
  for (const [i, commands] of sessions.entries()) {
    const ctx = contextFor(new Keyspace(doc, touched, opts.dbs?.[i] ?? 0, opts.now), scriptDeadline, true);
    const out: Reply[] = [];
    replies.push(out);
    for (const argv of commands) {
      const mark = undoPoint(ctx);
      // A transaction is one command: it runs whole, and its reply fits or it is undone whole.
      const reply = isTransaction(argv) ? runTransaction(ctx, argv, opts) : executeOne(ctx, argv);
      used += replySize(reply);
      if (used > budget) {
        undo(ctx, mark);
        settleWatches(touched.watches, touched, doc);
        return { replies, complete: false, touched };
      }
      out.push(reply);
    }
  }
  settleWatches(touched.watches, touched, doc);
  return { replies, complete: true, touched };
}

/**
 * EXEC: the queued commands in order, each in its own database (SELECT
 * inside MULTI), unless a watched key changed since its WATCH. As in Redis, a
 * command that fails answers its error inside the array and the others stand.
 */
function runTransaction(ctx: CommandContext, argv: Buffer[], opts: EngineOptions): Reply {
  const tx = decodeTransaction(argv);
  if (!tx) return { t: 'error', v: 'ERR malformed transaction' };
  const { doc, touched } = ctx.db;
  if (!opts.unsafeIgnoreWatch && watchBroken(tx.watch, doc, touched, ctx.now)) return NULL_ARRAY;
  return { t: 'array', v: tx.commands.map((c) => executeOne(contextFor(ctx.db.inDb(c.db)), c.argv.map(decodeArg))) };
}

/** Where to undo a command to: the document's journal and the batch's record of changes. */
interface UndoPoint {
  doc: number;
  changes: number;
  expired: number;
}

function undoPoint({ db }: CommandContext): UndoPoint {
  return { doc: db.doc.mark(), changes: db.touched.changes.length, expired: db.touched.expired.length };
}

function undo({ db }: CommandContext, p: UndoPoint): void {
  db.doc.undoTo(p.doc);
  // What was undone never happened: a WATCH must not see it.
  db.touched.changes.length = p.changes;
  db.touched.expired.length = p.expired;
}

/**
 * A command context on `db`, whose `exec` runs nested commands (a script's
 * redis.call) in the same context — except that a nested command never blocks.
 */
export function contextFor(db: Keyspace, scriptDeadline?: number, mayBlock = false): CommandContext {
  const nested: CommandContext = { db, now: db.now, exec: (argv) => executeOne(nested, argv), scriptDeadline };
  return mayBlock ? { ...nested, mayBlock: true } : nested;
}

/**
 * One command. A command that fails (bad argument, wrong type, out of memory)
 * changes nothing: whatever it wrote before failing is undone, so every
 * command is all-or-nothing even when it writes several keys.
 */
export function executeOne(ctx: CommandContext, argv: Buffer[]): Reply {
  if (argv.length === 0) return { t: 'error', v: EMPTY_COMMAND };
  // By the spec (a lookup that makes no string of the name), then its module;
  // a name without a spec is looked up as it is (a module registered alone).
  const spec = lookupSpec(argv[0]);
  const cmd = COMMANDS.get(spec ? spec.name : argv[0].toString('latin1').toLowerCase());
  if (!cmd) return { t: 'error', v: unknownCommand(argv[0], argv.slice(1)) };
  const badArity = arityError(cmd.spec, argv);
  if (badArity) return { t: 'error', v: wrongArity(badArity) };
  const mark = undoPoint(ctx);
  try {
    return cmd.run(new Args(argv), ctx);
  } catch (e) {
    if (e instanceof CommandError) {
      undo(ctx, mark);
      return { t: 'error', v: e.reply };
    }
    if (e instanceof OutOfMemoryError) {
      undo(ctx, mark);
      return OOM_REPLY;
    }
    throw e;
  }
}

/** Bytes a reply takes in the JSON response, separator included (close upper bound). */
export function replySize(r: Reply): number {
  switch (r.t) {
    case 'bulk':
    case 'verbatim':
      // As base64 in a Lambda response (nothing to escape): the budget is the wire's.
      return Math.ceil(r.v.length / 3) * 4 + 32;
    case 'simple':
    case 'error':
      // Error texts echo client bytes: quotes and control characters grow when escaped.
      return Buffer.byteLength(JSON.stringify(r.v)) + 24;
    case 'int':
    case 'double':
    case 'bignum':
      return String(r.v).length + 26;
    case 'array':
    case 'set':
      return r.v.reduce((n, x) => n + replySize(x), 24);
    case 'map':
    case 'pairs':
      return r.v.reduce((n, [k, v]) => n + replySize(k) + replySize(v) + 4, 24);
    case 'blocked': {
      // Its argv and keys travel as base64 too, beside the timeout's reply.
      const args = (bs: Buffer[]): number => bs.reduce((n, b) => n + Math.ceil(b.length / 3) * 4 + 3, 2);
      return args(r.retry) + args(r.keys) + replySize(r.onTimeout) + 64;
    }
    default:
      return 24;
  }
}
