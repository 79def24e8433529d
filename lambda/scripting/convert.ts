/**
 * Redis 7.0's conversions between replies and Lua values (script_lua.c:
 * redisProtocolToLuaType, luaReplyToRedisReply). The engine's replies are
 * RESP3-tagged; a script in RESP2 mode (the default) sees each one as a RESP2
 * client would (a map as a flat array, a double as its text, a boolean as
 * 1/0), and only after `redis.setresp(3)` the RESP3 forms.
 *
 * Numbers enter Lua as floats: fengari's integers are 32 bits, and Lua 5.1
 * (Redis's) has only doubles anyway.
 */
import type { Reply } from '../contract';
import { lua, type LuaState, type LuaString } from './lua';

export type RespMode = 2 | 3;

const text = (s: string): LuaString => Buffer.from(s, 'latin1');

function field(L: LuaState, name: string, push: () => void): void {
  lua.lua_pushstring(L, text(name));
  push();
  lua.lua_rawset(L, -3);
}

function pushArray(L: LuaState, items: readonly Reply[], resp: RespMode): void {
  lua.lua_createtable(L, items.length, 0);
  items.forEach((r, i) => {
    pushReply(L, r, resp);
    lua.lua_rawseti(L, -2, i + 1);
  });
}

/** Pushes one reply as the Lua value a script sees (an error reply as `{err=...}`). */
export function pushReply(L: LuaState, r: Reply, resp: RespMode): void {
  switch (r.t) {
    case 'int':
      return lua.lua_pushnumber(L, Number(r.v));
    case 'bulk':
      return lua.lua_pushstring(L, r.v);
    case 'simple':
    case 'error':
      lua.lua_createtable(L, 0, 1);
      return field(L, r.t === 'simple' ? 'ok' : 'err', () => lua.lua_pushstring(L, text(r.v)));
    case 'null':
      return resp === 3 ? lua.lua_pushnil(L) : lua.lua_pushboolean(L, false);
    case 'array':
      return pushArray(L, r.v, resp);
    case 'blocked':
      // A script's commands never block (CommandContext.mayBlock): should one, it timed out at once.
      return pushReply(L, r.onTimeout, resp);
    default:
      return resp === 3 ? pushResp3(L, r) : pushReply(L, resp2Form(r), resp);
  }
}

/** What a RESP2 client receives for a RESP3-only reply (as the proxy downgrades it). */
function resp2Form(r: Reply): Reply {
  switch (r.t) {
    case 'map':
    case 'pairs':
      // XREAD's nested map: [key, value] arrays, as a RESP2 client gets them.
      if (r.t === 'map' && r.nested) return { t: 'array', v: r.v.map((p): Reply => ({ t: 'array', v: p })) };
      return { t: 'array', v: r.v.flat() };
    case 'set':
      return { t: 'array', v: r.v };
    case 'double':
    case 'bignum':
      return { t: 'bulk', v: Buffer.from(r.v, 'latin1') };
    case 'verbatim':
      return { t: 'bulk', v: r.v };
    case 'bool':
      return { t: 'int', v: r.v ? 1 : 0 };
    default:
      return r;
  }
}

function pushResp3(L: LuaState, r: Reply): void {
  switch (r.t) {
    case 'bool':
      return lua.lua_pushboolean(L, r.v);
    case 'double':
      lua.lua_createtable(L, 0, 1);
      return field(L, 'double', () => lua.lua_pushnumber(L, parseDouble(r.v)));
    case 'bignum':
      lua.lua_createtable(L, 0, 1);
      return field(L, 'big_number', () => lua.lua_pushstring(L, text(r.v)));
    case 'verbatim':
      lua.lua_createtable(L, 0, 1);
      return field(L, 'verbatim_string', () => {
        lua.lua_createtable(L, 0, 2);
        field(L, 'format', () => lua.lua_pushstring(L, text(r.format)));
        field(L, 'string', () => lua.lua_pushstring(L, r.v));
      });
    case 'pairs':
      return pushArray(L, r.v.map((p): Reply => ({ t: 'array', v: p })), 3);
    case 'map':
    case 'set':
      lua.lua_createtable(L, 0, 1);
      return field(L, r.t, () => {
        lua.lua_createtable(L, 0, r.v.length);
        for (const item of r.v) {
          const [k, v] = r.t === 'map' ? (item as [Reply, Reply]) : [item as Reply, undefined];
          pushReply(L, k, 3);
          if (v === undefined) lua.lua_pushboolean(L, true);
          else pushReply(L, v, 3);
          lua.lua_rawset(L, -3);
        }
      });
    default:
      return pushReply(L, r, 3);
  }
}

function parseDouble(s: string): number {
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  return Number(s);
}

const ERROR_LINE = /[\r\n]+/g;

