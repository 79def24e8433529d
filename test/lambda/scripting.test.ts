/**
 * The scripting runtime on its own (lambda/scripting): conversions between
 * replies and Lua values in both RESP modes, redis.call / pcall errors, the
 * sandbox, the time and memory limits (which pcall cannot catch), cjson,
 * cmsgpack and bit, and the Lua 5.1 behaviours reproduced on fengari's 5.3.
 * Commands run through a stand-in `call` that answers what each test gives.
 */
import { type WireReply } from '../../lambda/contract';
import { fromWire, toWire } from '../../lambda/contract-wire';
import { loadScript, runScript, ScriptStopped, sha1hex } from '../../lambda/scripting';
import { floatNumerals } from '../../lambda/scripting/numerals';
import { b, bulk, err, int, NIL, OK } from './util';

type Call = (argv: Buffer[]) => WireReply;
const noCommands: Call = () => err('ERR no commands in this test');

function run(body: string, opts: { call?: Call; keys?: string[]; args?: string[]; readOnly?: boolean; ms?: number; memoryLimit?: number } = {}): WireReply {
  // The stand-in answers as the wire has it (util's helpers); the runtime speaks the engine's Reply.
  const call = opts.call ?? noCommands;
  return toWire(runScript({
    body: b(body),
    keys: (opts.keys ?? []).map((k) => b(k)),
    args: (opts.args ?? []).map((k) => b(k)),
    call: (argv) => fromWire(call(argv)),
    readOnly: opts.readOnly ?? false,
    deadline: performance.now() + (opts.ms ?? 5000),
    memoryLimit: opts.memoryLimit,
  }));
}

const str = (s: string) => bulk(s);
const arr = (...v: WireReply[]): WireReply => ({ t: 'array', v });
/** A stand-in engine that answers every command with `reply`. */
const answering = (reply: WireReply): Call => () => reply;

describe('RESP to Lua', () => {
  const typesOf = "local r = redis.call('GET', 'k') if type(r) == 'table' then local out = {} for k, v in pairs(r) do out[#out + 1] = tostring(k) .. '=' .. type(v) end table.sort(out) return out end return type(r) .. ':' .. tostring(r)";

  test.each<[string, WireReply, WireReply]>([
    ['integer → number', int(42), str('number:42')],
    ['bulk → string', bulk('v'), str('string:v')],
    ['null → false', NIL, str('boolean:false')],
    ['status → {ok=}', OK, arr(str('ok=string'))],
    ['map → flat array', { t: 'map', v: [[bulk('a'), int(1)]] }, arr(str('1=string'), str('2=number'))],
    ['set → array', { t: 'set', v: [bulk('a')] }, arr(str('1=string'))],
    ['double → its text', { t: 'double', v: '1.5' }, str('string:1.5')],
    ['bool → 1/0', { t: 'bool', v: true }, str('number:1')],
    ['big number → string', { t: 'bignum', v: '123456789012345678901' }, str('string:123456789012345678901')],
  ])('RESP2 mode (the default): %s', (_, reply, expected) => {
    expect(run(typesOf, { call: answering(reply) })).toEqual(expected);
  });

  test.each<[string, WireReply, WireReply]>([
    ['null → nil', NIL, str('nil:nil')],
    ['bool → boolean', { t: 'bool', v: false }, str('boolean:false')],
    ['map → {map=}', { t: 'map', v: [[bulk('a'), int(1)]] }, arr(str('map=table'))],
    ['set → {set=}', { t: 'set', v: [bulk('a')] }, arr(str('set=table'))],
    ['double → {double=}', { t: 'double', v: '1.5' }, arr(str('double=number'))],
    ['big number → {big_number=}', { t: 'bignum', v: '1' }, arr(str('big_number=string'))],
    ['verbatim → {verbatim_string=}', { t: 'verbatim', format: 'txt', v: b('hi').toString('base64') }, arr(str('verbatim_string=table'))],
  ])('after redis.setresp(3): %s', (_, reply, expected) => {
    expect(run(`redis.setresp(3) ${typesOf}`, { call: answering(reply) })).toEqual(expected);
  });

  test('a number beyond 32 bits arrives whole (fengari integers would wrap)', () => {
    expect(run("return redis.call('GET', 'k') + 1", { call: answering(int(2 ** 40)) })).toEqual(int(2 ** 40 + 1));
  });
});

