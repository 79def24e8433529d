/**
 * The `redis` table scripts call (Redis 7.0's script_lua.c), with its checks
 * and error texts as redis-server 7.0.15 prints them. Every error is a Lua
 * table `{err = "CODE message"}`: redis.call raises it, redis.pcall returns it.
 */
import { createHash } from 'node:crypto';
import type { Reply } from '../contract';
import { arityError, lookupSpec, subcommandOf } from '../specs';
import { pushReply, formatG, type RespMode } from './convert';
import { lua, lauxlib, type LuaState, type LuaString } from './lua';

export const REDIS_VERSION = '7.0.15';
export const REDIS_VERSION_NUM = 0x07000f;

/** What redis.call needs from the run in progress. */
export interface CallSite {
  call(argv: Buffer[]): Reply;
  readOnly: boolean;
  resp: RespMode;
}

/** Pushes Redis's error table `{err = "CODE message"}`. */
export function pushError(L: LuaState, message: string): void {
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushstring(L, Buffer.from('err'));
  lua.lua_pushstring(L, Buffer.from(message.replace(/[\r\n]+$/, ''), 'latin1'));
  lua.lua_rawset(L, -3);
}

/** luaPushErrorBuff's reading of `-CODE message` (no space: the code is ERR); without a dash, ERR is prepended. */
export function errorText(s: string): string {
  if (!s.startsWith('-')) return `ERR ${s}`;
  const space = s.indexOf(' ');
  return space < 0 ? `ERR ${s.slice(1)}` : s.slice(1);
}

/** Raises one of Redis's own script errors (the text without its code). */
function raise(L: LuaState, message: string): never {
  pushError(L, `ERR ${message}`);
  return lua.lua_error(L);
}

/** The arguments as a command's argv, or null when one is neither a string nor a number. */
function argvOf(L: LuaState): Buffer[] | null {
  const argv: Buffer[] = [];
  for (let i = 1; i <= lua.lua_gettop(L); i++) {
    const type = lua.lua_type(L, i);
    // %.17g, as Redis formats a number argument (lua_tolstring's %.14g would lose digits).
    if (type === lua.LUA_TNUMBER) argv.push(Buffer.from(formatG(lua.lua_tonumber(L, i), 17)));
    else if (type === lua.LUA_TSTRING) argv.push(Buffer.from(lua.lua_tolstring(L, i) as LuaString));
    else return null;
  }
  return argv;
}

/** Redis's checks before a script's command runs (scriptCall); the error text, or null. */
export function callError(argv: Buffer[], readOnly: boolean): string | null {
  const spec = lookupSpec(argv[0]);
  if (!spec) return 'Unknown Redis command called from script';
  if (arityError(spec, argv)) return 'Wrong number of args calling Redis command from script';
  // A container's flags are its subcommand's (CLIENT ID is noscript, CLIENT is not).
  const flags = (spec.subcommands && argv.length > 1 ? subcommandOf(spec, argv[1]) : undefined)?.flags ?? spec.flags;
  if (flags.includes('noscript')) return 'This Redis command is not allowed from script';
  if (readOnly && flags.includes('write')) return 'Write commands are not allowed from read-only scripts.';
  return null;
}

function genericCall(L: LuaState, site: CallSite, raiseErrors: boolean): number {
  if (lua.lua_gettop(L) === 0) return fail(L, 'ERR Please specify at least one argument for this redis lib call', raiseErrors);
  const argv = argvOf(L);
  if (!argv) return fail(L, 'ERR Lua redis lib command arguments must be strings or integers', raiseErrors);
  const refused = callError(argv, site.readOnly);
  if (refused) return fail(L, `ERR ${refused}`, raiseErrors);
  const reply = site.call(argv);
  if (reply.t === 'error') return fail(L, reply.v, raiseErrors);
  lauxlib.luaL_checkstack(L, 8, null);
  pushReply(L, reply, site.resp);
  return 1;
}

/** `message` is the full error text, code included. */
function fail(L: LuaState, message: string, raiseErrors: boolean): number {
  pushError(L, message);
  if (raiseErrors) lua.lua_error(L);
  return 1;
}

function singleField(L: LuaState, name: 'ok' | 'err'): number {
  if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, 1) !== lua.LUA_TSTRING) {
    pushError(L, 'ERR wrong number or type of arguments');
    return 1;
  }
  if (name === 'err') {
    const msg = Buffer.from(lua.lua_tolstring(L, 1) as LuaString).toString('latin1');
    pushError(L, errorText(msg.startsWith('-') ? msg : `-${msg}`));
    return 1;
  }
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushstring(L, Buffer.from(name));
  lua.lua_pushvalue(L, 1);
  lua.lua_rawset(L, -3);
  return 1;
}

type Fn = (L: LuaState) => number;

function functions(site: () => CallSite): Record<string, Fn> {
  return {
    call: (L) => genericCall(L, site(), true),
    pcall: (L) => genericCall(L, site(), false),
    error_reply: (L) => singleField(L, 'err'),
    status_reply: (L) => singleField(L, 'ok'),
    sha1hex: (L) => {
      if (lua.lua_gettop(L) !== 1) raise(L, 'wrong number of arguments');
      const s = lua.lua_type(L, 1) === lua.LUA_TNUMBER || lua.lua_type(L, 1) === lua.LUA_TSTRING ? (lua.lua_tolstring(L, 1) as LuaString) : new Uint8Array();
      lua.lua_pushstring(L, Buffer.from(createHash('sha1').update(s).digest('hex')));
      return 1;
    },
    log: (L) => {
      if (lua.lua_gettop(L) < 2) raise(L, 'redis.log() requires two arguments or more.');
      if (lua.lua_type(L, 1) !== lua.LUA_TNUMBER) raise(L, 'First argument must be a number');
      const level = lua.lua_tonumber(L, 1);
      if (!(level >= 0 && level <= 3)) raise(L, 'Invalid debug level.');
      return 0; // No server log to write to; the handler does no I/O on a script's behalf.
    },
    setresp: (L) => {
      if (lua.lua_gettop(L) !== 1) raise(L, 'redis.setresp() requires one argument.');
      const n = lua.lua_tonumber(L, 1);
      if (n !== 2 && n !== 3) raise(L, 'RESP version must be 2 or 3.');
      site().resp = n;
      return 0;
    },
    set_repl: () => 0,
    replicate_commands: (L) => (lua.lua_pushboolean(L, true), 1),
    breakpoint: (L) => (lua.lua_pushboolean(L, false), 1),
    debug: () => 0,
  };
}

const CONSTANTS: Record<string, number | string> = {
  LOG_DEBUG: 0,
  LOG_VERBOSE: 1,
  LOG_NOTICE: 2,
  LOG_WARNING: 3,
  REPL_NONE: 0,
  REPL_AOF: 1,
  REPL_SLAVE: 2,
  REPL_REPLICA: 2,
  REPL_ALL: 3,
  REDIS_VERSION,
  REDIS_VERSION_NUM,
};

/** Sets the global `redis` table; `site` answers the run in progress. */
export function openRedis(L: LuaState, site: () => CallSite): void {
  lua.lua_createtable(L, 0, 24);
  for (const [name, fn] of Object.entries(functions(site))) {
    lua.lua_pushjsfunction(L, fn);
    lua.lua_setfield(L, -2, name);
  }
  for (const [name, v] of Object.entries(CONSTANTS)) {
    if (typeof v === 'number') lua.lua_pushnumber(L, v);
    else lua.lua_pushstring(L, Buffer.from(v));
    lua.lua_setfield(L, -2, name);
  }
  lua.lua_setglobal(L, 'redis');
}
