/**
 * What a session does with a request: answer it here (a local command, or an
 * error decided without running anything) or send it to the engine.
 *
 * It reads the shared command specs (lambda/specs) — names, arity, flags —
 * never the engine's code: a command is the proxy's own when the local table
 * has it, the engine's otherwise.
 */
import { arityError, isWrite, lookupSpec, type CommandSpec } from '../../lambda/specs';
import { unknownCommand, wrongArity } from '../../lambda/errors';
import { encodedSize } from '../batcher';
import { LOCAL_COMMANDS, type LocalCommand, type LocalResult, type ServerInfo, type SessionState } from '../local';
import { NOAUTH } from '../local/auth';
import { noscript } from '../local/scripts';
import { error, type Reply } from '../resp/reply';
import type { ScriptCache } from '../scripts';
import type { ClassifyLimits, LocalStep, Step } from './steps';
import { execRefused, execStep, inTransaction } from './transaction';

export type { ClassifyLimits, LocalStep, RemoteStep, Step } from './steps';

/** Commands outside the spec table are looked up only when a test added some (ServerOptions.extraLocalCommands). */
const LOCAL_TABLE_SIZE = LOCAL_COMMANDS.size;

const answer = (argv: Buffer[], name: string, reply: Reply): LocalStep => ({ kind: 'local', argv, name, cmd: null, reply });

/** Decides what a request is, without running it. `local` is the table of commands answered here. */
export function classify(argv: Buffer[], s: SessionState, local: ReadonlyMap<string, LocalCommand>, limits: ClassifyLimits, scripts: ScriptCache): Step {
  const step = classifyCommand(argv, s, local, limits, scripts);
  if (step.name === 'exec' && step.kind === 'local') return step.reply === null ? execStep(argv, s, limits) : execRefused(step, s);
  return s.tx ? inTransaction(step, s, limits) : step;
}

function classifyCommand(argv: Buffer[], s: SessionState, local: ReadonlyMap<string, LocalCommand>, limits: ClassifyLimits, scripts: ScriptCache): Step {
  const spec: CommandSpec | undefined = lookupSpec(argv[0]) ?? (local.size > LOCAL_TABLE_SIZE ? local.get(argv[0].toString('latin1').toLowerCase())?.spec : undefined);
  // The label is what metrics and logs see: never an unknown word, which
  // may be anything (a password typed in the wrong place) and is unbounded.
  const name = spec ? spec.name : 'unknown';
  if (!s.authenticated && !spec?.flags.includes('no_auth')) return answer(argv, name, NOAUTH);
  if (!spec) return answer(argv, name, error(unknownCommand(argv[0], argv.slice(1))));
  const badArity = arityError(spec, argv);
  if (badArity) return answer(argv, name, error(wrongArity(badArity)));
  if (name === 'evalsha' || name === 'evalsha_ro') return evalsha(argv, name, scripts, limits);
  const localCmd = name === 'script' && isLoad(argv) ? undefined : local.get(name);
  // EXEC is the proxy's, but not a plain local command: see transaction.ts.
  if (localCmd || name === 'exec') return { kind: 'local', argv, name, cmd: localCmd ?? null, reply: null };
  return remote(argv, name, spec, limits);
}

/** SCRIPT LOAD compiles in the engine (the proxy has no Lua); the rest of SCRIPT is answered here. */
const isLoad = (argv: Buffer[]) => argv[1].length === 4 && argv[1].toString('latin1').toLowerCase() === 'load';

/**
 * EVALSHA: the engine has no script cache, the proxy does. A script it has
 * leaves as EVAL with its body; one it does not have is NOSCRIPT, on which
 * clients send EVAL.
 */
function evalsha(argv: Buffer[], name: string, scripts: ScriptCache, limits: ClassifyLimits): Step {
  const body = scripts.get(argv[1]);
  if (!body) return { kind: 'local', argv, name, cmd: noscript(name), reply: null };
  const step = remote([Buffer.from(name === 'evalsha' ? 'EVAL' : 'EVAL_RO'), body, ...argv.slice(2)], name, lookupSpec(argv[0]) as CommandSpec, limits);
  return step.kind === 'remote' ? { ...step, argv, payload: step.argv } : { ...step, argv };
}

/** An engine command, unless an argument or the whole is too big for one Lambda payload. */
function remote(argv: Buffer[], name: string, spec: CommandSpec, limits: ClassifyLimits): Step {
  for (const a of argv) {
    if (a.length > limits.maxValueBytes) {
      return answer(argv, name, error(`ERR value too large: ${a.length} bytes, the limit is ${limits.maxValueBytes} (one Lambda payload)`));
    }
  }
  // Many arguments can add up past one Lambda payload even if each fits.
  const size = encodedSize(argv);
  if (size > limits.maxSubmitBytes) {
    return answer(argv, name, error(`ERR command too large: ${size} bytes encoded, the limit is ${limits.maxSubmitBytes} (one Lambda payload)`));
  }
  return spec.flags.includes('blocking') ? { kind: 'remote', argv, name, write: isWrite(spec), blocks: true } : { kind: 'remote', argv, name, write: isWrite(spec) };
}

/** Runs a classified local step: its reply, or a result that also asks to close (QUIT). */
export function runLocal(step: LocalStep, s: SessionState, server: ServerInfo): Reply | LocalResult {
  if (step.reply) return step.reply;
  return step.action ? step.action(server) : (step.cmd as LocalCommand).run(step.argv.slice(1), s, server);
}
