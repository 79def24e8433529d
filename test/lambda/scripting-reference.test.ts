/**
 * Scripts against redis-server 7.0.15 itself: the same EVAL / EVAL_RO /
 * SCRIPT LOAD sequences go to a throw-away redis-server (RESP3, so replies
 * keep their RESP3 types as the engine's do) and through the engine, and
 * every reply must be equal — conversions both ways, redis.call / pcall
 * errors with their positions, the sandbox's errors, cjson, cmsgpack, bit,
 * and the Lua 5.1 behaviours valthree reproduces on fengari's Lua 5.3.
 */

import { referenceRedis } from './reference';

const { both } = referenceRedis();

const ev = (body: string, keys: string[] = [], args: string[] = []) => ['EVAL', body, String(keys.length), ...keys, ...args];

const CASES: Record<string, string[][]> = {
  'Lua to RESP': [
    ev('return 3.99'),
    ev('return -3.99'),
    ev('return {1, 2, nil, 4}'),
    ev("return {1.5, true, false, 'x', {ok='fine'}, {err='bad'}, {1, {2}}}"),
    ev('return true'),
    ev('return false'),
    ev('return nil'),
    ev("return {err='MYERR custom'}"),
    ev("return {ok='STATUS'}"),
    ev("return redis.error_reply('boom')"),
    ev("return redis.error_reply('-CODE text')"),
    ev("return redis.error_reply('MY boom')"),
    ev("return redis.status_reply('FINE')"),
    ev('return 1e20'),
    ev('return 0/0'),
    ev('return {}'),
  ],
  'RESP to Lua': [
    ['SET', 'k', 'v'],
    ev("local r = redis.call('SET', KEYS[1], 'x') return type(r) .. ':' .. r.ok", ['k']),
    ev("return type(redis.call('GET', 'nosuch'))"),
    ev("return redis.call('GET', 'nosuch') == false and 'f' or 'n'"),
    ev("local n = redis.call('INCR', KEYS[1]) return {type(n), n}", ['n']),
    ev("return redis.call('MGET', 'k', 'nosuch', 'n')"),
    ev("local r = redis.pcall('INCR', 'k') return {type(r), r.err}"),
    ev("return redis.call('INCRBYFLOAT', 'f', '1.5')"),
    ev("redis.setresp(3) return type(redis.call('GET', 'nosuch'))"),
    ev("redis.setresp(3) return redis.call('MGET', 'k', 'nosuch')"),
    ev('redis.setresp(3) return true'),
    ev('redis.setresp(3) return false'),
    ev("redis.setresp(3) return {double=3.5}"),
    ev("redis.setresp(3) return {map={a=1}}"),
    ev("redis.setresp(3) return {set={a=true}}"),
    ev("redis.setresp(3) return {big_number='123456789012345678901234567890'}"),
    ev("redis.setresp(3) return {verbatim_string={format='txt', string='hello'}}"),
    ev('redis.setresp(4)'),
  ],
  'redis.call checks and errors': [
    ['SET', 's', 'text'],
    ev('return redis.call()'),
    ev("return redis.call('nosuch')"),
    ev("return redis.call('get')"),
    ev("return redis.call('get', {})"),
    ev("return redis.call('get', true)"),
    ev("return redis.pcall('get', 'a', 'b')"),
    ev("return redis.call('client', 'id')"),
    ev("return redis.call('eval', 'return 1', 0)"),
    ev("return {redis.call('ping'), redis.call('ping', 'x'), redis.call('echo', 'y')}"),
    ev("return redis.call('ping', 'a', 'b')"),
    ev("return redis.call('incr', KEYS[1])", ['s']),
    ev("return redis.pcall('incr', KEYS[1])", ['s']),
    ev("local x = 1\nlocal y = 2\nreturn redis.call('incr', KEYS[1])", ['s']),
    ['EVAL_RO', "return redis.call('set', 'a', 'b')", '0'],
    ['EVAL_RO', "return redis.call('get', 's')", '0'],
    ev("redis.call('set', 'p', 0.1) redis.call('set', 'q', 3) redis.call('set', 'r', 1e20) return redis.call('mget', 'p', 'q', 'r')"),
    ev("redis.call('set', 'kept', '1') error('after a write')"),
    ['GET', 'kept'],
    ev("error({err='X boom'})"),
    ev("error('boom')"),
    ev('return 1 +'),
  ],
  'numkeys': [
    ['EVAL', 'return 1', '-1'],
    ['EVAL', 'return 1', '2', 'a'],
    ['EVAL', 'return 1', 'x'],
    ['EVAL', 'return {KEYS[1], KEYS[2], ARGV[1], #KEYS, #ARGV}', '2', 'a', 'b', 'c'],
    ['SCRIPT', 'LOAD', 'return 1'],
    ['SCRIPT', 'LOAD', 'return +'],
  ],
  sandbox: [
    ev('return x'),
    ev('x = 1'),
    ev('string.x = 1'),
    ev("rawset(_G, 'x', 1)"),
    ev('setmetatable(_G, nil)'),
    ev('return os'),
    ev('return io'),
    ev('return require'),
    ev('return debug'),
    ev('return print'),
    ev('return loadstring'),
    ev('return dofile'),
    ev('return loadfile'),
    ev('return type(load)'),
    ev('return _VERSION'),
  ],
  'Lua 5.1 numbers': [
    ev('return tostring(10/2)'),
    ev('return tostring(3)'),
    ev("return 7 .. ''"),
    ev("return string.format('%d', 2.5)"),
    ev("return string.format('%d|%5d|%x', 3e9, 42, 255)"),
    ev('return 1733245000 * 1000'),
    ev('return 2147483647 + 1'),
    ev('return 0xffffffff'),
    ev("return tonumber('1733245000') * 1000"),
    ev("return tostring(tonumber('10'))"),
    ev('return tostring(math.floor(2.5))'),
    ev("return tonumber('inf') > 0 and 1 or 0"),
    ev('return {math.pow(2, 10), math.mod(7, 3), table.getn({1, 2, 3}), unpack({4, 5})}'),
    ev('local t = {} for i = 1, 3 do t[#t + 1] = tostring(i) end return t'),
  ],
  libraries: [
    ev('return cjson.encode({})'),
    ev('return cjson.encode({a=1})'),
    ev('return cjson.encode({1, 2, 3, {x={true, false}}})'),
    ev("return cjson.encode(cjson.decode('[1,2.5,null,\"x\",{\"a\":true}]'))"),
    ev('return cjson.encode(10/3)'),
    ev("return cjson.encode('a/b\"c\\n')"),
    ev("return cjson.decode('{\"a\":[1,2,{\"b\":\"\\\\u00e9\"}]}').a[3].b"),
    ev('return cjson.decode(\'[1,2\')'),
    ev('return cjson.encode({[1]=1, [100]=2})'),
    ev('return cjson.null == cjson.decode("null") and 1 or 0'),
    ev("return cmsgpack.pack({1, 2, 3}, 'abc', 1.5, -3, 300, 70000, -70000, 2^40, true, false)"),
    ev("return cmsgpack.pack({a=1})"),
    ev("return {cmsgpack.unpack(cmsgpack.pack('x', 1.5, -3, 300, {1, 2}))}"),
    ev('return {bit.band(0xff, -1), bit.bor(1, 2, 4), bit.bxor(5, 3), bit.bnot(0), bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-16, 2)}'),
    ev('return {bit.tohex(255), bit.tohex(-1, -4), bit.tobit(2^32 + 5), bit.rol(1, 33)}'),
    ev("return redis.sha1hex('abc')"),
    ev('return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}'),
  ],
};

test.each(Object.keys(CASES))('%s: every reply as redis-server', async (name) => {
  const { mine, reference } = await both(CASES[name]);
  expect(mine).toEqual(reference);
});
