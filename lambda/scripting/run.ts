/**
 * Runs a Redis Lua script: pure and synchronous, no I/O. The caller gives the
 * script's commands a way to run (`call`, the engine's nested execution) and
 * a deadline; the result is the script's reply, as Redis 7.0 would send it.
 *
 * Limits. Every HOOK_EVERY Lua instructions a count hook checks the clock
 * against the deadline and the V8 heap (plus external memory: fengari's
 * strings are Uint8Arrays) against what it was when the script started. A
 * script past either is stopped — pcall cannot catch that — and runScript
 * throws ScriptStopped, so the caller undoes everything the script wrote.
 * Heap growth is an estimate (garbage not yet collected counts too), which
 * errs on the side of stopping a script that allocates heavily; one call
 * allocating a huge string at once is refused by string.rep's own cap.
 */
import { getHeapStatistics } from 'node:v8';
import type { Reply } from '../contract';
import { toReply } from './convert';
import { lua, lauxlib, type LuaState, type LuaString } from './lua';
import type { CallSite } from './redis-api';
import { compile, newRuntime, pushScript, setKeysAndArgs, sha1hex, type LuaRuntime } from './state';

export { sha1hex } from './state';

/** Lua instructions between two checks of the clock and the heap (~µs apart). */
export const HOOK_EVERY = 1000;
/** Default time the scripts of one batch attempt may run (--script-timeout-ms). */
export const DEFAULT_SCRIPT_TIMEOUT_MS = 1000;
/** Default cap on a script's heap growth. */
export const DEFAULT_MEMORY_LIMIT = 64 * 1024 * 1024;

export interface ScriptRun {
  body: Buffer;
  keys: readonly Buffer[];
  args: readonly Buffer[];
  /** Runs one command of the script (redis.call / redis.pcall) after Redis's checks passed. */
  call: (argv: Buffer[]) => Reply;
  /** EVAL_RO: write commands are refused. */
  readOnly: boolean;
  /** performance.now() after which the script is stopped. */
  deadline: number;
  /** Bytes the heap may grow while the script runs (default DEFAULT_MEMORY_LIMIT). */
  memoryLimit?: number;
}

export type StopReason = 'time' | 'memory';

/** A script stopped by a limit: nothing it did may be applied. */
export class ScriptStopped extends Error {
  constructor(readonly reason: StopReason) {
    super(reason === 'time' ? 'script ran past its time limit' : 'script used more memory than its limit');
  }
}

interface Active {
  site: CallSite;
  sha: string;
  deadline: number;
  heapBase: number;
  memoryLimit: number;
  stopped: StopReason | null;
  error: string | null;
  /** An exception a command threw (a bug, not a reply): rethrown once the script is unwound. */
  fatal: { error: unknown } | null;
}

let active: Active | null = null;
let runtime: LuaRuntime | null = null;

const heapUsed = (): number => {
  const h = getHeapStatistics();
  return h.used_heap_size + h.external_memory;
};

function hook(L: LuaState): void {
  const a = active;
  if (!a) return;
  if (!a.stopped && performance.now() > a.deadline) a.stopped = 'time';
  if (!a.stopped && heapUsed() - a.heapBase > a.memoryLimit) a.stopped = 'memory';
  if (a.stopped) lauxlib.luaL_error(L, 'script stopped');
}

function rt(): LuaRuntime {
  if (!runtime) {
    const r = newRuntime(
      () => (active as Active).site,
      () => active?.stopped != null,
    );
    lua.lua_sethook(r.L, hook, lua.LUA_MASKCOUNT, HOOK_EVERY);
    // A JavaScript exception inside the VM (an allocation fengari cannot make) becomes a Lua error with its message.
    lua.lua_atnativeerror(r.L, (L) => {
      const e = lua.lua_touserdata(L, 1);
      lua.lua_pushstring(L, Buffer.from(e instanceof Error ? e.message : String(e)));
      return 1;
    });
    runtime = r;
  }
  return runtime;
}

/** SCRIPT LOAD: compiles (and caches) the body; its SHA1, or Redis's compile error. */
export function loadScript(body: Buffer): { sha: string } | { error: string } {
  const sha = sha1hex(body);
  const error = compile(rt(), sha, body);
  return error === null ? { sha } : { error };
}

export function runScript(run: ScriptRun): Reply {
  if (active) throw new Error('runScript is not reentrant');
  // The budget is the attempt's: once spent, even a short script (which no hook would see) is stopped.
  if (performance.now() > run.deadline) throw new ScriptStopped('time');
  const r = rt();
  const sha = sha1hex(run.body);
  const compileError = compile(r, sha, run.body);
  if (compileError !== null) return { t: 'error', v: compileError };
  const { L } = r;
  const base = lua.lua_gettop(L);
  const call = (argv: Buffer[]): Reply => {
    try {
      return run.call(argv);
    } catch (error) {
      a.fatal = { error };
      throw error;
    }
  };
  const a: Active = { site: { call, readOnly: run.readOnly, resp: 2 }, sha, deadline: run.deadline, heapBase: heapUsed(), memoryLimit: run.memoryLimit ?? DEFAULT_MEMORY_LIMIT, stopped: null, error: null, fatal: null };
  active = a;
  try {
    setKeysAndArgs(r, run.keys, run.args);
    lua.lua_pushjsfunction(L, (L1) => ((a.error = errorReply(L1, a.sha)), 1));
    pushScript(r, sha);
    const status = lua.lua_pcall(L, 0, 1, base + 1);
    if (a.fatal) throw a.fatal.error;
    if (a.stopped) throw new ScriptStopped(a.stopped);
    if (status !== lua.LUA_OK) return { t: 'error', v: a.error ?? `ERR script failed script: ${sha}` };
    return toReply(L, -1, a.site.resp);
  } finally {
    lua.lua_settop(L, base);
    active = null;
  }
}

const luaText = (s: LuaString | null): string => Buffer.from(s ?? []).toString('latin1');

/**
 * The error reply for the error value at index 1, with the script's position
 * as Redis 7 appends it: `<msg> script: <sha>, on @user_script:<line>.`
 */
function errorReply(L: LuaState, sha: string): string {
  let msg: string;
  if (lua.lua_type(L, 1) === lua.LUA_TTABLE && lua.lua_getfield(L, 1, 'err') === lua.LUA_TSTRING) msg = luaText(lua.lua_tolstring(L, -1));
  else if (lua.lua_type(L, 1) === lua.LUA_TSTRING || lua.lua_type(L, 1) === lua.LUA_TNUMBER) msg = `ERR ${luaText(lua.lua_tolstring(L, 1))}`;
  else msg = 'ERR unknown error';
  const ar = new lua.lua_Debug();
  for (let level = 1; lua.lua_getstack(L, level, ar); level++) {
    lua.lua_getinfo(L, 'Sl', ar);
    if (luaText(ar.source) === '@user_script') return `${msg} script: ${sha}, on @user_script:${ar.currentline}.`.replace(/[\r\n]+/g, ' ');
  }
  return `${msg} script: ${sha}`.replace(/[\r\n]+/g, ' ');
}
