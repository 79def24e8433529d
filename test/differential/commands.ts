/**
 * The per-command generator table of the differential test: for each command,
 * the argument forms it is sent with. Which of them a run uses is decided at
 * the start of the run, not here:
 *
 * - a command is used only if valthree lists it in `COMMAND LIST`, so a
 *   command that has not landed is skipped, and the test covers it the day
 *   its spec and module land, with no edit here;
 * - a form marked `needs: <feature>` is used only if valthree passed that
 *   feature's probe (FEATURE_PROBES, one command each, sent once at start).
 *   That covers a command that exists with part of its syntax: today's SET
 *   takes no options, so `SET k v EX 10` is a syntax error on valthree and OK
 *   on Redis; without the mark every run would fail on a known gap.
 *
 * Forms deliberately include wrong arguments (non-integers, bad options,
 * conflicting flags), and every command also gets a wrong-arity form derived
 * from redis-server's own arity, so error texts are compared too.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { LIST_GENERATORS } from './lists';
import { ZSET_GENERATORS } from './zsets';

/** Parts of a command's syntax that may land after the command itself. */
export type Feature = 'set-options' | 'expire-options' | 'dbs';

/**
 * One probe per feature: the command is sent to valthree once at start, and
 * any reply but an error means the feature is there. `requires` names the
 * command the probe uses: a feature of a command valthree does not list is
 * irrelevant (the command is skipped anyway) and not probed.
 */
export const FEATURE_PROBES: Record<Feature, { requires: string; argv: string[]; undo?: string[] }> = {
  'set-options': { requires: 'set', argv: ['SET', '__probe', 'v', 'EX', '10'] },
  'expire-options': { requires: 'expire', argv: ['EXPIRE', '__probe', '10', 'NX'] },
  dbs: { requires: 'select', argv: ['SELECT', '1'], undo: ['SELECT', '0'] },
};

/**
 * An expiry argument, resolved when the step is sent (absolute times need
 * the clock then, and both servers get the same value):
 *
 * - `long`: far in the future (≥ 1000 s), never reached during a run. The
 *   value is `base + step index` seconds, so two expiries set by different
 *   steps always differ by at least a second: GT/LT then compare deadlines
 *   that differ by far more than the gap between the two servers (or two
 *   commands), and their outcome does not depend on timing.
 * - `short` (ms units only): 2 ms ahead; the runner pauses after the step, so
 *   the key has expired on both servers before the next command.
 * - `past`: a negative relative time or an absolute time in 1970.
 * - `zero`: 0.
 */
export interface Ttl {
  readonly ttl: 'long' | 'short' | 'past' | 'zero';
  readonly unit: 's' | 'ms';
  readonly abs: boolean;
  readonly base: number;
}

export type Arg = string | Buffer | Ttl;

export const isTtl = (a: Arg): a is Ttl => typeof a === 'object' && !Buffer.isBuffer(a);

/** Milliseconds the runner waits after a step with a `short` expiry. */
export const SHORT_TTL_PAUSE_MS = 15;

export function resolveTtl(t: Ttl, stepIndex: number, nowMs: number): string {
  const scale = t.unit === 's' ? 1 : 1000;
  switch (t.ttl) {
    case 'zero':
      return '0';
    case 'past':
      return t.abs ? String(1 * scale) : String(-5 * scale);
    case 'short':
      // Seconds cannot express "expires before the next command" without a
      // second-long pause; the generator only makes short ms expiries.
      return t.abs ? String(nowMs + 2) : '2';
    case 'long': {
      const seconds = t.base + stepIndex;
      if (!t.abs) return String(seconds * scale);
      return t.unit === 's' ? String(Math.floor(nowMs / 1000) + seconds) : String(nowMs + seconds * 1000);
    }
  }
}

// ---- the pools: a small keyspace so commands collide on the same keys ----

/** Four keys; one is binary (not UTF-8, with NUL and newline). */
export const KEYS: readonly Buffer[] = [Buffer.from('a'), Buffer.from('b'), Buffer.from('c'), Buffer.from([0xff, 0x00, 0x0a])];

/** Values: integers (edges included), floats, binary bytes, the empty string, and strings that look almost numeric. */
const VALUES: readonly (string | Buffer)[] = [
  '', 'v', 'hello', '0', '1', '-7', '42', '007', '+3', ' 1', '3.5', '-0.25', '1e3', 'inf',
  '9223372036854775807', '-9223372036854775808', Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x80]),
];