describe('Lua to RESP', () => {
  test.each<[string, WireReply]>([
    ['return 3.99', int(3)],
    ['return -3.99', int(-3)],
    ["return 'x'", str('x')],
    ['return true', int(1)],
    ['return false', NIL],
    ['return nil', NIL],
    ['return {1, 2, nil, 4}', arr(int(1), int(2))],
    ["return {err='E bad'}", err('E bad')],
    ["return {ok='FINE'}", { t: 'simple', v: 'FINE' }],
    ["return {err='a\\r\\nb'}", err('a b')],
    ['return 2^60', { t: 'int', v: '1152921504606846976' }],
  ])('%s', (body, expected) => {
    expect(run(body)).toEqual(expected);
  });

  test.each<[string, WireReply]>([
    ['return {double=1.5}', { t: 'double', v: '1.5' }],
    ["return {map={a=1}}", { t: 'map', v: [[str('a'), int(1)]] }],
    ["return {set={a=true}}", { t: 'set', v: [str('a')] }],
    ["return {big_number='12345678901234567890'}", { t: 'bignum', v: '12345678901234567890' }],
    ["return {verbatim_string={format='txt', string='hi'}}", { t: 'verbatim', format: 'txt', v: b('hi').toString('base64') }],
    ['redis.setresp(3) return true', { t: 'bool', v: true }],
    ['redis.setresp(3) return false', { t: 'bool', v: false }],
  ])('RESP3 tables and booleans: %s', (body, expected) => {
    expect(run(body)).toEqual(expected);
  });
});

describe('redis.call and redis.pcall', () => {
  test('arguments reach the command as bytes; numbers as %.17g', () => {
    const seen: string[][] = [];
    run("redis.call('SET', KEYS[1], 0.1) redis.call('SET', 'n', 3) redis.call('SET', 'x', '\\0\\255')", { keys: ['k'], call: (argv) => (seen.push(argv.map((a) => a.toString('latin1'))), OK) });
    expect(seen).toEqual([['SET', 'k', '0.10000000000000001'], ['SET', 'n', '3'], ['SET', 'x', '\x00\xff']]);
  });

  test('call raises the command error with the script position; pcall returns it as a table', () => {
    const call = answering(err('WRONGTYPE Operation against a key holding the wrong kind of value'));
    const sha = sha1hex(b("local x = 1\nreturn redis.call('GET', 'k')"));
    expect(run("local x = 1\nreturn redis.call('GET', 'k')", { call })).toEqual(err(`WRONGTYPE Operation against a key holding the wrong kind of value script: ${sha}, on @user_script:2.`));
    expect(run("local r = redis.pcall('GET', 'k') return r.err", { call })).toEqual(str('WRONGTYPE Operation against a key holding the wrong kind of value'));
  });

  test("Redis's checks run before the command: nothing reaches the engine", () => {
    const calls: Buffer[][] = [];
    const call: Call = (argv) => (calls.push(argv), OK);
    const errorOf = (body: string, readOnly = false) => (run(`local r = ${body} return r.err`, { call, readOnly }) as { v: string }).v.toString();
    expect(Buffer.from(errorOf('redis.pcall()'), 'base64').toString()).toBe('ERR Please specify at least one argument for this redis lib call');
    expect(Buffer.from(errorOf("redis.pcall('nosuch')"), 'base64').toString()).toBe('ERR Unknown Redis command called from script');
    expect(Buffer.from(errorOf("redis.pcall('get')"), 'base64').toString()).toBe('ERR Wrong number of args calling Redis command from script');
    expect(Buffer.from(errorOf("redis.pcall('get', {})"), 'base64').toString()).toBe('ERR Lua redis lib command arguments must be strings or integers');
    expect(Buffer.from(errorOf("redis.pcall('eval', 'return 1', '0')"), 'base64').toString()).toBe('ERR This Redis command is not allowed from script');
    expect(Buffer.from(errorOf("redis.pcall('set', 'k', 'v')", true), 'base64').toString()).toBe('ERR Write commands are not allowed from read-only scripts.');
    expect(calls).toEqual([]);
  });

  test('an exception a command throws (a bug, not a reply) is not swallowed, even by pcall', () => {
    const call: Call = () => {
      throw new TypeError('bug in a command');
    };
    expect(() => run("pcall(redis.call, 'GET', 'k') return 1", { call })).toThrow('bug in a command');
    expect(run('return 1')).toEqual(int(1));
  });

  test('a read-only script may read', () => {
    expect(run("return redis.call('GET', 'k')", { readOnly: true, call: answering(bulk('v')) })).toEqual(str('v'));
  });

  test('KEYS and ARGV are fresh for every run', () => {
    expect(run('return {KEYS[1], ARGV[1], #KEYS, #ARGV}', { keys: ['a'], args: ['x'] })).toEqual(arr(str('a'), str('x'), int(1), int(1)));
    expect(run('return {#KEYS, #ARGV}')).toEqual(arr(int(0), int(0)));
  });
});

