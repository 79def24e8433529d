/**
 * Every way a valthree reply may differ from redis-server's and still pass
 * the differential test, each with its reason. Everything not listed here is
 * compared byte for byte: the whole RESP reply, so its type too (`$-1` is not
 * `*-1`, `:1` is not `+1`).
 *
 * Two kinds of entries:
 * - `nondeterministic`: Redis does not answer these the same way twice
 *   (time, iteration order, randomness, when it reclaims expired keys), so
 *   the reply is compared in a normalised form. These are not differences of
 *   valthree's; they would be needed to compare two redis-servers (the test
 *   suite does exactly that to prove the normalisations are enough).
 * - `deliberate`: valthree answers differently on purpose (a different
 *   number representation, a different memory layout, or it follows Redis
 *   7.2 / Valkey where 7.0.15, the reference here, differs).
 *
 * Commands valthree has not implemented are not allow-listed: the generator
 * only sends commands valthree lists in COMMAND LIST, and only the option
 * forms whose feature probe passed (commands.ts).
 *
 * An error reply is never normalised: if either side answers an error, both
 * must answer the same error.
 */
import type { Resp } from '../support/resp-client';
import type { Feature } from './commands';
import { formatScore, parseScore } from '../../lambda/commands/zsets/score';

export interface Observed {
  readonly resp: Resp;
  /** The reply's bytes exactly as the server sent them. */
  readonly raw: Buffer;
}

export type SideName = 'valthree' | 'redis';

export interface CompareContext {
  /** The command as sent (argv[0] is its name, in the case it was sent). */
  readonly argv: readonly Buffer[];
  readonly ours: Observed;
  readonly theirs: Observed;
  /** Sends a follow-up command on one side's connection (SCAN's next cursor, an EXISTS check). */
  call(side: SideName, ...args: (string | Buffer)[]): Promise<Observed>;
  /** An earlier step gave a key an expiry that has passed (so a server may still hold the expired key). */
  readonly expiredKeysPossible: boolean;
  readonly features: ReadonlySet<Feature>;
  /** Commands valthree lists in COMMAND LIST. */
  readonly listed: ReadonlySet<string>;
  /** The key pool: every key a sequence can create. */
  readonly keys: readonly Buffer[];
}

/** null: the replies agree; otherwise why they do not. */
export type Verdict = string | null;

export interface Allowance {
  readonly id: string;
  readonly kind: 'nondeterministic' | 'deliberate';
  /** Command names (lower case; `object|encoding` for a subcommand). */
  readonly commands: readonly string[];
  readonly reason: string;
  /** Narrows the entry to some forms of its commands (the first entry that applies is used). */
  applies?(argv: readonly Buffer[]): boolean;
  compare(ctx: CompareContext): Promise<Verdict>;
}

// ---- helpers ----

/** Commands whose replies carry scores. */
const SCORE_COMMANDS = ['zscore', 'zmscore', 'zincrby', 'zadd', 'zrange', 'zrangebyscore', 'zrevrangebyscore', 'zrevrange', 'zpopmin', 'zpopmax', 'bzpopmin', 'bzpopmax', 'zmpop', 'bzmpop', 'zrandmember', 'zscan', 'zunion', 'zinter', 'zdiff'];

/**
 * `ours` is `theirs` with some scores printed as %.17g (7.0.15) where
 * `theirs` printed the shortest round-trip text (7.2): the same tree, and
 * each differing bulk or RESP3 double is one double in both forms.
 */
export function scoresPrintedAs72(ours: Observed, theirs: Observed): boolean {
  const shortest = (x: number): string => (x === Infinity ? 'inf' : x === -Infinity ? '-inf' : String(x));
  const pairs: [string, string][] = [];
  const walk = (a: Resp, b: Resp): boolean => {
    if (a.t !== b.t) return false;
    if (a.t === 'bulk' && b.t === 'bulk') {
      if (a.v.equals(b.v)) return true;
      const x = parseScore(a.v);
      return x !== null && a.v.toString('latin1') === formatScore(x) && b.v.toString('latin1') === shortest(x);
    }
    if (a.t === 'double' && b.t === 'double') {
      if (!Object.is(a.v, b.v)) return false;
      pairs.push([`,${formatScore(a.v)}\r\n`, `,${shortest(b.v)}\r\n`]);
      return true;
    }
    if ((a.t === 'array' || a.t === 'set' || a.t === 'push') && (b.t === 'array' || b.t === 'set' || b.t === 'push')) return a.v.length === b.v.length && a.v.every((x, i) => walk(x, b.v[i]));
    if (a.t === 'map' && b.t === 'map') return a.v.length === b.v.length && a.v.every(([k, v], i) => walk(k, b.v[i][0]) && walk(v, b.v[i][1]));
    return show(a) === show(b);
  };
  if (!walk(ours.resp, theirs.resp)) return false;
  // A RESP3 double keeps no text in the parsed tree: each must appear in its form on its side.
  return pairs.every(([o, t]) => ours.raw.includes(o) && theirs.raw.includes(t));
}