const key = fc.constantFrom(...KEYS);
const value = fc.constantFrom(...VALUES);
/** Integer arguments (INCRBY, GETRANGE …): in range, at the edges, and not integers at all. */
const integer = fc.constantFrom('1', '-1', '0', '5', '100', '-100', '9223372036854775807', '-9223372036854775808', 'x', '1.5', '', ' 2', '+3', '99999999999999999999');
/**
 * INCRBYFLOAT increments. Mostly exact binary fractions, so that Redis's long
 * double and a double agree to the last digit and the stored value stays
 * byte-identical for the commands after it; 0.1 is there to exercise the
 * allow-list's numeric comparison (see allow-list.ts). Nothing beyond a
 * double's range (1e400 is a finite long double): see allow-list.ts.
 */
const float = fc.constantFrom('0.5', '-1.25', '2.5e2', '1e3', '3', '0', '-0.75', '0.1', 'x', 'inf', '-inf', 'nan', '', ' 1');
const dbIndex = fc.constantFrom('1', '2');
const badDb = fc.constantFrom('16', '-1', 'x', '');

/** An option word in one of three spellings: options are case-insensitive. */
const word = (w: string) => fc.constantFrom(w.toUpperCase(), w.toLowerCase(), w[0].toUpperCase() + w.slice(1).toLowerCase());
const base = fc.constantFrom(1000, 2000, 3000);

function ttl(unit: 's' | 'ms', abs: boolean): fc.Arbitrary<Arg> {
  const kinds: Ttl['ttl'][] = unit === 'ms' ? ['long', 'long', 'short', 'past', 'zero'] : ['long', 'long', 'past', 'zero'];
  const bad = fc.constantFrom<Arg>('x', '1.5', '', '9223372036854775807', '-9223372036854775808');
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ ttl: fc.constantFrom(...kinds), unit: fc.constant(unit), abs: fc.constant(abs), base }) },
    { weight: 1, arbitrary: bad },
  );
}

const args = (...parts: fc.Arbitrary<Arg>[]): fc.Arbitrary<Arg[]> => fc.tuple(...parts);
const keys = (min: number, max: number) => fc.array(key, { minLength: min, maxLength: max });
/** Tokens (each one or more words) in any order and number, repeats and conflicts included: parsers must reject what Redis rejects. */
const tokens = (choices: fc.Arbitrary<Arg[]>[], max: number) => fc.array(fc.oneof(...choices), { maxLength: max }).map((ts) => ts.flat());
const tok = (...parts: fc.Arbitrary<Arg>[]) => fc.tuple(...parts) as fc.Arbitrary<Arg[]>;

export interface Form {
  readonly arb: fc.Arbitrary<Arg[]>;
  /** The form is used only when valthree passed this feature's probe. */
  readonly needs?: Feature;
}

export type Family = 'strings' | 'counters' | 'hashes' | 'sets' | 'expiry' | 'keyspace' | 'transactions' | 'scripting' | 'server' | 'connection' | 'lists' | 'zsets' | 'streams';

export interface CommandGenerator {
  readonly family: Family;
  readonly forms: readonly Form[];
}

const f = (arb: fc.Arbitrary<Arg[]>, needs?: Feature): Form => ({ arb, needs });

const EXPIRY_OPTION = fc.oneof(word('nx'), word('xx'), word('gt'), word('lt'));
/** EXPIRE-family options: none (any engine), or one or two of NX/XX/GT/LT and an unknown word. */
function expireForms(unit: 's' | 'ms', abs: boolean): Form[] {
  return [
    f(args(key, ttl(unit, abs))),
    f(fc.tuple(key, ttl(unit, abs), fc.array(fc.oneof({ weight: 6, arbitrary: EXPIRY_OPTION }, { weight: 1, arbitrary: fc.constant('FOO') }), { minLength: 1, maxLength: 2 })).map(([k, t, o]) => [k, t, ...o]), 'expire-options'),
  ];
}