describe('the sandbox', () => {
  const errorText = (r: WireReply) => (r.t === 'error' ? r.v : `not an error: ${JSON.stringify(r)}`);

  test.each(['os', 'io', 'require', 'debug', 'dofile', 'loadfile', 'package', 'print', 'utf8', 'setfenv', 'getfenv'])('%s does not exist', (name) => {
    expect(errorText(run(`return ${name}`))).toMatch(new RegExp(`^ERR user_script:1: Script attempted to access nonexistent global variable '${name}' script: `));
  });

  test.each([
    ['x = 1', /^ERR user_script:1: Attempt to modify a readonly table/],
    ['_G.x = 1', /^ERR user_script:1: Attempt to modify a readonly table/],
    ["rawset(_G, 'x', 1)", /^ERR Attempt to modify a readonly table/],
    ['setmetatable(_G, nil)', /^ERR Attempt to modify a readonly table/],
    ['string.upper = nil', /^ERR user_script:1: Attempt to modify a readonly table/],
    ["rawset(string, 'x', 1)", /^ERR Attempt to modify a readonly table/],
    ["getmetatable('').__index.upper = nil", /^ERR user_script:1: Attempt to modify a readonly table/],
    ['redis.call = nil', /^ERR user_script:1: Attempt to modify a readonly table/],
    ['cjson.encode = nil', /^ERR user_script:1: Attempt to modify a readonly table/],
    ["return load('x = 1')()", /Attempt to modify a readonly table/],
    ["return load('\\27Lua')", /^$|binary|attempt to load/],
  ])('%s is refused', (body, message) => {
    const r = run(body);
    // load of a binary chunk returns nil plus a message rather than raising.
    if (body.includes('27Lua')) expect(r).toEqual(NIL);
    else expect(errorText(r)).toMatch(message);
  });

  test('string.dump is gone: no bytecode can be made either', () => {
    expect(run('return string.dump')).toEqual(NIL);
  });

  test('nothing a script does leaks into the next one', () => {
    run("pcall(function() x = 1 end) pcall(rawset, _G, 'y', 1)");
    expect(errorText(run('return y'))).toMatch(/nonexistent global variable 'y'/);
  });
});

describe('limits', () => {
  test('a script past its deadline is stopped, and pcall, xpcall and coroutines cannot catch it', () => {
    for (const body of ['while true do end', 'while true do pcall(function() while true do end end) end', 'while true do xpcall(function() while true do end end, function() return 1 end) end', 'while true do coroutine.resume(coroutine.create(function() while true do end end)) end']) {
      const started = performance.now();
      expect(() => run(body, { ms: 30 })).toThrow(ScriptStopped);
      expect(performance.now() - started).toBeLessThan(2000);
    }
  });

  test('the stop says why', () => {
    try {
      run('while true do end', { ms: 10 });
      throw new Error('not stopped');
    } catch (e) {
      expect(e).toBeInstanceOf(ScriptStopped);
      expect((e as ScriptStopped).reason).toBe('time');
    }
  });

  test('a script that allocates past the memory limit is stopped', () => {
    const grow = "local t = {} for i = 1, 1e8 do t[i] = string.rep('x', 64) .. i end";
    try {
      run(grow, { memoryLimit: 16 * 1024 * 1024, ms: 20000 });
      throw new Error('not stopped');
    } catch (e) {
      expect((e as ScriptStopped).reason).toBe('memory');
    }
  });

  test('string.rep refuses a result beyond the memory cap up front', () => {
    expect(run("return string.rep('x', 1e12)")).toMatchObject({ t: 'error', v: expect.stringMatching(/resulting string too large/) });
  });

  test('the runtime is usable after a stop', () => {
    expect(() => run('while true do end', { ms: 5 })).toThrow(ScriptStopped);
    expect(run('return 1')).toEqual(int(1));
  });
});

