/**
 * The sandbox, in Lua: run once per Lua state, with the real globals as its
 * environment and the JavaScript-made libraries (redis, cjson, cmsgpack, bit)
 * already in place. It returns the table scripts get as their globals: an
 * empty table whose metatable reads through to the real globals and raises
 * Redis 7's errors — reading an undefined global, writing any — and the set
 * of read-only tables (the globals and every library), which the wrapped
 * rawset/setmetatable refuse to change, as Redis 7's read-only tables do.
 *
 * Lua 5.1 names Redis scripts use are restored (unpack, table.getn, math.pow,
 * math.mod, string.gfind); 5.3's integer results are made floats where they
 * flow into arithmetic (tonumber, math.floor/ceil), because fengari's
 * integers are 32 bits and would wrap (see numerals.ts); string.format's
 * integer conversions take any number and truncate it, as 5.1 does.
 */
export const REP_LIMIT = 64 * 1024 * 1024;

export const PRELUDE = String.raw`
local REP_LIMIT = ${REP_LIMIT}
local stopped = ...
local G = _G
local error, type, tostring, rawget, rawset, setmetatable, select = error, type, tostring, rawget, rawset, setmetatable, select
local string_format, string_gsub, math_floor, math_ceil, rawload = string.format, string.gsub, math.floor, math.ceil, load
local floor_float = function(x) local r = math_floor(x) return r + 0.0 end
local function trunc(x)
  if type(x) ~= 'number' then return x end
  if x >= 0 then return floor_float(x) end
  return -floor_float(-x)
end

unpack = table.unpack
table.getn = function(t) return #t end
table.maxn = function(t) local m = 0 for k in pairs(t) do if type(k) == 'number' and k > m then m = k end end return m end
math.pow = function(a, b) return a ^ b end
math.mod = math.fmod
math.floor = floor_float
math.ceil = function(x) local r = math_ceil(x) return r + 0.0 end
string.gfind = string.gmatch
-- One call could otherwise allocate gigabytes before the memory check runs (5.1 also truncates n).
local rawrep = string.rep
string.rep = function(s, n, sep)
  n = trunc(n)
  if type(n) == 'number' and n > 0 and (#tostring(s) + #tostring(sep or '')) * n > REP_LIMIT then
    error('resulting string too large', 2)
  end
  return rawrep(s, n, sep)
end
string.dump = nil
local rawtonumber = tonumber
-- 5.1 reads numbers with strtod, which also takes inf, infinity and nan.
local special = {inf = 1/0, infinity = 1/0, nan = 0/0}
tonumber = function(...)
  local n = rawtonumber(...)
  if n then return n + 0.0 end
  local s, base = ...
  if type(s) == 'string' and base == nil then
    local sign, word = string.match(string.lower(s), '^%s*([-+]?)(%a+)%s*$')
    local v = word and special[word]
    if v then return sign == '-' and -v or v end
  end
  return n
end
string.format = function(fmt, ...)
  local args, n, i = {...}, select('#', ...), 0
  local spec = string_gsub(fmt, '%%([-+ #0]*)(%d*)(%.?%d*)([%a%%])', function(flags, width, prec, conv)
    if conv == '%' then return nil end
    i = i + 1
    if conv == 'd' or conv == 'i' then
      local v = trunc(args[i])
      if type(v) == 'number' and prec == '' and (flags == '' or flags == '-') then
        args[i] = string_format('%.0f', v)
        return '%' .. flags .. width .. 's'
      end
      args[i] = v
    elseif conv == 'c' or conv == 'o' or conv == 'u' or conv == 'x' or conv == 'X' then
      args[i] = trunc(args[i])
    end
    return nil
  end)
  return string_format(spec, table.unpack(args, 1, n))
end

-- A script stopped for time or memory must not catch that and go on: whatever
-- caught it raises again at once.
local function recheck(...)
  if stopped() then error('script stopped', 0) end
  return ...
end
local rawpcall, rawxpcall, rawresume = pcall, xpcall, coroutine.resume
pcall = function(...) return recheck(rawpcall(...)) end
xpcall = function(...) return recheck(rawxpcall(...)) end
coroutine.resume = function(...) return recheck(rawresume(...)) end

for _, name in ipairs({'os', 'io', 'require', 'loadfile', 'dofile', 'print', 'package', 'module', 'utf8', 'debug', 'loadstring'}) do
  G[name] = nil
end

local readonly = setmetatable({}, {__mode = 'k'})
local function protect(real)
  local proxy = {}
  setmetatable(proxy, {
    __index = real,
    __newindex = function() error('Attempt to modify a readonly table', 2) end,
    __metatable = false,
  })
  readonly[proxy] = true
  return proxy
end
for _, name in ipairs({'string', 'table', 'math', 'coroutine', 'redis', 'cjson', 'cmsgpack', 'bit'}) do
  if G[name] then G[name] = protect(G[name]) end
end
getmetatable('').__index = G.string

-- Names Redis 7 lets a script read although they are nil there.
local nilGlobals = {loadstring = true}
local env = {}
setmetatable(env, {
  __index = function(_, k)
    local v = rawget(G, k)
    if v == nil and not nilGlobals[k] then
      error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
    end
    return v
  end,
  __newindex = function() error('Attempt to modify a readonly table', 2) end,
  __metatable = false,
})
readonly[env] = true
G._G = env

G.rawset = function(t, k, v)
  if readonly[t] then error('Attempt to modify a readonly table', 0) end
  return rawset(t, k, v)
end
G.setmetatable = function(t, mt)
  if readonly[t] then error('Attempt to modify a readonly table', 0) end
  return setmetatable(t, mt)
end
-- Source text only: precompiled chunks (bytecode) are refused, and a loaded chunk sees the sandbox.
G.load = function(chunk, name, _, e)
  return rawload(chunk, name, 't', e or env)
end
return env
`;