/** SET's options; the form needs 'set-options'. */
const SET_OPTION = [
  tok(word('nx')), tok(word('xx')), tok(word('get')), tok(word('keepttl')),
  tok(word('ex'), ttl('s', false)), tok(word('px'), ttl('ms', false)), tok(word('exat'), ttl('s', true)), tok(word('pxat'), ttl('ms', true)),
  tok(word('ex')),
];
const GETEX_OPTION = [
  tok(word('persist')), tok(word('ex'), ttl('s', false)), tok(word('px'), ttl('ms', false)), tok(word('exat'), ttl('s', true)), tok(word('pxat'), ttl('ms', true)),
  tok(fc.constant('FOO')),
];
const SCAN_OPTION = [
  tok(word('match'), fc.constantFrom('*', 'a*', '[ab]', '?')),
  tok(word('count'), fc.constantFrom('1', '2', '10', '0', '-1', 'x')),
  tok(word('type'), fc.constantFrom('string', 'STRING', 'list', 'none', 'nosuchtype')),
  tok(fc.constant('FOO')),
];
/** KEYS/SCAN MATCH patterns: globs with classes, ranges, negation, escapes and a binary byte. */
const PATTERN = fc.constantFrom('*', 'a', '?', '[ab]', '[^a]', '[a-b]', '[b-a]', 'a*', '*\xff*', '\\a', '[', 'x*', Buffer.from([0xff, 0x2a]));
const FLUSH_MODE = fc.constantFrom<Arg[]>([], ['ASYNC'], ['sync'], ['FOO'], ['ASYNC', 'SYNC']);

const sha1 = (body: string): string => createHash('sha1').update(body).digest('hex');

const WRITE_SCRIPTS = [
  "return redis.call('SET', KEYS[1], ARGV[1])",
  "return redis.call('INCR', KEYS[1])",
  "local v = redis.call('GET', KEYS[1]) if v then return redis.call('APPEND', KEYS[1], ARGV[1]) end return false",
  "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('INCRBY', KEYS[1], 2)",
  "return redis.pcall('INCR', KEYS[1])",
];
const READ_SCRIPTS = [
  "return redis.call('GET', KEYS[1])",
  "return {redis.call('EXISTS', KEYS[1]), redis.call('STRLEN', KEYS[1]), KEYS[1], ARGV[1]}",
  "return tonumber(redis.call('GET', KEYS[1]) or '0') * 1.5",
  "return redis.call('TTL', KEYS[1])",
];

/** Hash fields and set members: a few, so commands collide; integers (intset), text, binary, empty. */
const member = fc.constantFrom<Arg>('f', 'g', 'h', '1', '2', '-3', '', Buffer.from([0xff, 0x00]));
const members = (min: number, max: number) => fc.array(member, { minLength: min, maxLength: max });
/** Field/value words: pairs, and an odd count (a wrong-arity error). */
const fieldValues = fc.oneof(
  { weight: 5, arbitrary: fc.array(fc.tuple(member, value), { minLength: 1, maxLength: 3 }).map((p) => p.flat()) },
  { weight: 1, arbitrary: fc.tuple(member, value, member).map((a) => [...a]) },
);
/** Random counts: small magnitudes only (a huge negative count makes redis-server allocate until it dies). */
const randomCount = fc.constantFrom('0', '1', '2', '5', '-1', '-3', 'x', '-9223372036854775808', '9223372036854775807');
const MEMBER_SCAN_OPTION = [
  tok(word('match'), fc.constantFrom('*', 'f*', '[12]', '?')),
  tok(word('count'), fc.constantFrom('1', '2', '10', '0', 'x')),
  tok(fc.constantFrom('TYPE', 'FOO')),
];
const memberScan = fc.tuple(key, fc.constantFrom('0', '0', '0', 'x', ''), tokens(MEMBER_SCAN_OPTION, 2)).map(([k, c, o]) => [k, c, ...o]);
const setKeys = (min: number) => keys(min, 4);
/**
 * Stream ids: explicit or `ms-*` over a few milliseconds, so both servers
 * generate the same ids (`*` takes each server's clock), plus wrong ones.
 */