describe('libraries', () => {
  test.each<[string, string]>([
    ['return cjson.encode({})', '{}'],
    ['return cjson.encode({1, 2, {a=true}})', '[1,2,{"a":true}]'],
    ["return cjson.encode({s='a/b\"\\n'})", '{"s":"a\\/b\\"\\n"}'],
    ['return cjson.encode(1/3)', '0.33333333333333'],
    ['return cjson.encode(cjson.null)', 'null'],
    ["return cjson.encode(cjson.decode('{\"a\":[1,null,\"\\\\u00e9\\\\ud83d\\\\ude00\"]}'))", '{"a":[1,null,"é😀"]}'],
    ["return cmsgpack.pack({1, 2, 3})", '\x93\x01\x02\x03'],
    ["return cmsgpack.pack('abc', -1, 300, 1.5, true)", '\xa3abc\xff\xcd\x01\x2c\xca\x3f\xc0\x00\x00\xc3'],
    ["return cjson.encode({cmsgpack.unpack(cmsgpack.pack({1, 'x'}, -70000, 2^40))})", '[[1,"x"],-70000,1099511627776]'],
    ['return bit.tohex(bit.bor(bit.lshift(1, 4), 1))', '00000011'],
    ['return tostring(bit.band(-1, 0xffffffff))', '-1'],
    ['return tostring(bit.bnot(0))', '-1'],
    ['return bit.tohex(bit.arshift(-256, 4), -8)', 'FFFFFFF0'],
    ["return redis.sha1hex('abc')", 'a9993e364706816aba3e25717850c26c9cd0d89d'],
  ])('%s', (body, expected) => {
    expect(run(body)).toEqual(bulk(Buffer.from(expected, body.includes('cjson') ? 'utf8' : 'latin1')));
  });

  test('errors as lua-cjson raises them', () => {
    expect(run('return cjson.encode({[1]=1, [100]=2})')).toMatchObject({ v: expect.stringMatching(/Cannot serialise table: excessively sparse array/) });
    expect(run("return cjson.decode('[1,2')")).toMatchObject({ v: expect.stringMatching(/Expected comma or array end but found T_END at character 5/) });
  });
});

describe('Lua 5.1 on fengari (Lua 5.3 with 32-bit integers)', () => {
  test.each<[string, WireReply]>([
    ['return tostring(10/2)', str('5')],
    ["return 7 .. ''", str('7')],
    ['return 1733245000 * 1000', int(1733245000000)],
    ['return 2147483647 + 1', int(2147483648)],
    ['return 0xffffffff', int(4294967295)],
    ["return tonumber('1733245000') * 1000", int(1733245000000)],
    ["return tonumber('1733245000') + tonumber('1733245000')", int(3466490000)],
    ['return math.floor(2^40 / 3) * 2', int(Math.floor(2 ** 40 / 3) * 2)],
    ["return string.format('%d', 2.5)", str('2')],
    ["return string.format('%d %5d %-3d|', 3e9, 42, 7)", str('3000000000    42 7  |')],
    ['return unpack({1, 2})', int(1)],
    ['return table.getn({1, 2, 3})', int(3)],
    ['return math.pow(2, 10)', int(1024)],
    ["return tonumber('inf') > 1e308 and 1 or 0", int(1)],
  ])('%s', (body, expected) => {
    expect(run(body)).toEqual(expected);
  });

  test('numerals in strings and comments are left alone; line numbers are kept', () => {
    const src = "local a = 10 -- 20\nlocal s = '30' .. \"40\" .. [[50]] --[==[ 60 ]==]\nreturn 0x10 + 1e3 + .5 + 1.25 + a.b1";
    expect(floatNumerals(src)).toBe("local a = 10.0 -- 20\nlocal s = '30' .. \"40\" .. [[50]] --[==[ 60 ]==]\nreturn 16.0 + 1e3 + .5 + 1.25 + a.b1");
  });
});

describe('SCRIPT LOAD', () => {
  test('answers the SHA1 of the body, or the compile error as Redis words it', () => {
    expect(loadScript(b('return 1'))).toEqual({ sha: 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db' });
    expect(loadScript(b('return 1 +'))).toEqual({ error: "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'" });
  });

  test('more scripts than the cache holds still all run (the oldest are compiled again)', () => {
    for (let i = 0; i < 600; i++) expect(run(`return ${i}`)).toEqual(int(i));
    expect(run('return 0')).toEqual(int(0));
  });
});
