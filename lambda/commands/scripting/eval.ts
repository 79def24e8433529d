/**
 * EVAL and EVAL_RO: run a Lua script inside the batch, on the snapshot, with
 * the script's redis.call running nested commands as the engine runs any.
 * A runtime error keeps what the script wrote before it (Redis has no
 * rollback either); a script stopped by the time or memory limit throws, so
 * the engine undoes everything it wrote — a deliberate difference from Redis,
 * which would have applied it.
 */
import { CommandError, wrongArity } from '../../errors';
import { runScript, ScriptStopped, DEFAULT_SCRIPT_TIMEOUT_MS } from '../../scripting';
import type { Reply } from '../../contract';
import type { Args } from '../args';
import type { CommandContext } from '../context';
import { bulk, specOf, type Command } from '../types';
import { xreadScriptRefusal } from '../streams/xread';

export const NUMKEYS_TOO_MANY = "ERR Number of keys can't be greater than number of args";
export const NUMKEYS_NEGATIVE = "ERR Number of keys can't be negative";

export const STOPPED_TIME = 'ERR script stopped: it ran past the script time limit (--script-timeout-ms); nothing it did was applied';
export const STOPPED_MEMORY = 'ERR script stopped: it used more memory than the script memory limit; nothing it did was applied';

/** The body, keys and arguments of `EVAL body numkeys key... arg...`, with Redis's numkeys errors. */
export function parseEval(args: Args): { body: Buffer; keys: Buffer[]; argv: Buffer[] } {
  const body = args.next();
  const numkeys = args.integer();
  const rest = args.rest();
  if (numkeys > BigInt(rest.length)) throw new CommandError(NUMKEYS_TOO_MANY);
  if (numkeys < 0n) throw new CommandError(NUMKEYS_NEGATIVE);
  const n = Number(numkeys);
  return { body, keys: rest.slice(0, n), argv: rest.slice(n) };
}

/**
 * PING and ECHO are the proxy's commands, but a script may call them (Redis
 * lets it): answered here, as Redis answers them inside a script.
 */
function scriptCall(ctx: CommandContext, argv: Buffer[]): Reply {
  const name = argv[0].toString('latin1').toLowerCase();
  if (name === 'ping' && argv.length > 2) return { t: 'error', v: wrongArity('ping') };
  if (name === 'ping') return argv.length > 1 ? bulk(argv[1]) : { t: 'simple', v: 'PONG' };
  if (name === 'echo') return bulk(argv[1]);
  // Redis refuses XREAD … BLOCK from a script outright (MULTI gets a nil instead).
  const refusal = name === 'xread' ? xreadScriptRefusal(argv) : null;
  if (refusal) return { t: 'error', v: refusal };
  return ctx.exec(argv);
}

function evalScript(args: Args, ctx: CommandContext, readOnly: boolean): Reply {
  const { body, keys, argv } = parseEval(args);
  try {
    return runScript({ body, keys, args: argv, readOnly, call: (cmd) => scriptCall(ctx, cmd), deadline: ctx.scriptDeadline ?? performance.now() + DEFAULT_SCRIPT_TIMEOUT_MS });
  } catch (e) {
    if (e instanceof ScriptStopped) throw new CommandError(e.reason === 'time' ? STOPPED_TIME : STOPPED_MEMORY);
    throw e;
  }
}

export const evalCommand: Command = { spec: specOf('eval'), run: (args, ctx) => evalScript(args, ctx, false) };
export const evalRo: Command = { spec: specOf('eval_ro'), run: (args, ctx) => evalScript(args, ctx, true) };