const STREAM_MS = fc.constantFrom('1', '2', '3', '5');
const streamId = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(STREAM_MS, fc.constantFrom('0', '1', '2')).map(([m, s]) => `${m}-${s}`) },
  { weight: 2, arbitrary: STREAM_MS.map((m) => `${m}-*`) },
  { weight: 1, arbitrary: fc.constantFrom('0-0', '0', '3', 'x', '-1', '18446744073709551615-18446744073709551615') },
);
const streamBound = fc.oneof(fc.constantFrom('-', '+', '(', 'x', '(-'), streamId.filter((s) => !s.endsWith('*')), streamId.filter((s) => !s.endsWith('*')).map((s) => `(${s}`));
const streamFields = fc.constantFrom<Arg[]>(['f', 'v'], ['f', ''], ['a', '1', 'b', '2'], ['f']);
/**
 * Exact trims only: what `~` removes depends on Redis's radix-tree node
 * layout, which valthree does not model (it trims `~` exactly; see
 * lambda/commands/streams/trim.ts). `~` appears only with a wrong LIMIT or
 * none of the strategy, where both answer the same error.
 */
const STREAM_TRIM = fc.constantFrom<Arg[]>(
  ['MAXLEN', '0'], ['MAXLEN', '1'], ['MAXLEN', '=', '2'], ['maxlen', '3'], ['MINID', '2'], ['MINID', '=', '3-1'], ['MAXLEN', '-1'], ['MAXLEN', 'x'],
  ['LIMIT', '2'], ['MAXLEN', '1', 'LIMIT', '1'], ['MAXLEN', '1', 'MINID', '1'], ['MINID', 'x'], ['MAXLEN', '~', '1', 'LIMIT', '-1'],
);
const streamCount = fc.constantFrom<Arg[]>([], ['COUNT', '1'], ['COUNT', '2'], ['count', '0'], ['COUNT', '-1'], ['COUNT', 'x'], ['COUNT']);