/** Lua's return value (at `idx`) as the reply Redis 7 sends; `resp` is the script's redis.setresp. */
export function toReply(L: LuaState, idx: number, resp: RespMode): Reply {
  switch (lua.lua_type(L, idx)) {
    case lua.LUA_TSTRING:
      return { t: 'bulk', v: Buffer.from(lua.lua_tolstring(L, idx) as LuaString) };
    case lua.LUA_TBOOLEAN:
      if (resp === 3) return { t: 'bool', v: lua.lua_toboolean(L, idx) };
      return lua.lua_toboolean(L, idx) ? { t: 'int', v: 1 } : { t: 'null' };
    case lua.LUA_TNUMBER:
      return { t: 'int', v: truncated(lua.lua_tonumber(L, idx)) };
    case lua.LUA_TTABLE:
      return tableReply(L, lua.lua_absindex(L, idx), resp);
    default:
      return { t: 'null' };
  }
}

/** C's (long long) cast: toward zero; out of range (and NaN) is LLONG_MIN on x86, as Redis answers. */
export function truncated(n: number): number | string {
  const t = Math.trunc(n);
  if (Number.isSafeInteger(t)) return t === 0 ? 0 : t;
  if (Number.isNaN(t) || Math.abs(t) >= 2 ** 63) return '-9223372036854775808';
  return BigInt(t).toString();
}

/** A field of the table at `t` of the given Lua type, left on the stack; false (and nothing left) otherwise. */
function typedField(L: LuaState, t: number, name: string, type: number): boolean {
  lua.lua_pushstring(L, text(name));
  if (lua.lua_rawget(L, t) === type) return true;
  lua.lua_pop(L, 1);
  return false;
}

function stringAt(L: LuaState, idx: number): string {
  return Buffer.from(lua.lua_tolstring(L, idx) as LuaString).toString('latin1');
}

function tableReply(L: LuaState, t: number, resp: RespMode): Reply {
  const tagged = taggedReply(L, t, resp);
  if (tagged) return tagged;
  const items: Reply[] = [];
  for (let j = 1; lua.lua_rawgeti(L, t, j) !== lua.LUA_TNIL; j++) {
    items.push(toReply(L, -1, resp));
    lua.lua_pop(L, 1);
  }
  lua.lua_pop(L, 1);
  return { t: 'array', v: items };
}

function taggedReply(L: LuaState, t: number, resp: RespMode): Reply | undefined {
  const one = (r: Reply) => (lua.lua_pop(L, 1), r);
  if (typedField(L, t, 'err', lua.LUA_TSTRING)) return one({ t: 'error', v: stringAt(L, -1).replace(ERROR_LINE, ' ') });
  if (typedField(L, t, 'ok', lua.LUA_TSTRING)) return one({ t: 'simple', v: stringAt(L, -1).replace(ERROR_LINE, ' ') });
  if (typedField(L, t, 'double', lua.LUA_TNUMBER)) return one({ t: 'double', v: formatDouble(lua.lua_tonumber(L, -1)) });
  if (typedField(L, t, 'big_number', lua.LUA_TSTRING)) return one({ t: 'bignum', v: stringAt(L, -1).replace(ERROR_LINE, ' ') });
  if (typedField(L, t, 'map', lua.LUA_TTABLE)) return one({ t: 'map', v: pairsOf(L, lua.lua_absindex(L, -1), resp, true) as [Reply, Reply][] });
  if (typedField(L, t, 'set', lua.LUA_TTABLE)) return one({ t: 'set', v: pairsOf(L, lua.lua_absindex(L, -1), resp, false) as Reply[] });
  if (typedField(L, t, 'verbatim_string', lua.LUA_TTABLE)) {
    const v = lua.lua_absindex(L, -1);
    if (typedField(L, v, 'format', lua.LUA_TSTRING)) {
      const format = stringAt(L, -1);
      lua.lua_pop(L, 1);
      if (typedField(L, v, 'string', lua.LUA_TSTRING)) {
        const body = Buffer.from(lua.lua_tolstring(L, -1) as LuaString);
        lua.lua_pop(L, 2);
        return { t: 'verbatim', format, v: body };
      }
    }
    lua.lua_pop(L, 1);
  }
  return undefined;
}

function pairsOf(L: LuaState, t: number, resp: RespMode, withValues: boolean): ([Reply, Reply] | Reply)[] {
  const out: ([Reply, Reply] | Reply)[] = [];
  lua.lua_pushnil(L);
  while (lua.lua_next(L, t) !== 0) {
    const k = toReply(L, -2, resp);
    out.push(withValues ? [k, toReply(L, -1, resp)] : k);
    lua.lua_pop(L, 1);
  }
  return out;
}

/** Redis's double reply text (%.17g, inf/-inf/nan). */
export function formatDouble(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return formatG(n, 17);
}

/** C's printf `%.<p>g`. */
export function formatG(n: number, p: number): string {
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(n.toPrecision(p)))));
  if (exp < -4 || exp >= p) {
    const [m, e] = n.toExponential(p - 1).split('e');
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const ev = Number(e);
    return `${mant}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
  }
  const fixed = n.toFixed(Math.max(0, p - 1 - exp));
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}