export function show(r: Resp): string {
  switch (r.t) {
    case 'bulk':
    case 'verbatim':
      return JSON.stringify(r.v.toString('latin1'));
    case 'simple':
      return `+${r.v}`;
    case 'error':
      return `-${r.v}`;
    case 'int':
      return `:${r.v}`;
    case 'null':
      return 'nil';
    case 'array':
    case 'set':
    case 'push':
      return `${r.t === 'array' ? '' : r.t}[${r.v.map(show).join(', ')}]`;
    case 'map':
      return `{${r.v.map(([k, v]) => `${show(k)}: ${show(v)}`).join(', ')}}`;
    default:
      return `${r.t}:${String(r.v)}`;
  }
}

export function exact(ours: Observed, theirs: Observed): Verdict {
  return ours.raw.equals(theirs.raw) ? null : `valthree ${show(ours.resp)} (${JSON.stringify(ours.raw.toString('latin1'))}) ≠ redis ${show(theirs.resp)} (${JSON.stringify(theirs.raw.toString('latin1'))})`;
}

const isError = (o: Observed) => o.resp.t === 'error';

/** Replies of the same RESP type (the raw type byte: `$` vs `*` for nil too). */
function sameType(ctx: CompareContext): Verdict {
  return ctx.ours.raw[0] === ctx.theirs.raw[0] ? null : `reply types differ: ${exact(ctx.ours, ctx.theirs)}`;
}

function integers(ctx: CompareContext): [bigint, bigint] | Verdict {
  const { ours, theirs } = ctx;
  // Not two integers (nil, say): then they must be the same reply.
  if (ours.resp.t !== 'int' || theirs.resp.t !== 'int') return exact(ours, theirs);
  return [ours.resp.v, theirs.resp.v];
}

/** Integers that agree exactly when either is negative (the -1/-2 answers), else within `tolerance`. */
/**
 * A deadline past 2^53 ms (year 287396) is kept as 2^53 − 1 in db.json (exact
 * JSON numbers): it never comes on either server, but its TTL reads lower
 * than Redis's. Both past 2^52 ms (in the reply's unit) counts as the same.
 */
const FAR_FUTURE_MS = 2n ** 52n;

function within(tolerance: bigint, unitMs: bigint) {
  return async (ctx: CompareContext): Promise<Verdict> => {
    const n = integers(ctx);
    if (!Array.isArray(n)) return n;
    const [a, b] = n;
    if (a < 0n || b < 0n) return a === b ? null : exact(ctx.ours, ctx.theirs);
    if (a * unitMs >= FAR_FUTURE_MS && b * unitMs >= FAR_FUTURE_MS) return null;
    const d = a > b ? a - b : b - a;
    return d <= tolerance ? null : `valthree ${a}, redis ${b}: more than ${tolerance} apart`;
  };
}

function bulks(r: Resp): Buffer[] | null {
  if (r.t !== 'array' && r.t !== 'set') return null;
  const out: Buffer[] = [];
  for (const x of r.v) {
    if (x.t !== 'bulk') return null;
    out.push(x.v);
  }
  return out;
}

const sortedHex = (bs: Buffer[]) => [...new Set(bs.map((b) => b.toString('hex')))].sort();
const showKeys = (hex: string[]) => `[${hex.map((h) => JSON.stringify(Buffer.from(h, 'hex').toString('latin1'))).join(', ')}]`;

/** SCAN to the end from the first reply, following this side's own cursors; the keys seen, or why the reply is malformed. */
async function scanAll(ctx: CompareContext, side: SideName, first: Observed): Promise<Buffer[] | string> {
  const rest = ctx.argv.slice(2);
  const keys: Buffer[] = [];
  let reply = first.resp;
  for (let round = 0; ; round++) {
    if (reply.t !== 'array' || reply.v.length !== 2 || reply.v[0].t !== 'bulk') return `${side}: SCAN reply is not [cursor, keys]: ${show(reply)}`;
    const page = bulks(reply.v[1]);
    if (page === null || reply.v[1].t !== 'array') return `${side}: SCAN keys are not an array of bulk strings: ${show(reply)}`;
    keys.push(...page);
    const cursor = reply.v[0].v.toString('latin1');
    if (cursor === '0') return keys;
    if (round > 1000) return `${side}: SCAN did not finish in 1000 calls`;
    reply = (await ctx.call(side, ctx.argv[0], cursor, ...rest)).resp;
  }
}