/** Every command the test knows how to send, by family. Names are lower case, as COMMAND LIST prints them. */
export const GENERATORS: Readonly<Record<string, CommandGenerator>> = {
  // strings
  get: { family: 'strings', forms: [f(args(key))] },
  set: { family: 'strings', forms: [f(args(key, value)), f(fc.tuple(key, value, tokens(SET_OPTION, 3)).map(([k, v, o]) => [k, v, ...o]), 'set-options')] },
  setnx: { family: 'strings', forms: [f(args(key, value))] },
  setex: { family: 'strings', forms: [f(args(key, ttl('s', false), value))] },
  psetex: { family: 'strings', forms: [f(args(key, ttl('ms', false), value))] },
  getset: { family: 'strings', forms: [f(args(key, value))] },
  getdel: { family: 'strings', forms: [f(args(key))] },
  getex: { family: 'strings', forms: [f(fc.tuple(key, tokens(GETEX_OPTION, 2)).map(([k, o]) => [k, ...o]))] },
  mget: { family: 'strings', forms: [f(keys(1, 5))] },
  mset: { family: 'strings', forms: [f(fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }).map((p) => p.flat())), f(args(key, value, key))] },
  msetnx: { family: 'strings', forms: [f(fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }).map((p) => p.flat())), f(args(key, value, key))] },
  append: { family: 'strings', forms: [f(args(key, value))] },
  strlen: { family: 'strings', forms: [f(args(key))] },
  substr: { family: 'strings', forms: [f(args(key, integer, integer))] },
  getrange: { family: 'strings', forms: [f(args(key, integer, integer)), f(args(key, fc.constantFrom('0', '1', '-3'), fc.constantFrom('-1', '2', '100')))] },
  setrange: { family: 'strings', forms: [f(args(key, fc.constantFrom('0', '1', '3', '10', '-1', 'x', '536870912'), value))] },
  lcs: {
    family: 'strings',
    forms: [
      f(fc.tuple(key, key, tokens([tok(word('len')), tok(word('idx')), tok(word('withmatchlen')), tok(word('minmatchlen'), fc.constantFrom('0', '1', '2', '-1', 'x'))], 3)).map(([a, b, o]) => [a, b, ...o])),
    ],
  },
  // counters
  incr: { family: 'counters', forms: [f(args(key))] },
  decr: { family: 'counters', forms: [f(args(key))] },
  incrby: { family: 'counters', forms: [f(args(key, integer))] },
  decrby: { family: 'counters', forms: [f(args(key, integer))] },
  incrbyfloat: { family: 'counters', forms: [f(args(key, float))] },
  // hashes
  hset: { family: 'hashes', forms: [f(fc.tuple(key, fieldValues).map(([k, fv]) => [k, ...fv]))] },
  hmset: { family: 'hashes', forms: [f(fc.tuple(key, fieldValues).map(([k, fv]) => [k, ...fv]))] },
  hsetnx: { family: 'hashes', forms: [f(args(key, member, value))] },
  hget: { family: 'hashes', forms: [f(args(key, member))] },
  hmget: { family: 'hashes', forms: [f(fc.tuple(key, members(1, 3)).map(([k, m]) => [k, ...m]))] },
  hdel: { family: 'hashes', forms: [f(fc.tuple(key, members(1, 3)).map(([k, m]) => [k, ...m]))] },
  hexists: { family: 'hashes', forms: [f(args(key, member))] },
  hlen: { family: 'hashes', forms: [f(args(key))] },
  hstrlen: { family: 'hashes', forms: [f(args(key, member))] },
  hgetall: { family: 'hashes', forms: [f(args(key))] },
  hkeys: { family: 'hashes', forms: [f(args(key))] },
  hvals: { family: 'hashes', forms: [f(args(key))] },
  hincrby: { family: 'hashes', forms: [f(args(key, member, integer))] },
  hincrbyfloat: { family: 'hashes', forms: [f(args(key, member, float))] },
  hrandfield: {
    family: 'hashes',
    forms: [f(args(key)), f(args(key, randomCount)), f(fc.tuple(key, randomCount, fc.constantFrom('WITHVALUES', 'withvalues', 'FOO')).map((a) => [...a]))],
  },
  hscan: { family: 'hashes', forms: [f(memberScan)] },
  // sets
  sadd: { family: 'sets', forms: [f(fc.tuple(key, members(1, 4)).map(([k, m]) => [k, ...m]))] },
  srem: { family: 'sets', forms: [f(fc.tuple(key, members(1, 3)).map(([k, m]) => [k, ...m]))] },
  smembers: { family: 'sets', forms: [f(args(key))] },
  sismember: { family: 'sets', forms: [f(args(key, member))] },
  smismember: { family: 'sets', forms: [f(fc.tuple(key, members(1, 3)).map(([k, m]) => [k, ...m]))] },
  scard: { family: 'sets', forms: [f(args(key))] },
  spop: { family: 'sets', forms: [f(args(key)), f(args(key, fc.constantFrom('0', '1', '2', '5', '-1', 'x')))] },
  srandmember: { family: 'sets', forms: [f(args(key)), f(args(key, randomCount))] },
  smove: { family: 'sets', forms: [f(args(key, key, member))] },
  sinter: { family: 'sets', forms: [f(setKeys(1))] },
  sunion: { family: 'sets', forms: [f(setKeys(1))] },
  sdiff: { family: 'sets', forms: [f(setKeys(1))] },
  sinterstore: { family: 'sets', forms: [f(setKeys(2))] },
  sunionstore: { family: 'sets', forms: [f(setKeys(2))] },
  sdiffstore: { family: 'sets', forms: [f(setKeys(2))] },
  sintercard: {
    family: 'sets',
    forms: [
      f(fc.tuple(setKeys(1), fc.constantFrom<Arg[]>([], ['LIMIT', '1'], ['limit', '0'], ['LIMIT', '-1'], ['LIMIT'], ['FOO'])).map(([ks, o]) => [String(ks.length), ...ks, ...o])),
      f(fc.constantFrom<Arg[]>(['0', 'a'], ['x', 'a'], ['3', 'a', 'b'])),
    ],
  },
  sscan: { family: 'sets', forms: [f(memberScan)] },
  // expiry
  expire: { family: 'expiry', forms: expireForms('s', false) },
  pexpire: { family: 'expiry', forms: expireForms('ms', false) },
  expireat: { family: 'expiry', forms: expireForms('s', true) },
  pexpireat: { family: 'expiry', forms: expireForms('ms', true) },
  ttl: { family: 'expiry', forms: [f(args(key))] },
  pttl: { family: 'expiry', forms: [f(args(key))] },
  expiretime: { family: 'expiry', forms: [f(args(key))] },
  pexpiretime: { family: 'expiry', forms: [f(args(key))] },
  persist: { family: 'expiry', forms: [f(args(key))] },
  // keyspace
  del: { family: 'keyspace', forms: [f(keys(1, 4))] },
  unlink: { family: 'keyspace', forms: [f(keys(1, 4))] },
  exists: { family: 'keyspace', forms: [f(keys(1, 4))] },
  touch: { family: 'keyspace', forms: [f(keys(1, 4))] },
  type: { family: 'keyspace', forms: [f(args(key))] },
  rename: { family: 'keyspace', forms: [f(args(key, key))] },
  renamenx: { family: 'keyspace', forms: [f(args(key, key))] },
  copy: {
    family: 'keyspace',
    forms: [
      f(fc.tuple(key, key, fc.constantFrom<Arg[]>([], ['REPLACE'], ['db', '0'], ['DB', '0', 'replace'], ['DB', '16'], ['DB', 'x'], ['DB'], ['FOO'])).map(([a, b, o]) => [a, b, ...o])),
      f(fc.tuple(key, key, dbIndex, fc.constantFrom<Arg[]>([], ['REPLACE'])).map(([a, b, d, o]) => [a, b, 'DB', d, ...o]), 'dbs'),
    ],
  },
  move: { family: 'keyspace', forms: [f(args(key, fc.constantFrom('0', '16', '-1', 'x'))), f(args(key, dbIndex), 'dbs')] },
  keys: { family: 'keyspace', forms: [f(args(PATTERN))] },
  // SCAN from cursor 0 only (or one that is not a number): any other cursor, -1 included (Redis reads it as 2^64-1), is the server's own business; the runner follows each server's cursors to the end.
  scan: { family: 'keyspace', forms: [f(fc.tuple(fc.constantFrom('0', '0', '0', 'x', ''), tokens(SCAN_OPTION, 3)).map(([c, o]) => [c, ...o]))] },
  randomkey: { family: 'keyspace', forms: [f(args())] },
  dbsize: { family: 'keyspace', forms: [f(args())] },
  object: {
    family: 'keyspace',
    forms: [
      f(fc.tuple(word('encoding'), key).map((a) => [...a])),
      f(fc.tuple(fc.constantFrom('REFCOUNT', 'idletime', 'FREQ', 'nosuch'), key).map((a) => [...a])),
      f(fc.constantFrom<Arg[]>(['ENCODING'], ['IDLETIME', 'a', 'b'])),
    ],
  },
  // scripting: scripts over the same keys, their reply conversions and errors (numkeys, a write from EVAL_RO, a compile error)
  eval: {
    family: 'scripting',
    forms: [
      f(fc.tuple(fc.constantFrom(...WRITE_SCRIPTS, ...READ_SCRIPTS), key, value).map(([s, k, v]) => [s, '1', k, v])),
      f(fc.constantFrom<Arg[]>(['return 1', '-1'], ['return 1', '2', 'a'], ['return 1', 'x'], ['return +', '0'], ['return {1, 2.9, -3.5, true, false, nil, 5}', '0'])),
    ],
  },
  // EVALSHA of a script either server may or may not have cached yet (EVAL and SCRIPT LOAD fill both caches alike), and of one neither has.
  evalsha: { family: 'scripting', forms: [f(fc.tuple(fc.constantFrom(...[...WRITE_SCRIPTS, ...READ_SCRIPTS].map(sha1), 'ffffffffffffffffffffffffffffffffffffffff'), key, value).map(([s, k, v]) => [s, '1', k, v]))] },
  evalsha_ro: { family: 'scripting', forms: [f(fc.tuple(fc.constantFrom(...[...READ_SCRIPTS, WRITE_SCRIPTS[0]].map(sha1), 'ffffffffffffffffffffffffffffffffffffffff'), key, value).map(([s, k, v]) => [s, '1', k, v]))] },
  eval_ro: { family: 'scripting', forms: [f(fc.tuple(fc.constantFrom(...READ_SCRIPTS, WRITE_SCRIPTS[0]), key, value).map(([s, k, v]) => [s, '1', k, v]))] },
  script: { family: 'scripting', forms: [f(fc.constantFrom<Arg[]>(['LOAD', 'return 1'], ['load', 'return redis.call("GET", KEYS[1])'], ['LOAD', 'return +'], ['NOSUCH']))] },
  // transactions: MULTI … EXEC over the same keys, with WATCH on this connection (changes by itself abort), errors while queuing (EXECABORT) and at run time
  multi: { family: 'transactions', forms: [f(args())] },
  exec: { family: 'transactions', forms: [f(args())] },
  discard: { family: 'transactions', forms: [f(args())] },
  watch: { family: 'transactions', forms: [f(keys(1, 3))] },
  unwatch: { family: 'transactions', forms: [f(args())] },
  // server
  flushdb: { family: 'server', forms: [f(FLUSH_MODE)] },
  flushall: { family: 'server', forms: [f(FLUSH_MODE)] },
  swapdb: { family: 'server', forms: [f(fc.constantFrom<Arg[]>(['0', '0'], ['0', '16'], ['x', '0'], ['0', '-1'])), f(fc.tuple(fc.constantFrom('0', '1', '2'), fc.constantFrom('0', '1', '2')).map((a) => [...a]), 'dbs')] },
  time: { family: 'server', forms: [f(args())] },
  // WAIT never with a timeout of 0 and replicas > 0: Redis would block for ever (there are no replicas).
  wait: { family: 'server', forms: [f(fc.constantFrom<Arg[]>(['0', '0'], ['0', '10'], ['1', '5'], ['x', '0'], ['0', '-1'], ['0', 'x']))] },
  // streams (XREAD BLOCK only for a millisecond: Redis would wait the whole timeout)
  xadd: {
    family: 'streams',
    forms: [
      f(fc.tuple(key, streamId, streamFields).map(([k, id, fs]) => [k, id, ...fs])),
      f(fc.tuple(key, fc.constantFrom<Arg[]>([], ['NOMKSTREAM'], ['nomkstream']), STREAM_TRIM, streamId, streamFields).map(([k, n, t, id, fs]) => [k, ...n, ...t, id, ...fs])),
    ],
  },
  xlen: { family: 'streams', forms: [f(args(key))] },
  xrange: { family: 'streams', forms: [f(fc.tuple(key, streamBound, streamBound, streamCount).map(([k, a, b, c]) => [k, a, b, ...c]))] },
  xrevrange: { family: 'streams', forms: [f(fc.tuple(key, streamBound, streamBound, streamCount).map(([k, a, b, c]) => [k, a, b, ...c]))] },
  xdel: { family: 'streams', forms: [f(fc.tuple(key, fc.array(streamId, { minLength: 1, maxLength: 3 })).map(([k, ids]) => [k, ...ids]))] },
  xtrim: { family: 'streams', forms: [f(fc.tuple(key, STREAM_TRIM).map(([k, t]) => [k, ...t])), f(fc.tuple(key, fc.constantFrom<Arg[]>([], ['FOO'], ['MAXLEN', '1', 'FOO'])).map(([k, t]) => [k, ...t]))] },
  xread: {
    family: 'streams',
    forms: [
      f(
        fc
          .tuple(fc.constantFrom<Arg[]>([], ['COUNT', '1'], ['count', '0'], ['BLOCK', '1'], ['COUNT', 'x'], ['BLOCK', '-1'], ['NOACK'], ['FOO']), keys(1, 2), fc.constantFrom('0', '$', '1-1', '2', 'x', '>'))
          .map(([o, ks, id]) => [...o, 'STREAMS', ...ks, ...ks.map(() => id)]),
      ),
      f(fc.tuple(keys(1, 3)).map(([ks]) => ['STREAMS', ...ks])),
    ],
  },
  // connection
  select: { family: 'connection', forms: [f(fc.constantFrom<Arg[]>(['0'])), f(args(badDb)), f(args(dbIndex), 'dbs')] },
  ping: { family: 'connection', forms: [f(fc.constantFrom<Arg[]>([])), f(args(value))] },
  echo: { family: 'connection', forms: [f(args(value))] },
  ...LIST_GENERATORS, ...ZSET_GENERATORS,
};

export interface Step {
  /** The command name as sent (its case varies). */
  readonly name: string;
  readonly args: readonly Arg[];
}

/** An argument as a redis-cli user would type it (binary bytes escaped). */
export function showArg(a: Arg): string {
  if (isTtl(a)) return `<${a.abs ? 'at ' : ''}${a.ttl}${a.ttl === 'long' ? ` ${a.base}s+step` : ''} ${a.unit}>`;
  const s = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
  const printable = [...s].every((b) => b > 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c);
  if (printable && s.length > 0) return s.toString('latin1');
  return `"${[...s].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('')}"`;
}

export function showStep(s: Step): string {
  return [s.name, ...s.args.map(showArg)].join(' ');
}

/** Argument bytes: strings are sent as latin1, so '\xff' in a pattern is the byte 0xff. */
export function argBytes(a: string | Buffer): Buffer {
  return typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
}
