/**
 * What a session does with a request: answer it here (a local command, or an
 * error decided without running anything) or send it to the engine.
 *
 * This is the one module of the session that knows the engine's command table
 * (lambda/commands): names, arity, and whether a command writes.
 */
import { COMMANDS, lookupCommand, arityError, arityOk, unknownCommandError } from '../../lambda/commands';
import { encodedSize } from '../batcher';
import { LOCAL_COMMANDS, type LocalCommand, type LocalResult, type ServerInfo, type SessionState } from '../local';
import { NOAUTH } from '../local/auth';
import { error, fromWire, type Reply } from '../resp/reply';

/**
 * A request to answer here. Either `reply` is already known (an error decided
 * at classification) or `cmd` runs when the step is consumed, never before.
 */
export interface LocalStep {
  kind: 'local';
  argv: Buffer[];
  /** What metrics and logs see (never an unknown word: see classify). */
  name: string;
  cmd: LocalCommand | null;
  reply: Reply | null;
}

export interface RemoteStep {
  kind: 'remote';
  argv: Buffer[];
  name: string;
  write: boolean;
}

export type Step = LocalStep | RemoteStep;

/** The limits classification enforces, so that no request too big for one Lambda payload is ever submitted. */
export interface ClassifyLimits {
  maxValueBytes: number;
  maxSubmitBytes: number;
}

/** Command names as clients usually spell them (lower or upper case), without allocating a lowered copy. */
const NAME_INDEX = new Map<string, string>();
for (const n of [...LOCAL_COMMANDS.keys(), ...COMMANDS.keys()]) {
  NAME_INDEX.set(n, n);
  NAME_INDEX.set(n.toUpperCase(), n);
}

function commandName(raw: Buffer): string {
  const s = raw.toString('latin1');
  return NAME_INDEX.get(s) ?? s.toLowerCase();
}

const answer = (argv: Buffer[], name: string, reply: Reply): LocalStep => ({ kind: 'local', argv, name, cmd: null, reply });

/** Decides what a request is, without running it. `local` is the table of commands answered here. */
export function classify(argv: Buffer[], s: SessionState, local: ReadonlyMap<string, LocalCommand>, limits: ClassifyLimits): Step {
  const name = commandName(argv[0]);
  const localCmd = local.get(name);
  // The label is what metrics and logs see: never an unknown word, which
  // may be anything (a password typed in the wrong place) and is unbounded.
  if (!s.authenticated && !localCmd?.noauth) return answer(argv, localCmd || lookupCommand(name) ? name : 'unknown', NOAUTH);
  if (localCmd) {
    if (!arityOk(localCmd.arity, argv.length)) return answer(argv, name, fromWire(arityError(localCmd.name)));
    return { kind: 'local', argv, name, cmd: localCmd, reply: null };
  }
  const cmd = lookupCommand(name);
  if (!cmd) return answer(argv, 'unknown', fromWire(unknownCommandError(argv[0], argv.slice(1))));
  if (!arityOk(cmd.arity, argv.length)) return answer(argv, name, fromWire(arityError(cmd.name)));
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
  return { kind: 'remote', argv, name, write: cmd.write };
}

/** Runs a classified local step: its reply, or a result that also asks to close (QUIT). */
export function runLocal(step: LocalStep, s: SessionState, server: ServerInfo): Reply | LocalResult {
  return step.reply ?? (step.cmd as LocalCommand).run(step.argv.slice(1), s, server);
}
