/** cmsgpack.unpack: every MessagePack value in the string, as Lua values (numbers as floats). */
import { lua, lauxlib, type LuaState, type LuaString } from './lua';

class Reader {
  i = 0;
  readonly view: DataView;
  constructor(
    readonly L: LuaState,
    readonly s: LuaString,
  ) {
    this.view = new DataView(s.buffer, s.byteOffset, s.byteLength);
  }

  need(n: number): number {
    if (this.i + n > this.s.length) lauxlib.luaL_error(this.L, 'Missing bytes in input.');
    const at = this.i;
    this.i += n;
    return at;
  }

  uint(bytes: number): number {
    const at = this.need(bytes);
    if (bytes === 1) return this.view.getUint8(at);
    if (bytes === 2) return this.view.getUint16(at);
    if (bytes === 4) return this.view.getUint32(at);
    return Number(this.view.getBigUint64(at));
  }

  int(bytes: number): number {
    const at = this.need(bytes);
    if (bytes === 1) return this.view.getInt8(at);
    if (bytes === 2) return this.view.getInt16(at);
    if (bytes === 4) return this.view.getInt32(at);
    return Number(this.view.getBigInt64(at));
  }

  bytes(n: number): void {
    const at = this.need(n);
    lua.lua_pushstring(this.L, this.s.subarray(at, at + n));
  }

  seq(n: number, map: boolean): void {
    lauxlib.luaL_checkstack(this.L, 4, null);
    lua.lua_createtable(this.L, map ? 0 : n, map ? n : 0);
    for (let k = 1; k <= n; k++) {
      if (map) this.value();
      else lua.lua_pushnumber(this.L, k);
      this.value();
      lua.lua_rawset(this.L, -3);
    }
  }

  value(): void {
    const L = this.L;
    const c = this.uint(1);
    if (c <= 0x7f || c >= 0xe0) return lua.lua_pushnumber(L, c <= 0x7f ? c : c - 256);
    if (c >= 0xa0 && c <= 0xbf) return this.bytes(c & 0x1f);
    if (c >= 0x90 && c <= 0x9f) return this.seq(c & 0x0f, false);
    if (c >= 0x80 && c <= 0x8f) return this.seq(c & 0x0f, true);
    const sized: Record<number, () => void> = {
      0xc0: () => lua.lua_pushnil(L),
      0xc2: () => lua.lua_pushboolean(L, false),
      0xc3: () => lua.lua_pushboolean(L, true),
      0xca: () => lua.lua_pushnumber(L, this.view.getFloat32(this.need(4))),
      0xcb: () => lua.lua_pushnumber(L, this.view.getFloat64(this.need(8))),
      0xcc: () => lua.lua_pushnumber(L, this.uint(1)),
      0xcd: () => lua.lua_pushnumber(L, this.uint(2)),
      0xce: () => lua.lua_pushnumber(L, this.uint(4)),
      0xcf: () => lua.lua_pushnumber(L, this.uint(8)),
      0xd0: () => lua.lua_pushnumber(L, this.int(1)),
      0xd1: () => lua.lua_pushnumber(L, this.int(2)),
      0xd2: () => lua.lua_pushnumber(L, this.int(4)),
      0xd3: () => lua.lua_pushnumber(L, this.int(8)),
      0xc4: () => this.bytes(this.uint(1)),
      0xc5: () => this.bytes(this.uint(2)),
      0xc6: () => this.bytes(this.uint(4)),
      0xd9: () => this.bytes(this.uint(1)),
      0xda: () => this.bytes(this.uint(2)),
      0xdb: () => this.bytes(this.uint(4)),
      0xdc: () => this.seq(this.uint(2), false),
      0xdd: () => this.seq(this.uint(4), false),
      0xde: () => this.seq(this.uint(2), true),
      0xdf: () => this.seq(this.uint(4), true),
    };
    const read = sized[c];
    if (!read) lauxlib.luaL_error(L, 'Bad data format in input.');
    read();
  }
}

export function unpack(L: LuaState): number {
  const r = new Reader(L, lauxlib.luaL_checklstring(L, 1));
  let n = 0;
  while (r.i < r.s.length) {
    lauxlib.luaL_checkstack(L, 1, 'too many values to unpack');
    r.value();
    n++;
  }
  return n;
}
