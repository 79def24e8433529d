/**
 * `cjson` as Redis bundles it (lua-cjson 2.1): encode and decode over bytes.
 * Encoding: numbers with 14 significant digits, `/` escaped as `\/`, a table
 * whose keys are all positive integers is an array (too sparse is an error),
 * an empty table is `{}`, `cjson.null` and nil are `null`. Decoding: numbers
 * are floats, `null` is `cjson.null`, `\u` escapes become UTF-8.
 */
import { formatG } from './convert';
import { lua, lauxlib, type LuaState, type LuaString } from './lua';

/** cjson.null: a light userdata, as lua-cjson's NULL pointer. */
export const JSON_NULL = Object.freeze({ cjsonNull: true });
const MAX_DEPTH = 1000;

function fail(L: LuaState, message: string): never {
  return lauxlib.luaL_error(L, message);
}

const ESCAPES: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x2f: '\\/', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x7f: '\\u007f' };

function encodeString(s: LuaString, out: string[]): void {
  let run = '"';
  for (const b of s) {
    const esc = ESCAPES[b] ?? (b < 0x20 ? `\\u${b.toString(16).padStart(4, '0')}` : undefined);
    run += esc ?? String.fromCharCode(b);
  }
  out.push(`${run}"`);
}

function encodeNumber(L: LuaState, n: number, out: string[]): void {
  if (!Number.isFinite(n)) fail(L, 'Cannot serialise number: must not be NaN or Inf');
  out.push(formatG(n, 14));
}

/** lua-cjson's lua_array_length: the array's length, or -1 when the table is an object. */
function arrayLength(L: LuaState, t: number): number {
  let max = 0;
  let items = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, t) !== 0) {
    const k = lua.lua_type(L, -2) === lua.LUA_TNUMBER ? lua.lua_tonumber(L, -2) : NaN;
    lua.lua_pop(L, 1);
    if (!(Number.isInteger(k) && k >= 1)) {
      lua.lua_pop(L, 1);
      return -1;
    }
    max = Math.max(max, k);
    items++;
  }
  if (max > 10 && max > items * 2) fail(L, 'Cannot serialise table: excessively sparse array');
  return max;
}

function encodeTable(L: LuaState, t: number, depth: number, out: string[]): void {
  if (depth > MAX_DEPTH) fail(L, `Cannot serialise, excessive nesting (${depth})`);
  lauxlib.luaL_checkstack(L, 6, null);
  const len = arrayLength(L, t);
  if (len > 0) {
    out.push('[');
    for (let i = 1; i <= len; i++) {
      if (i > 1) out.push(',');
      lua.lua_rawgeti(L, t, i);
      encodeValue(L, lua.lua_absindex(L, -1), depth, out);
      lua.lua_pop(L, 1);
    }
    out.push(']');
    return;
  }
  out.push('{');
  let first = true;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, t) !== 0) {
    if (!first) out.push(',');
    first = false;
    const kt = lua.lua_type(L, -2);
    if (kt === lua.LUA_TSTRING) encodeString(lua.lua_tolstring(L, -2) as LuaString, out);
    else if (kt === lua.LUA_TNUMBER) out.push(`"${formatG(lua.lua_tonumber(L, -2), 14)}"`);
    else fail(L, 'Cannot serialise table: table key must be a number or string');
    out.push(':');
    encodeValue(L, lua.lua_absindex(L, -1), depth, out);
    lua.lua_pop(L, 1);
  }
  out.push('}');
}

function encodeValue(L: LuaState, idx: number, depth: number, out: string[]): void {
  const type = lua.lua_type(L, idx);
  if (type === lua.LUA_TSTRING) encodeString(lua.lua_tolstring(L, idx) as LuaString, out);
  else if (type === lua.LUA_TNUMBER) encodeNumber(L, lua.lua_tonumber(L, idx), out);
  else if (type === lua.LUA_TBOOLEAN) out.push(lua.lua_toboolean(L, idx) ? 'true' : 'false');
  else if (type === lua.LUA_TTABLE) encodeTable(L, idx, depth + 1, out);
  else if (type === lua.LUA_TNIL || (type === lua.LUA_TLIGHTUSERDATA && lua.lua_touserdata(L, idx) === JSON_NULL)) out.push('null');
  else fail(L, `Cannot serialise ${typeName(type)}: type not supported`);
}

function typeName(type: number): string {
  return ['nil', 'boolean', 'userdata', 'number', 'string', 'table', 'function', 'userdata', 'thread'][type] ?? 'value';
}

function encode(L: LuaState): number {
  if (lua.lua_gettop(L) !== 1) fail(L, 'bad argument #1 to \'encode\' (expected 1 argument)');
  const out: string[] = [];
  encodeValue(L, 1, 0, out);
  lua.lua_pushstring(L, Buffer.from(out.join(''), 'latin1'));
  return 1;
}

export function openCjson(L: LuaState, decode: (L: LuaState) => number): void {
  lua.lua_createtable(L, 0, 4);
  lua.lua_pushjsfunction(L, encode);
  lua.lua_setfield(L, -2, 'encode');
  lua.lua_pushjsfunction(L, decode);
  lua.lua_setfield(L, -2, 'decode');
  lua.lua_pushlightuserdata(L, JSON_NULL);
  lua.lua_setfield(L, -2, 'null');
  lua.lua_pushstring(L, Buffer.from('2.1.0'));
  lua.lua_setfield(L, -2, '_VERSION');
  lua.lua_setglobal(L, 'cjson');
}
