/**
 * The one Lua state scripts run in (Redis also keeps one per server): the
 * standard libraries Redis offers (base, table, string, math, coroutine), the
 * ones it bundles (cjson, cmsgpack, bit) and `redis`, sealed by the prelude.
 * Compiled scripts live in the state's registry by SHA1, at most
 * MAX_CACHED of them (least recently used goes first).
 */
import { createHash } from 'node:crypto';
import { openBit } from './bit';
import { openCjson } from './cjson';
import { decode } from './cjson-decode';
import { openCmsgpack } from './cmsgpack';
import { unpack } from './cmsgpack-unpack';
import { lua, lauxlib, lualib, type LuaState } from './lua';
import { floatNumerals } from './numerals';
import { PRELUDE } from './prelude';
import { openRedis, type CallSite } from './redis-api';

export const MAX_CACHED = 512;
const SCRIPTS = { scripts: true };
const ENV = { env: true };

export function sha1hex(body: Buffer): string {
  return createHash('sha1').update(body).digest('hex');
}

export interface LuaRuntime {
  readonly L: LuaState;
  /** Compiled scripts in use order (oldest first), mirrored in the registry. */
  readonly cached: Map<string, true>;
}

/** A new sealed state; `site` is the run in progress, `stopped` whether it has been stopped (time or memory). */
export function newRuntime(site: () => CallSite, stopped: () => boolean): LuaRuntime {
  const L = lauxlib.luaL_newstate();
  const libs: [string, (L: LuaState) => number][] = [
    ['_G', lualib.luaopen_base],
    ['table', lualib.luaopen_table],
    ['string', lualib.luaopen_string],
    ['math', lualib.luaopen_math],
    ['coroutine', lualib.luaopen_coroutine],
  ];
  for (const [name, open] of libs) {
    lauxlib.luaL_requiref(L, name, open, 1);
    lua.lua_pop(L, 1);
  }
  openRedis(L, site);
  openCjson(L, decode);
  openCmsgpack(L, unpack);
  openBit(L);
  lua.lua_pushstring(L, Buffer.from('Lua 5.1'));
  lua.lua_setglobal(L, '_VERSION');
  const prelude = Buffer.from(PRELUDE);
  if (lauxlib.luaL_loadbufferx(L, prelude, prelude.length, '=prelude', 't') !== lua.LUA_OK) throw new Error(`prelude: ${lua.lua_tolstring(L, -1)}`);
  lua.lua_pushjsfunction(L, (L1) => (lua.lua_pushboolean(L1, stopped()), 1));
  if (lua.lua_pcall(L, 1, 1, 0) !== lua.LUA_OK) throw new Error(`prelude: ${Buffer.from(lua.lua_tolstring(L, -1) ?? []).toString()}`);
  lua.lua_rawsetp(L, lua.LUA_REGISTRYINDEX, ENV);
  lua.lua_createtable(L, 0, 0);
  lua.lua_rawsetp(L, lua.LUA_REGISTRYINDEX, SCRIPTS);
  return { L, cached: new Map() };
}

/**
 * Compiles `body` unless cached: null on success, else Redis's compile error
 * text. The compiled function's environment is the sandbox's.
 */
export function compile(rt: LuaRuntime, sha: string, body: Buffer): string | null {
  const { L } = rt;
  if (rt.cached.has(sha)) {
    rt.cached.delete(sha);
    rt.cached.set(sha, true);
    return null;
  }
  const src = Buffer.from(floatNumerals(body.toString('latin1')), 'latin1');
  if (lauxlib.luaL_loadbufferx(L, src, src.length, '@user_script', 't') !== lua.LUA_OK) {
    const msg = Buffer.from(lua.lua_tolstring(L, -1) ?? []).toString('latin1');
    lua.lua_pop(L, 1);
    // Lua 5.1 quotes the end of input as a token ('<eof>'); 5.3 does not.
    return `ERR Error compiling script (new function): ${msg.replace(/near <eof>$/, "near '<eof>'")}`;
  }
  lua.lua_rawgetp(L, lua.LUA_REGISTRYINDEX, ENV);
  lua.lua_setupvalue(L, -2, 1);
  lua.lua_rawgetp(L, lua.LUA_REGISTRYINDEX, SCRIPTS);
  lua.lua_insert(L, -2);
  lua.lua_setfield(L, -2, sha);
  rt.cached.set(sha, true);
  if (rt.cached.size > MAX_CACHED) {
    const oldest = rt.cached.keys().next().value as string;
    rt.cached.delete(oldest);
    lua.lua_pushnil(L);
    lua.lua_setfield(L, -2, oldest);
  }
  lua.lua_pop(L, 1);
  return null;
}

/** Pushes the compiled script (compile() must have succeeded). */
export function pushScript(rt: LuaRuntime, sha: string): void {
  lua.lua_rawgetp(rt.L, lua.LUA_REGISTRYINDEX, SCRIPTS);
  lua.lua_getfield(rt.L, -1, sha);
  lua.lua_remove(rt.L, -2);
}

/** Sets KEYS and ARGV in the real globals (scripts cannot, the sandbox is read-only to them). */
export function setKeysAndArgs(rt: LuaRuntime, keys: readonly Buffer[], args: readonly Buffer[]): void {
  const { L } = rt;
  lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS);
  for (const [name, list] of [['KEYS', keys], ['ARGV', args]] as const) {
    lua.lua_createtable(L, list.length, 0);
    list.forEach((b, i) => {
      lua.lua_pushstring(L, b);
      lua.lua_rawseti(L, -2, i + 1);
    });
    lua.lua_setfield(L, -2, name);
  }
  lua.lua_pop(L, 1);
}
