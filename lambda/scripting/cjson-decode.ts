/**
 * cjson.decode: a JSON parser over the script's bytes that builds Lua values
 * on the stack as it reads (no intermediate JavaScript objects). Errors name
 * the character position, as lua-cjson's do.
 */
import { JSON_NULL } from './cjson';
import { lua, lauxlib, type LuaState, type LuaString } from './lua';

const MAX_DEPTH = 1000;
const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

class Parser {
  i = 0;
  constructor(
    readonly L: LuaState,
    readonly s: LuaString,
  ) {}

  fail(expected: string): never {
    const found = this.i >= this.s.length ? 'T_END' : 'invalid token';
    return lauxlib.luaL_error(this.L, `Expected ${expected} but found ${found} at character ${this.i + 1}`);
  }

  skip(): void {
    while (WS.has(this.s[this.i])) this.i++;
  }

  literal(word: string): boolean {
    for (let k = 0; k < word.length; k++) if (this.s[this.i + k] !== word.charCodeAt(k)) return false;
    this.i += word.length;
    return true;
  }

  value(depth: number): void {
    this.skip();
    const c = this.s[this.i];
    lauxlib.luaL_checkstack(this.L, 4, null);
    if (c === 0x7b || c === 0x5b) {
      if (depth >= MAX_DEPTH) lauxlib.luaL_error(this.L, `Found too many nested data structures (${depth + 1}) at character ${this.i + 1}`);
      return c === 0x7b ? this.object(depth + 1) : this.array(depth + 1);
    }
    if (c === 0x22) return lua.lua_pushstring(this.L, this.string());
    if (this.literal('true')) return lua.lua_pushboolean(this.L, true);
    if (this.literal('false')) return lua.lua_pushboolean(this.L, false);
    if (this.literal('null')) return lua.lua_pushlightuserdata(this.L, JSON_NULL);
    return this.number();
  }

  number(): void {
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/.exec(Buffer.from(this.s.subarray(this.i, this.i + 400)).toString('latin1'));
    if (!m) this.fail('value');
    this.i += m[0].length;
    lua.lua_pushnumber(this.L, Number(m[0]));
  }

  string(): Uint8Array {
    const out: number[] = [];
    this.i++;
    for (;;) {
      const c = this.s[this.i++];
      if (c === undefined) this.fail('string');
      if (c === 0x22) return Uint8Array.from(out);
      if (c !== 0x5c) {
        out.push(c);
        continue;
      }
      const e = String.fromCharCode(this.s[this.i++]);
      const simple = { '"': 0x22, '\\': 0x5c, '/': 0x2f, b: 8, f: 12, n: 10, r: 13, t: 9 }[e];
      if (simple !== undefined) out.push(simple);
      else if (e === 'u') out.push(...Buffer.from(String.fromCodePoint(this.codePoint()), 'utf8'));
      else this.fail('string');
    }
  }

  hex4(): number {
    const h = Buffer.from(this.s.subarray(this.i, this.i + 4)).toString('latin1');
    if (!/^[0-9a-fA-F]{4}$/.test(h)) this.fail('string');
    this.i += 4;
    return parseInt(h, 16);
  }

  codePoint(): number {
    const hi = this.hex4();
    if (hi < 0xd800 || hi > 0xdbff) return hi;
    if (!this.literal('\\u')) this.fail('string');
    const lo = this.hex4();
    return 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
  }

  array(depth: number): void {
    this.i++;
    lua.lua_createtable(this.L, 0, 0);
    this.skip();
    if (this.literal(']')) return;
    for (let n = 1; ; n++) {
      this.value(depth);
      lua.lua_rawseti(this.L, -2, n);
      this.skip();
      if (this.literal(']')) return;
      if (!this.literal(',')) this.fail('comma or array end');
    }
  }

  object(depth: number): void {
    this.i++;
    lua.lua_createtable(this.L, 0, 0);
    this.skip();
    if (this.literal('}')) return;
    for (;;) {
      this.skip();
      if (this.s[this.i] !== 0x22) this.fail('object key string');
      lua.lua_pushstring(this.L, this.string());
      this.skip();
      if (!this.literal(':')) this.fail('colon');
      this.value(depth);
      lua.lua_rawset(this.L, -3);
      this.skip();
      if (this.literal('}')) return;
      if (!this.literal(',')) this.fail('comma or object end');
    }
  }
}

export function decode(L: LuaState): number {
  const p = new Parser(L, lauxlib.luaL_checklstring(L, 1));
  p.value(0);
  p.skip();
  if (p.i < p.s.length) p.fail('the end');
  return 1;
}
