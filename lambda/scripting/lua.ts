/**
 * fengari, loaded with the one setting Redis scripts need: integral floats
 * print as `5`, not `5.0` (LUA_COMPAT_FLOATSTRING), as every number prints in
 * Lua 5.1. fengari reads its settings from FENGARICONF once, when its first
 * module loads, so this file must be the only importer of 'fengari'.
 */
const conf = process.env.FENGARICONF ? (JSON.parse(process.env.FENGARICONF) as Record<string, unknown>) : {};
process.env.FENGARICONF = JSON.stringify({ ...conf, LUA_COMPAT_FLOATSTRING: true });

// eslint-disable-next-line @typescript-eslint/no-require-imports
const fengari = require('fengari') as typeof import('fengari');

export const { lua, lauxlib, lualib, to_luastring, to_jsstring } = fengari;
export type { LuaState, LuaString, JsFunction } from 'fengari';
