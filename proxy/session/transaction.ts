/**
 * MULTI … EXEC on a connection. While a transaction is open every request is
 * queued here (answered `+QUEUED`), except the few that act at once (EXEC,
 * DISCARD, MULTI, WATCH, QUIT, RESET), as in Redis. EXEC then leaves as one
 * engine command carrying the queued engine commands and the WATCH tokens
 * (lambda/contract.ts): one submission, one batch, never split, never
 * interleaved with another connection's commands. The proxy's own queued
 * commands (SELECT, PING, CLIENT …) run here once the engine has answered,
 * each at its place in the reply; SELECT still decides the database of the
 * engine commands queued after it.
 */
import { encodeTransaction, WatchState, type QueuedCommand as WireQueued } from '../../lambda/contract';
import { encodeArg } from '../../lambda/contract-wire';
import { unknownSubcommand } from '../../lambda/errors';
import { lookupSpec, subcommandOf } from '../../lambda/specs';
import { encodedSize } from '../batcher';
import type { QueuedCommand, ServerInfo, SessionState } from '../local';
import { array, error, OK, simple, type Reply } from '../resp/reply';
import type { ClassifyLimits, ExecPlan, LocalStep, Step } from './steps';

const QUEUED = simple('QUEUED');
/** Keys one connection may watch; a WATCH beyond them makes its EXEC abort (a null reply), never lets it through unchecked. */
export const MAX_WATCHED_KEYS = 10_000;
const OVERFLOW = 'overflow';
export const EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';
/** Requests a transaction does not queue: they act on it, or on the connection, at once. */
const ACT_AT_ONCE = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

const act = (argv: Buffer[], name: string, action: (server: ServerInfo) => Reply): LocalStep => ({ kind: 'local', argv, name, cmd: null, reply: null, action });

/** Ends the transaction: EXEC, DISCARD and a refused EXEC all unwatch every key, as in Redis. */
function end(s: SessionState): void {
  s.tx = null;
  s.watching.clear();
}

/**
 * A request while MULTI is open, given what it would be outside one. A
 * request refused at once (unknown, wrong arity, NOAUTH, too large) answers
 * its error and makes EXEC fail, as Redis flags the transaction.
 */
export function inTransaction(step: Step, s: SessionState, limits: ClassifyLimits): Step {
  const tx = s.tx;
  if (!tx) return step;
  if (step.kind === 'local' && step.reply !== null) {
    const reply = step.reply;
    return act(step.argv, step.name, () => {
      tx.dirty = true;
      return reply;
    });
  }
  const badSub = unknownSub(step.argv);
  if (badSub) return act(step.argv, step.name, () => ((tx.dirty = true), error(badSub)));
  if (ACT_AT_ONCE.has(step.name)) {
    if (step.name === 'multi') return { kind: 'local', argv: step.argv, name: step.name, cmd: null, reply: error('ERR MULTI calls can not be nested') };
    if (step.name === 'watch') return { kind: 'local', argv: step.argv, name: step.name, cmd: null, reply: error('ERR WATCH inside MULTI is not allowed') };
    return step.name === 'exec' ? execStep(step.argv, s, limits) : step;
  }
  return act(step.argv, step.name, () => {
    const remote = step.kind === 'remote';
    // What the engine will get: EVALSHA queues as EVAL with the body.
    const argv = remote ? (step.payload ?? step.argv) : step.argv;
    if (remote) tx.bytes += encodedSize(argv);
    // Past one request's size the rest is not kept: EXEC will refuse it whole.
    if (tx.bytes > limits.maxSubmitBytes) tx.tooLarge = true;
    if (!tx.tooLarge) tx.queued.push({ argv, name: step.name, local: remote ? null : step.cmd, write: remote && step.write });
    return QUEUED;
  });
}

/** An EXEC refused before it runs (wrong arity, NOAUTH): Redis discards the transaction, if any, and says why. */
export function execRefused(step: LocalStep, s: SessionState): LocalStep {
  const reason = step.reply?.t === 'error' ? step.reply.v.replace(/^ERR /, '') : 'error';
  return act(step.argv, 'exec', () => (end(s), error(`EXECABORT Transaction discarded because of: ${reason}`)));
}

