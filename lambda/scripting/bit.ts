/**
 * LuaBitOp (`bit`), the library Redis bundles: 32-bit operations whose results
 * are signed 32-bit numbers. Arguments are numbers or numeric strings, rounded
 * to the nearest integer (half to even, as LuaBitOp's 2^52+2^51 trick) and
 * taken modulo 2^32.
 */
import { lua, lauxlib, type LuaState } from './lua';

function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export function tobit(x: number): number {
  return Number.isFinite(x) ? roundHalfEven(x) | 0 : 0;
}

const arg = (L: LuaState, i: number): number => tobit(lauxlib.luaL_checknumber(L, i));

function push(L: LuaState, n: number): number {
  lua.lua_pushnumber(L, n | 0);
  return 1;
}

function fold(op: (a: number, b: number) => number): (L: LuaState) => number {
  return (L) => {
    let acc = arg(L, 1);
    for (let i = 2; i <= lua.lua_gettop(L); i++) acc = op(acc, arg(L, i));
    return push(L, acc);
  };
}

function shift(op: (x: number, n: number) => number): (L: LuaState) => number {
  return (L) => push(L, op(arg(L, 1), arg(L, 2) & 31));
}

function tohex(L: LuaState): number {
  const x = arg(L, 1);
  let n = lua.lua_type(L, 2) <= lua.LUA_TNIL ? 8 : arg(L, 2);
  const upper = n < 0;
  if (upper) n = -n;
  n = Math.min(n, 8);
  const hex = (x >>> 0).toString(16).padStart(8, '0').slice(8 - n);
  lua.lua_pushstring(L, Buffer.from(upper ? hex.toUpperCase() : hex));
  return 1;
}

const FUNCTIONS: Record<string, (L: LuaState) => number> = {
  tobit: (L) => push(L, arg(L, 1)),
  bnot: (L) => push(L, ~arg(L, 1)),
  band: fold((a, b) => a & b),
  bor: fold((a, b) => a | b),
  bxor: fold((a, b) => a ^ b),
  lshift: shift((x, n) => x << n),
  rshift: shift((x, n) => x >>> n),
  arshift: shift((x, n) => x >> n),
  rol: shift((x, n) => (x << n) | (x >>> (32 - n))),
  ror: shift((x, n) => (x >>> n) | (x << (32 - n))),
  bswap: (L) => {
    const x = arg(L, 1);
    return push(L, ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24));
  },
  tohex,
};

export function openBit(L: LuaState): void {
  lua.lua_createtable(L, 0, Object.keys(FUNCTIONS).length);
  for (const [name, fn] of Object.entries(FUNCTIONS)) {
    lua.lua_pushjsfunction(L, fn);
    lua.lua_setfield(L, -2, name);
  }
  lua.lua_setglobal(L, 'bit');
}