const num = (r: Resp): number | null => (r.t === 'bulk' && /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(r.v.toString('latin1')) ? Number(r.v.toString('latin1')) : null);

/** The key OBJECT ENCODING asked about holds a decimal integer on valthree's side. */
async function readsAsInteger(ctx: CompareContext): Promise<boolean> {
  const key = ctx.argv[2];
  if (!key) return false;
  const v = await ctx.call('valthree', 'GET', key);
  return v.resp.t === 'bulk' && /^-?[0-9]{1,19}$/.test(v.resp.v.toString('latin1'));
}

/** A reply's items as sorted hex, pairs kept together for HGETALL (a map on RESP3, a flat array on RESP2); null when not a list of bulks. */
function itemsOf(r: Resp, paired: boolean): string[] | null {
  if (r.t === 'map') return r.v.map(([k, v]) => (k.t === 'bulk' && v.t === 'bulk' ? `${k.v.toString('hex')}:${v.v.toString('hex')}` : '?')).sort();
  const flat = bulks(r);
  if (flat === null) return null;
  if (!paired) return flat.map((b) => b.toString('hex')).sort();
  const out: string[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push(`${flat[i].toString('hex')}:${flat[i + 1].toString('hex')}`);
  return out.sort();
}

/** HSCAN/SSCAN to the end from the first reply, following this side's cursors; the items seen (HSCAN: field:value). */
async function scanMembersAll(ctx: CompareContext, side: SideName, first: Observed): Promise<string[] | string> {
  const [name, key, , ...rest] = ctx.argv;
  const paired = name.toString('latin1').toLowerCase() === 'hscan';
  const items: string[] = [];
  let reply = first.resp;
  for (let round = 0; ; round++) {
    if (reply.t !== 'array' || reply.v.length !== 2 || reply.v[0].t !== 'bulk' || reply.v[1].t !== 'array') return `${side}: not [cursor, items]: ${show(reply)}`;
    const page = itemsOf(reply.v[1], paired);
    if (page === null) return `${side}: items are not bulk strings: ${show(reply)}`;
    items.push(...page);
    const cursor = reply.v[0].v.toString('latin1');
    if (cursor === '0') return [...new Set(items)].sort();
    if (round > 1000) return `${side}: did not finish in 1000 calls`;
    reply = (await ctx.call(side, name, key, cursor, ...rest)).resp;
  }
}

/** Whether HRANDFIELD / SRANDMEMBER's count argument asks for distinct members (positive) and how many. */
function randomCount(argv: readonly Buffer[]): { count: number; distinct: boolean } | null {
  if (argv.length < 3) return null;
  const n = Number(argv[2].toString('latin1'));
  return { count: Math.abs(n), distinct: n >= 0 };
}

// ---- the list ----

export const ALLOW_LIST: readonly Allowance[] = [
  // nondeterministic: time
  {
    id: 'expiry-timing',
    kind: 'nondeterministic',
    commands: ['ttl', 'expiretime'],
    reason:
      'A TTL is read some milliseconds apart on the two servers, and rounded to seconds: ±1 s. -1 (no expiry) and -2 (no key) are exact. (And deliberate: a deadline past 2^53 ms is kept as 2^53 − 1.)',
    compare: within(1n, 1000n),
  },
  {
    id: 'expiry-timing-ms',
    kind: 'nondeterministic',
    commands: ['pttl', 'pexpiretime'],
    reason:
      'The two servers set and read a deadline a few milliseconds apart (each server gets the command when the other has answered, on a busy machine): within 500 ms. -1 and -2 are exact. (And deliberate: a deadline past 2^53 ms is kept as 2^53 − 1.)',
    compare: within(500n, 1n),
  },
  {
    id: 'time',
    kind: 'nondeterministic',
    commands: ['time'],
    reason: 'TIME is the clock: two bulk strings, unix seconds within 2 s of each other, microseconds below 1000000.',
    async compare(ctx) {
      const t = sameType(ctx);
      if (t) return t;
      const parts = [bulks(ctx.ours.resp), bulks(ctx.theirs.resp)];
      const [a, b] = parts.map((p) => (p?.length === 2 && p.every((x) => /^\d+$/.test(x.toString('latin1'))) ? p.map((x) => Number(x.toString('latin1'))) : null));
      if (!a || !b) return `TIME replies are not two integer bulks: ${exact(ctx.ours, ctx.theirs)}`;
      if (a[1] >= 1e6) return `valthree's microseconds ${a[1]} ≥ 1000000`;
      return Math.abs(a[0] - b[0]) <= 2 ? null : `TIME seconds ${a[0]} vs ${b[0]}`;
    },
  },
  {
    id: 'object-idletime',
    kind: 'nondeterministic',
    commands: ['object|idletime'],
    reason:
      "Seconds since the key was last read or written, on Redis's LRU clock (one-second resolution): within 2. A small integer (0–9999) is one object Redis shares among all keys holding it (OBJECT REFCOUNT answers 2147483647), so its idle time is that of whichever key touched it last: then any idle time is accepted.",
    async compare(ctx) {
      const verdict = await within(2n, 1000n)(ctx);
      if (verdict === null || ctx.ours.resp.t !== 'int' || ctx.ours.resp.v < 0n) return verdict;
      // OBJECT REFCOUNT does not touch the key (as OBJECT IDLETIME does not).
      const refcount = (await ctx.call('redis', 'OBJECT', 'REFCOUNT', ctx.argv[2])).resp;
      return refcount.t === 'int' && refcount.v === 2147483647n ? null : verdict;
    },
  },
  // nondeterministic: order and randomness
  {
    id: 'keys-order',
    kind: 'nondeterministic',
    commands: ['keys'],
    reason: 'KEYS lists keys in hash-table order: compared as sets (same RESP type, same keys).',
    async compare(ctx) {
      const t = sameType(ctx);
      if (t) return t;
      const [a, b] = [bulks(ctx.ours.resp), bulks(ctx.theirs.resp)];
      if (!a || !b) return exact(ctx.ours, ctx.theirs);
      const [x, y] = [sortedHex(a), sortedHex(b)];
      if (a.length !== x.length) return `valthree's KEYS repeats a key: ${show(ctx.ours.resp)}`;
      return x.join() === y.join() ? null : `KEYS valthree ${showKeys(x)} ≠ redis ${showKeys(y)}`;
    },
  },
  {
    id: 'scan-type-none',
    kind: 'deliberate',
    commands: ['scan'],
    reason:
      "Redis 7.0's SCAN … TYPE none returns expired keys it has not reclaimed yet: its type check looks the key up, which deletes it, so its expiry filter then misses it (whether the key is still there depends on Redis's active expire cycle). No live key has type none; valthree returns only live keys. After an expiry, valthree's keys must be a subset of Redis's; otherwise as scan-order.",
    applies: (argv) => argv.some((a, i) => i > 1 && a.toString('latin1').toLowerCase() === 'type' && argv[i + 1]?.toString('latin1').toLowerCase() === 'none'),
    async compare(ctx) {
      const t = sameType(ctx);
      if (t) return t;
      const [a, b] = [await scanAll(ctx, 'valthree', ctx.ours), await scanAll(ctx, 'redis', ctx.theirs)];
      if (typeof a === 'string') return a;
      if (typeof b === 'string') return b;
      const [x, y] = [sortedHex(a), sortedHex(b)];
      const ok = ctx.expiredKeysPossible ? x.every((k) => y.includes(k)) : x.join() === y.join();
      return ok ? null : `SCAN … TYPE none to the end: valthree ${showKeys(x)}, redis ${showKeys(y)}`;
    },
  },
  {
    id: 'scan-order',
    kind: 'nondeterministic',
    commands: ['scan'],
    reason:
      "SCAN's cursors and pages are the server's own: each side is scanned to the end (cursor 0) with the same options, and the sets of keys compared (a key may come twice, as SCAN allows).",
    async compare(ctx) {
      const t = sameType(ctx);
      if (t) return t;
      const [a, b] = [await scanAll(ctx, 'valthree', ctx.ours), await scanAll(ctx, 'redis', ctx.theirs)];
      if (typeof a === 'string') return a;
      if (typeof b === 'string') return b;
      const [x, y] = [sortedHex(a), sortedHex(b)];
      return x.join() === y.join() ? null : `SCAN to the end: valthree ${showKeys(x)} ≠ redis ${showKeys(y)}`;
    },
  },
  {
    id: 'randomkey',
    kind: 'nondeterministic',
    commands: ['randomkey'],
    reason: 'RANDOMKEY is random: nil on both (an empty database) or, on both, a key that exists on both servers (checked with EXISTS when valthree has it).',
    async compare(ctx) {
      const t = sameType(ctx);
      if (t) return t;
      const { ours, theirs } = ctx;
      if (ours.resp.t === 'null' || theirs.resp.t === 'null') return ours.resp.t === theirs.resp.t ? null : exact(ours, theirs);
      if (ours.resp.t !== 'bulk' || theirs.resp.t !== 'bulk') return exact(ours, theirs);
      if (!ctx.listed.has('exists')) return null;
      const both = [ours.resp.v, theirs.resp.v];
      const answers = [await ctx.call('valthree', 'EXISTS', ...both), await ctx.call('redis', 'EXISTS', ...both)];
      const expected = `:2\r\n`;
      return answers.every((a) => a.raw.toString('latin1') === expected) ? null : `RANDOMKEY ${show(ours.resp)} / ${show(theirs.resp)}: EXISTS of both answers ${answers.map((a) => show(a.resp)).join(' / ')}, not 2 on each`;
    },
  },
  {
    id: 'zrandmember',
    kind: 'nondeterministic',
    commands: ['zrandmember'],
    reason:
      "ZRANDMEMBER is random: the same RESP type and length on both; every member returned is in the set on both servers with the score returned (ZMSCORE of them answers alike on both, no nil); a positive count repeats no member. A count at least the set's size returns the whole set in a fixed order: compared exactly.",
    async compare(ctx) {
      const exactly = exact(ctx.ours, ctx.theirs);
      if (exactly === null) return null;
      const t = sameType(ctx);
      if (t) return t;
      const { ours, theirs } = ctx;
      if (ours.resp.t === 'null' || theirs.resp.t === 'null') return exactly;
      const key = ctx.argv[1];
      const withScores = ctx.argv.length > 3;
      const members = (r: Resp): Buffer[] | null => {
        if (r.t === 'bulk') return [r.v];
        if (r.t !== 'array') return null;
        // RESP2 WITHSCORES is flat [m, s, m, s]; RESP3 nests [[m, s], ...].
        const flat = r.v.flatMap((x) => (x.t === 'array' ? x.v : [x]));
        const picked = withScores ? flat.filter((_, i) => i % 2 === 0) : flat;
        return picked.every((x) => x.t === 'bulk') ? picked.map((x) => (x as { v: Buffer }).v) : null;
      };
      const [a, b] = [members(ours.resp), members(theirs.resp)];
      if (!a || !b || a.length !== b.length) return exactly;
      const count = ctx.argv[2] ? Number(ctx.argv[2].toString('latin1')) : 1;
      if (count > 0 && new Set(a.map((m) => m.toString('hex'))).size !== a.length) return `valthree's ZRANDMEMBER ${count} repeats a member: ${show(ours.resp)}`;
      if (a.length === 0) return null;
      const [mine, reference] = [await ctx.call('valthree', 'ZMSCORE', key, ...a), await ctx.call('redis', 'ZMSCORE', key, ...a)];
      const missing = mine.resp.t !== 'array' || mine.resp.v.some((x) => x.t === 'null');
      return !missing && mine.raw.equals(reference.raw) ? null : `ZRANDMEMBER ${show(ours.resp)}: ZMSCORE of them answers ${show(mine.resp)} on valthree, ${show(reference.resp)} on redis`;
    },
  },
  {
    id: 'dbsize-unreclaimed',
    kind: 'nondeterministic',
    commands: ['dbsize'],
    reason:
      "DBSIZE counts expired keys the server has not removed yet; Redis removes them on access and in its active expire cycle (every 100 ms), valthree on a write. After an expiry has passed, any count from the live keys (EXISTS of the pool) up to the pool's size is accepted; otherwise exact.",
    async compare(ctx) {
      const exactly = exact(ctx.ours, ctx.theirs);
      if (exactly === null || !ctx.expiredKeysPossible || !ctx.listed.has('exists')) return exactly;
      const n = integers(ctx);
      if (!Array.isArray(n)) return n;
      const live = (await ctx.call('redis', 'EXISTS', ...ctx.keys)).resp;
      if (live.t !== 'int') return exactly;
      const ok = (x: bigint) => x >= live.v && x <= BigInt(ctx.keys.length);
      return ok(n[0]) && ok(n[1]) ? null : `${exactly}; ${live.v} keys live`;
    },
  },
  {
    id: 'member-order',
    kind: 'nondeterministic',
    commands: ['hgetall', 'hkeys', 'hvals', 'smembers', 'sinter', 'sunion', 'sdiff'],
    reason: 'Fields and members come in hash-table (or chunk) order: compared as sets (same RESP type, same items; HGETALL as field/value pairs).',
    async compare(ctx) {
      const t = sameType(ctx);
      if (t) return t;
      const paired = ctx.argv[0].toString('latin1').toLowerCase() === 'hgetall';
      const [a, b] = [itemsOf(ctx.ours.resp, paired), itemsOf(ctx.theirs.resp, paired)];
      if (!a || !b) return exact(ctx.ours, ctx.theirs);
      return a.join() === b.join() ? null : `as sets: valthree ${show(ctx.ours.resp)} ≠ redis ${show(ctx.theirs.resp)}`;
    },
  },
  {
    id: 'member-scan',
    kind: 'nondeterministic',
    commands: ['hscan', 'sscan'],
    reason: "HSCAN/SSCAN cursors are the server's own: each side is scanned to the end with the same options and the items compared as sets (small aggregates come whole with cursor 0 on both).",
    async compare(ctx) {
      const t = sameType(ctx);
      if (t) return t;
      const [a, b] = [await scanMembersAll(ctx, 'valthree', ctx.ours), await scanMembersAll(ctx, 'redis', ctx.theirs)];
      if (typeof a === 'string') return a;
      if (typeof b === 'string') return b;
      return a.join() === b.join() ? null : `scanned to the end: valthree ${a.join(' ')} ≠ redis ${b.join(' ')}`;
    },
  },
  {
    id: 'random-members',
    kind: 'nondeterministic',
    commands: ['hrandfield', 'srandmember'],
    reason:
      "Random picks: the same RESP type and number of items on both; each item valthree picked is a member of the key on valthree (and with WITHVALUES carries the field's value), distinct for a positive count. A count covering the whole aggregate returns all of it: compared as sets.",
    async compare(ctx) {
      const t = sameType(ctx);
      if (t) return t;
      const { ours, theirs, argv } = ctx;
      if (ours.resp.t === 'null' || theirs.resp.t === 'null') return ours.resp.t === theirs.resp.t ? null : exact(ours, theirs);
      const hash = argv[0].toString('latin1').toLowerCase() === 'hrandfield';
      const withValues = hash && argv.length > 3;
      const flat = (r: Resp): Resp[] => (r.t === 'array' ? r.v.flatMap((x) => (x.t === 'array' ? x.v : [x])) : [r]);
      const [mine, their] = [flat(ours.resp), flat(theirs.resp)];
      if (mine.length !== their.length) return `${mine.length} items ≠ redis ${their.length}: ${exact(ours, theirs)}`;
      const step = withValues ? 2 : 1;
      const seen = new Set<string>();
      for (let i = 0; i < mine.length; i += step) {
        const m = mine[i];
        if (m.t !== 'bulk') return exact(ours, theirs);
        seen.add(m.v.toString('hex'));
        const check = hash ? await ctx.call('valthree', 'HGET', argv[1], m.v) : await ctx.call('valthree', 'SISMEMBER', argv[1], m.v);
        if (check.resp.t === 'null' || (check.resp.t === 'int' && check.resp.v === 0n)) return `valthree picked ${show(m)}, not a member`;
        if (withValues && (check.resp.t !== 'bulk' || mine[i + 1].t !== 'bulk' || !check.resp.v.equals((mine[i + 1] as { v: Buffer }).v))) return `valthree paired ${show(m)} with the wrong value`;
      }
      const c = randomCount(argv);
      if (c?.distinct && seen.size !== mine.length / step) return `valthree repeated a member for a positive count: ${show(ours.resp)}`;
      return null;
    },
  },
  {
    id: 'spop',
    kind: 'nondeterministic',
    commands: ['spop'],
    reason:
      "SPOP removes random members, so the two sets then differ: the replies must have the same type and size, and valthree's set is re-synced (SADD back what it popped, SREM what Redis popped); the two sets must then be equal, which also shows valthree popped real members.",
    async compare(ctx) {
      const t = sameType(ctx);
      if (t) return t;
      const { ours, theirs, argv } = ctx;
      if (ours.resp.t === 'null' || theirs.resp.t === 'null') return ours.resp.t === theirs.resp.t ? null : exact(ours, theirs);
      const items = (r: Resp): Buffer[] | null => (r.t === 'bulk' ? [r.v] : bulks(r));
      const [a, b] = [items(ours.resp), items(theirs.resp)];
      if (!a || !b || a.length !== b.length) return exact(ours, theirs);
      if (sortedHex(a).join() === sortedHex(b).join()) return null;
      if (a.length > 0) await ctx.call('valthree', 'SADD', argv[1], ...a);
      if (b.length > 0) await ctx.call('valthree', 'SREM', argv[1], ...b);
      const [x, y] = [await ctx.call('valthree', 'SMEMBERS', argv[1]), await ctx.call('redis', 'SMEMBERS', argv[1])];
      const [sx, sy] = [bulks(x.resp), bulks(y.resp)];
      return sx && sy && sortedHex(sx).join() === sortedHex(sy).join() ? null : `after SPOP and re-sync: valthree ${show(x.resp)} ≠ redis ${show(y.resp)}`;
    },
  },
  // deliberate
  {
    id: 'hincrbyfloat-long-double',
    kind: 'deliberate',
    commands: ['hincrbyfloat'],
    reason:
      "As incrbyfloat-long-double: Redis's long double against valthree's emulation; compared as numbers within 1e-12 relative, and valthree's field re-synced to Redis's text (HSET) when the texts differ.",
    async compare(ctx) {
      const exactly = exact(ctx.ours, ctx.theirs);
      if (exactly === null || isError(ctx.ours) || isError(ctx.theirs)) return exactly;
      const [a, b] = [num(ctx.ours.resp), num(ctx.theirs.resp)];
      if (a === null || b === null) return exactly;
      if (Math.abs(a - b) > 1e-12 * Math.max(Math.abs(a), Math.abs(b))) return `${exactly}: more than 1e-12 apart`;
      const set = await ctx.call('valthree', 'HSET', ctx.argv[1], ctx.argv[2], (ctx.theirs.resp as { v: Buffer }).v);
      return set.resp.t === 'int' ? null : `re-syncing the field after HINCRBYFLOAT failed: ${show(set.resp)}`;
    },
  },
  {
    id: 'incrbyfloat-long-double',
    kind: 'deliberate',
    commands: ['incrbyfloat'],
    reason:
      "Redis computes INCRBYFLOAT in long double (80-bit on x86) and prints 17 significant digits; valthree's engine computes in JavaScript numbers, so the last digits may differ (0.1 + 0.2). Replies are compared as numbers within 1e-12 relative. When the texts differ, valthree's key is then set to Redis's text (keeping its TTL when SET has options) so that later steps compare the same state. Values beyond a double's range are finite long doubles in Redis; the generator never makes them.",
    async compare(ctx) {
      const exactly = exact(ctx.ours, ctx.theirs);
      if (exactly === null || isError(ctx.ours) || isError(ctx.theirs)) return exactly;
      const t = sameType(ctx);
      if (t) return t;
      const [a, b] = [num(ctx.ours.resp), num(ctx.theirs.resp)];
      if (a === null || b === null) return exactly;
      if (Math.abs(a - b) > 1e-12 * Math.max(Math.abs(a), Math.abs(b))) return `${exactly}: more than 1e-12 apart`;
      const redisText = (ctx.theirs.resp as { v: Buffer }).v;
      const keep = ctx.features.has('set-options') ? ['KEEPTTL'] : [];
      const set = await ctx.call('valthree', 'SET', ctx.argv[1], redisText, ...keep);
      return set.resp.t === 'simple' ? null : `re-syncing the key after INCRBYFLOAT failed: ${show(set.resp)}`;
    },
  },
  {
    id: 'object-encoding-string',
    kind: 'deliberate',
    commands: ['object|encoding'],
    reason:
      "Aggregates: Redis keeps a hash or set it once converted to 'hashtable' (a zset to 'skiplist') so after members are removed; valthree answers from the contents, as Redis would after a reload, so its 'intset'/'listpack' against Redis's 'hashtable'/'skiplist' is accepted (never the other way). Strings: " +
      "Whether a string is 'embstr' or 'raw' is Redis's memory layout (the embstr limit is 44 bytes in Redis 7.0, and differs in Valkey 8, where the key is embedded too); valthree has no such layout and derives the encoding from the value, so a number INCRBYFLOAT wrote ('250') is 'int' here where Redis keeps the string it formatted. 'embstr', 'raw' and 'int' of such a value count as the same; nil is exact.",
    async compare(ctx) {
      // Redis converts an aggregate's compact encoding to the big one and never back while the key lives; valthree answers by contents (as a reload would).
      const text = (o: Observed) => (o.resp.t === 'bulk' ? o.resp.v.toString('latin1') : '');
      const oneWay: Record<string, string> = { intset: 'hashtable', listpack: 'hashtable' };
      if (oneWay[text(ctx.ours)] === text(ctx.theirs) || (text(ctx.ours) === 'listpack' && text(ctx.theirs) === 'skiplist')) return null;
      const layout = (o: Observed) => o.resp.t === 'bulk' && ['raw', 'embstr', 'int'].includes(o.resp.v.toString('latin1'));
      if (layout(ctx.ours) && layout(ctx.theirs) && ctx.ours.resp.t === 'bulk' && ctx.theirs.resp.t === 'bulk') {
        const [a, b] = [ctx.ours.resp.v.toString('latin1'), ctx.theirs.resp.v.toString('latin1')];
        // 'int' against a string layout only for a value that reads as an integer (INCRBYFLOAT's).
        if (a === b || (a !== 'int' && b !== 'int') || (await readsAsInteger(ctx))) return null;
      }
      const norm = (o: Observed) => (o.resp.t === 'bulk' && o.resp.v.toString('latin1') === 'raw' ? Buffer.from(o.raw.toString('latin1').replace('$3\r\nraw', '$6\r\nembstr'), 'latin1') : o.raw);
      return norm(ctx.ours).equals(norm(ctx.theirs)) ? null : exact(ctx.ours, ctx.theirs);
    },
  },
  {
    id: 'score-format-7.2',
    kind: 'deliberate',
    commands: SCORE_COMMANDS,
    reason:
      "valthree prints scores as 7.0.15 does, with addReplyDouble's %.17g (ZSCORE of 0.1 answers 0.10000000000000001); Redis 7.2 and Valkey print the shortest text that reads back as the same double (0.1). Against 7.0.15 the replies are equal byte for byte and this entry never applies; against a 7.2 reference, a reply passes when it is the same tree and every score that differs is valthree's %.17g of the double whose shortest form the reference printed.",
    async compare(ctx) {
      return scoresPrintedAs72(ctx.ours, ctx.theirs) ? null : exact(ctx.ours, ctx.theirs);
    },
  },
  {
    id: 'object-refcount',
    kind: 'deliberate',
    commands: ['object|refcount'],
    reason:
      "Redis shares the objects of small integers (0–9999): their refcount is 2147483647, others 1. That is Redis's memory layout; valthree answers an integer for an existing key, nil for a missing one (both as in Redis).",
    async compare(ctx) {
      const { ours, theirs } = ctx;
      if (ours.resp.t === 'int' && theirs.resp.t === 'int') return null;
      return exact(ours, theirs);
    },
  },
];

/**
 * Commands valthree has that redis-server 7.0.15, the reference, does not:
 * they cannot be compared here, so the generator leaves them out (each is
 * tested against its own specification in the engine's unit tests).
 */
export const NOT_IN_REFERENCE: Readonly<Record<string, string>> = {
  waitaof: 'Redis 7.2 (WAITAOF numlocal numreplicas timeout); 7.0.15 answers unknown command',
};

/** The allowance for a command, by name (and subcommand for OBJECT), or undefined: compared exactly. */
export function allowanceFor(argv: readonly Buffer[]): Allowance | undefined {
  const name = argv[0].toString('latin1').toLowerCase();
  const full = name === 'object' && argv.length > 1 ? `object|${argv[1].toString('latin1').toLowerCase()}` : name;
  return ALLOW_LIST.find((a) => a.commands.includes(full) && (a.applies?.(argv) ?? true));
}

/** Compares one step's replies: an error on either side, or a command with no allowance, byte for byte. */
export async function compareReplies(ctx: CompareContext): Promise<Verdict> {
  const allowance = allowanceFor(ctx.argv);
  if (!allowance || isError(ctx.ours) || isError(ctx.theirs)) return exact(ctx.ours, ctx.theirs);
  // The same bytes agree whatever the entry expects: a command queued inside
  // MULTI answers +QUEUED on both sides, not the reply its entry reads.
  if (ctx.ours.raw.equals(ctx.theirs.raw)) return null;
  const verdict = await allowance.compare(ctx);
  return verdict === null ? null : `${verdict} [allow-list entry '${allowance.id}' applied]`;
}
