/**
 * The command engine: runs a batch's sessions, in order, on one snapshot.
 *
 * It never talks to storage. It returns the replies and whether anything
 * wrote; the handler decides whether to commit and what the client sees if the
 * commit fails. Every reply counts against a budget (Lambda's response limit):
 * a command whose reply would not fit is undone and the batch stops there.
 */
import type { WireReply } from './contract';
import { OutOfMemoryError, type Document } from './document';
import { arityError, arityOk, lookupCommand, unknownCommandError } from './commands';

export const OOM_REPLY: WireReply = { t: 'error', v: "OOM command not allowed when used memory > 'maxmemory'." };

export interface EngineResult {
  /** Replies per session; a session may have fewer replies than commands. */
  replies: WireReply[][];
  /** False when the budget ran out before every command ran. */
  complete: boolean;
}

/**
 * Runs the sessions inside the document's open transaction (the caller calls
 * doc.begin()); afterwards doc.mark() > 0 tells whether anything changed.
 */
export function execute(doc: Document, sessions: Buffer[][][], replyBudget = Infinity): EngineResult {
  const replies: WireReply[][] = [];
  let used = 0;
  for (const commands of sessions) {
    const out: WireReply[] = [];
    replies.push(out);
    for (const argv of commands) {
      const mark = doc.mark();
      const reply = executeOne(doc, argv);
      used += replySize(reply);
      if (used > replyBudget) {
        doc.rollback(mark);
        return { replies, complete: false };
      }
      out.push(reply);
    }
  }
  return { replies, complete: true };
}

export function executeOne(doc: Document, argv: Buffer[]): WireReply {
  if (argv.length === 0) return { t: 'error', v: 'ERR empty command' };
  const [name, ...args] = argv;
  const cmd = lookupCommand(name);
  if (!cmd) return unknownCommandError(name, args);
  if (!arityOk(cmd.arity, argv.length)) return arityError(cmd.name);
  try {
    return cmd.run(args, doc);
  } catch (e) {
    if (e instanceof OutOfMemoryError) return OOM_REPLY;
    throw e;
  }
}

/** Bytes a reply takes in the JSON response, separator included (close upper bound). */
export function replySize(r: WireReply): number {
  switch (r.t) {
    case 'bulk':
      return r.v.length + 24; // base64: nothing to escape
    case 'simple':
    case 'error':
      // Error texts echo client bytes: quotes and control characters grow when escaped.
      return Buffer.byteLength(JSON.stringify(r.v)) + 24;
    case 'int':
      return String(r.v).length + 24;
    case 'array':
      return r.v.reduce((n, x) => n + replySize(x), 24);
    default:
      return 24;
  }
}