/** A container's subcommand Redis does not know is refused at once, like an unknown command (HELP is every container's). */
function unknownSub(argv: Buffer[]): string | null {
  const spec = lookupSpec(argv[0]);
  if (!spec?.subcommands || argv.length < 2 || subcommandOf(spec, argv[1]) || argv[1].toString('latin1').toLowerCase() === 'help') return null;
  return unknownSubcommand(argv[1], spec.name);
}

/** EXEC: refused, answered here (nothing for the engine), or one engine command. */
export function execStep(argv: Buffer[], s: SessionState, limits: ClassifyLimits): Step {
  const tx = s.tx;
  if (!tx) return { kind: 'local', argv, name: 'exec', cmd: null, reply: error('ERR EXEC without MULTI') };
  const refuse = (text: string) => act(argv, 'exec', () => (end(s), error(text)));
  if (tx.dirty) return refuse(EXECABORT);
  if (tx.tooLarge) return refuse(`EXECABORT Transaction discarded: its queued commands take more than ${limits.maxSubmitBytes} bytes, the most one request to the handler carries`);
  const plan: ExecPlan = { queued: tx.queued };
  const commands = engineCommands(tx.queued, s.db);
  // Only the proxy's own commands, and nothing watched: nothing to ask the engine.
  if (commands.length === 0 && s.watching.size === 0) return act(argv, 'exec', (server) => finishExec(plan, array([]), s, server));
  const payload = encodeTransaction({ watch: [...s.watching.values()], commands });
  const size = encodedSize(payload);
  if (size > limits.maxSubmitBytes) return refuse(`EXECABORT Transaction discarded: it takes ${size} bytes with its WATCHed keys, more than the ${limits.maxSubmitBytes} one request to the handler carries`);
  return { kind: 'remote', argv, name: 'exec', write: tx.queued.some((q) => q.write), payload, exec: plan };
}

/**
 * EXEC's reply to the client from the engine's: the engine's replies with the
 * proxy's own queued commands run in between, in order. A null array (a
 * watched key changed) or an error (the batch failed) is the reply as is.
 */
export function finishExec(plan: ExecPlan, reply: Reply, s: SessionState, server: ServerInfo): Reply {
  end(s);
  if (reply.t !== 'array') return reply;
  let next = 0;
  return array(
    plan.queued.map((q) => {
      if (q.local === null) return reply.v[next++] ?? error('ERR internal error: EXEC reply is missing a command');
      const r = q.local.run(q.argv.slice(1), s, server);
      return 'reply' in r ? r.reply : r;
    }),
  );
}

/** WATCH's engine reply `[seq, state…]` becomes the connection's tokens, and `+OK` for the client. */
export function recordWatch(argv: Buffer[], reply: Reply, s: SessionState, db: number): Reply {
  if (reply.t !== 'array' || reply.v.length !== argv.length) return reply;
  const seq = Number((reply.v[0] as { v: number }).v);
  argv.slice(1).forEach((key, i) => {
    const token = { db, key: encodeArg(key), seq, state: Number((reply.v[i + 1] as { v: number }).v) as WatchState };
    const id = `${db}:${token.key}`;
    // A key watched again keeps its first WATCH, as in Redis: only the earliest point can have seen a later change.
    if (s.watching.has(id)) return;
    if (s.watching.size < MAX_WATCHED_KEYS) s.watching.set(id, token);
    // Memory per connection is bounded: past the cap one token that always aborts stands for the rest.
    else s.watching.set(OVERFLOW, { ...token, state: WatchState.Changed });
  });
  return OK;
}

/** The engine commands of a queue, each in the database SELECTs queued before it leave it in. */
function engineCommands(queued: readonly QueuedCommand[], db: number): WireQueued[] {
  const out: WireQueued[] = [];
  for (const q of queued) {
    if (q.local === null) out.push({ db, argv: q.argv.map(encodeArg) });
    else if (q.name === 'select') db = selectedDb(q.argv[1]) ?? db;
  }
  return out;
}

/** The database a queued SELECT will select, or null if it will fail (and select nothing). */
function selectedDb(arg: Buffer): number | null {
  const v = arg.toString('latin1');
  const n = /^\d+$/.test(v) ? Number(v) : -1;
  return n >= 0 && n < 16 ? n : null;
}
