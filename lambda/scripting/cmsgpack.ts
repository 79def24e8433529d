/**
 * `cmsgpack` as Redis bundles it (lua-cmsgpack 0.4): pack(...) encodes each
 * argument and concatenates them; unpack(s) returns every value in `s`.
 * Integral numbers take the smallest integer encoding, others float32 when
 * exact, else float64; a table whose keys are 1..n is an array (an empty one
 * too), any other a map; nesting beyond 16 levels packs nil, as lua-cmsgpack.
 */
import { lua, lauxlib, type LuaState, type LuaString } from './lua';

const MAX_NESTING = 16;

function packInt(n: number, out: number[]): void {
  const b = (bytes: number, v: bigint) => {
    for (let i = bytes - 1; i >= 0; i--) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
  };
  if (n >= 0) {
    if (n < 128) out.push(n);
    else if (n < 256) out.push(0xcc, n);
    else if (n < 65536) (out.push(0xcd), b(2, BigInt(n)));
    else if (n < 2 ** 32) (out.push(0xce), b(4, BigInt(n)));
    else (out.push(0xcf), b(8, BigInt(n)));
  } else if (n >= -32) out.push(n & 0xff);
  else if (n >= -128) out.push(0xd0, n & 0xff);
  else if (n >= -32768) (out.push(0xd1), b(2, BigInt.asUintN(16, BigInt(n))));
  else if (n >= -(2 ** 31)) (out.push(0xd2), b(4, BigInt.asUintN(32, BigInt(n))));
  else (out.push(0xd3), b(8, BigInt.asUintN(64, BigInt(n))));
}

function packNumber(n: number, out: number[]): void {
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return packInt(n, out);
  const f32 = Math.fround(n);
  const buf = Buffer.alloc(f32 === n || Number.isNaN(n) ? 5 : 9);
  if (buf.length === 5) (buf.writeUInt8(0xca, 0), buf.writeFloatBE(n, 1));
  else (buf.writeUInt8(0xcb, 0), buf.writeDoubleBE(n, 1));
  out.push(...buf);
}

function packHeader(len: number, fix: number, fixMax: number, codes: [number | null, number, number], out: number[]): void {
  const [c8, c16, c32] = codes;
  if (len < fixMax) out.push(fix | len);
  else if (c8 !== null && len < 256) out.push(c8, len);
  else if (len < 65536) out.push(c16, len >> 8, len & 0xff);
  else out.push(c32, (len >>> 24) & 0xff, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff);
}

/** lua-cmsgpack's table_is_an_array: keys exactly 1..n. */
function arrayLength(L: LuaState, t: number): number {
  let count = 0;
  let max = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, t) !== 0) {
    lua.lua_pop(L, 1);
    const k = lua.lua_type(L, -1) === lua.LUA_TNUMBER ? lua.lua_tonumber(L, -1) : NaN;
    if (!(Number.isInteger(k) && k >= 1)) return (lua.lua_pop(L, 1), -1);
    count++;
    max = Math.max(max, k);
  }
  return max === count ? count : -1;
}

function packTable(L: LuaState, t: number, level: number, out: number[]): void {
  lauxlib.luaL_checkstack(L, 6, null);
  const len = arrayLength(L, t);
  if (len >= 0) {
    packHeader(len, 0x90, 16, [null, 0xdc, 0xdd], out);
    for (let i = 1; i <= len; i++) {
      lua.lua_rawgeti(L, t, i);
      packValue(L, lua.lua_absindex(L, -1), level + 1, out);
      lua.lua_pop(L, 1);
    }
    return;
  }
  let pairs = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, t) !== 0) (lua.lua_pop(L, 1), pairs++);
  packHeader(pairs, 0x80, 16, [null, 0xde, 0xdf], out);
  lua.lua_pushnil(L);
  while (lua.lua_next(L, t) !== 0) {
    packValue(L, lua.lua_absindex(L, -2), level + 1, out);
    packValue(L, lua.lua_absindex(L, -1), level + 1, out);
    lua.lua_pop(L, 1);
  }
}

function packValue(L: LuaState, idx: number, level: number, out: number[]): void {
  const type = lua.lua_type(L, idx);
  if (type === lua.LUA_TSTRING) {
    const s = lua.lua_tolstring(L, idx) as LuaString;
    packHeader(s.length, 0xa0, 32, [0xd9, 0xda, 0xdb], out);
    for (const c of s) out.push(c);
  } else if (type === lua.LUA_TNUMBER) packNumber(lua.lua_tonumber(L, idx), out);
  else if (type === lua.LUA_TBOOLEAN) out.push(lua.lua_toboolean(L, idx) ? 0xc3 : 0xc2);
  else if (type === lua.LUA_TTABLE && level < MAX_NESTING) packTable(L, idx, level, out);
  else out.push(0xc0);
}

function pack(L: LuaState): number {
  const n = lua.lua_gettop(L);
  if (n === 0) lauxlib.luaL_error(L, 'MessagePack pack needs input.');
  const out: number[] = [];
  for (let i = 1; i <= n; i++) packValue(L, i, 0, out);
  lua.lua_pushstring(L, Uint8Array.from(out));
  return 1;
}

export function openCmsgpack(L: LuaState, unpack: (L: LuaState) => number): void {
  lua.lua_createtable(L, 0, 3);
  lua.lua_pushjsfunction(L, pack);
  lua.lua_setfield(L, -2, 'pack');
  lua.lua_pushjsfunction(L, unpack);
  lua.lua_setfield(L, -2, 'unpack');
  lua.lua_setglobal(L, 'cmsgpack');
}
