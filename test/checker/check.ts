/**
 * Linearizability (= strict serializability of single-command transactions)
 * of a valthree history against a map of registers, checked key by key.
 *
 * Per-key partitioning (P-compositionality, Horn & Kroening): linearizability
 * is local, so a history of single-key operations is linearizable iff every
 * key's sub-history is linearizable against one register (absent or a value).
 *
 * FLUSHALL is the one multi-key operation. Each key's sub-history includes
 * every FLUSHALL as a delete of that key whose reply is not checked.
 *  - Sound for violations: if the whole history had a linearization, keeping
 *    only the operations that touch key k (FLUSHALL touches all) gives one for
 *    k's sub-history, FLUSHALL at the same point. So 'illegal' on any key
 *    means the whole history is not linearizable.
 *  - Not complete: each key places a FLUSHALL at its own instant within the
 *    FLUSHALL's interval (and, for one of unknown outcome, decides on its own
 *    whether it happened). What is verified is "FLUSHALL deletes every key,
 *    each at some instant between its call and return", not that all keys
 *    vanish at one instant; a reader that sees key a flushed and then key b
 *    not yet flushed while the FLUSHALL is in flight is not caught. Jepsen's
 *    independent checker has the same limit (it does not admit multi-key ops).
 *    Valthree's FLUSHALL replaces the whole document in one write, so that
 *    atomicity is structural rather than something this test must find.
 *
 * Outcomes: an error with applied 'no' is dropped (it did nothing). An error
 * with applied 'unknown', a pending operation or one without ret stays open
 * until the end of the history (Jepsen's :info): it may take effect at any
 * point after its call, or never. A GET that did not answer has no effect and
 * no output, so it is dropped.
 *
 * INCR (Redis semantics) is a read-modify-write of the register:
 *  - answered an integer n: the key held n - 1 (or, for n = 1, was absent)
 *    and now holds n, as a string;
 *  - answered "ERR value is not an integer or out of range": the key held a
 *    value that is not a base-10 signed 64-bit integer; nothing changed. It
 *    did nothing, but it observed the value, so it is checked, not dropped;
 *  - answered "ERR increment or decrement would overflow": the key held
 *    9223372036854775807; nothing changed (checked like a GET of it);
 *  - any other not-applied error (TRYAGAIN, "unknown command"...): dropped;
 *  - unknown outcome or no reply: open. Where INCR can apply it adds one,
 *    at some point after its call, or never; where it would fail it does
 *    nothing either way.
 * INCRBY n is the same with n for 1 (its overflow error observes "the key
 * holds an integer that n takes out of the 64-bit range").
 *
 * TTLs (SET … PX, PEXPIRE; PTTL observes them): see expiry.ts. A key with
 * any of them is checked with the timed model, whose expiries are virtual
 * deletes with a window set by `clockSkewMs`.
 */
import { TimedModel, addExpiries, isTimed } from './expiry';
import { INT64_MAX, INT64_MIN, incrRejection, incremented, integerValue, intReply, type History, type Operation } from './history';
import { Kind, RegisterModel, SHARED, SHARED_INTEGER, canonicalOrder, type SearchOp } from './model';
import { search } from './search';

export type Verdict = 'ok' | 'illegal' | 'unknown';

export interface CheckOptions {
  /** Budget for the whole history (ms); keys left when it runs out are 'unknown'. */
  timeoutMs?: number;
  /** Budget per key (ms). */
  keyTimeoutMs?: number;
  /** Memo entries per key before giving up with 'unknown' (bounds memory). */
  maxCacheEntries?: number;
  /**
   * How far two of the servers' clocks may disagree beyond the real time
   * between their readings, in ms (the most any clock leads the recorder's
   * plus the most any lags it, plus a margin): the slack of every expiry's
   * window (expiry.ts). Default 0: every clock is the recorder's.
   */
  clockSkewMs?: number;
  /**
   * The clock the budgets are measured on (ms; default performance.now). The
   * search reads it once per 1024 steps, so a test can inject a clock that
   * drives the budgets deterministically.
   */
  now?: () => number;
}

export interface KeyViolation {
  key: string;
  /** Operations of this key's sub-history (FLUSHALLs included), by call time. */
  history: Operation[];
  /** Ids in `history` the search ignored: not applied, or an unanswered GET. */
  dropped: number[];
  /** Longest linearizable prefix found, in linearization order (expiries left out). */
  linearized: Operation[];
  /** That prefix with its expiries, as `#id` and `expiry(#id)` labels. */
  prefix: string[];
  /** Register after that prefix (null: absent). */
  stateAfter: string | null;
  /** The operation whose TTL is pending after that prefix, if one is. */
  ttlOwner?: number;
  /** Completed operations that cannot come next after that prefix. */
  unordered: Operation[];
}

export interface KeyResult {
  key: string;
  result: Verdict;
  reason?: 'timeout' | 'memory';
  /** Operations the search considered (FLUSHALLs included). */
  ops: number;
  elapsedMs: number;
  steps: number;
  cacheEntries: number;
  violation?: KeyViolation;
}

export interface CheckResult {
  result: Verdict;
  perKey: Map<string, KeyResult>;
  /** Distinct operations considered (a FLUSHALL counts once). */
  opsChecked: number;
  /** Operations dropped before the search (not applied, unanswered GETs). */
  opsDropped: number;
  elapsedMs: number;
  /** Convenience: the violations of every illegal key. */
  violations: KeyViolation[];
}

/** Whether the operation may still take effect after its reply (or never got one). */
export function isOpen(op: Operation): boolean {
  return op.ret === undefined || op.output.kind === 'pending' || (op.output.kind === 'error' && op.output.applied === 'unknown');
}

/**
 * Whether the operation is left out entirely: it cannot have changed
 * anything, nor observed anything (an INCR's value error did observe).
 */
export function isDropped(op: Operation): boolean {
  if (op.output.kind === 'error' && op.output.applied === 'no') return incrRejection(op) === undefined;
  return (op.input.op === 'get' || op.input.op === 'pttl') && isOpen(op);
}

function validate(history: History): void {
  const ids = new Set<number>();
  for (const op of history) {
    if (ids.has(op.id)) throw new Error(`duplicate operation id ${op.id}`);
    ids.add(op.id);
    if (!Number.isFinite(op.call)) throw new Error(`operation ${op.id}: call time ${op.call} is not finite`);
    if (op.ret !== undefined && !(op.ret >= op.call)) throw new Error(`operation ${op.id}: ret ${op.ret} before call ${op.call}`);
    if (op.input.op !== 'flushall' && op.key !== undefined && op.key !== op.input.key) {
      throw new Error(`operation ${op.id}: key ${op.key} differs from its input's key ${op.input.key}`);
    }
  }
}

/** INCR's increment: 1, or INCRBY's. */
const incrBy = (op: Operation): number => (op.input.op === 'incr' ? (op.input.by ?? 1) : 0);

/**
 * The value a completed INCR (INCRBY by) that answered n read: n - by (for
 * n = by the key may also have been absent, which the model allows).
 * Undefined when n is no integer it can answer.
 */
function incrReadOf(op: Operation): string | undefined {
  if (op.output.kind !== 'int') return undefined;
  const n = intReply(op.output.n);
  const v = n === undefined ? undefined : BigInt(n);
  if (v === undefined || v < INT64_MIN || v > INT64_MAX) return undefined;
  const read = v - BigInt(incrBy(op));
  return read < INT64_MIN || read > INT64_MAX ? undefined : String(read);
}

/** Compiles one operation for the register of one key; values are interned. */
function compile(op: Operation, intern: (v: string) => number): SearchOp {
  const open = isOpen(op);
  const call = op.call;
  const ret = open ? Infinity : (op.ret as number);
  const out = op.output;
  switch (op.input.op) {
    case 'get':
      if (out.kind !== 'value') return { kind: Kind.Never, arg: 0, call, ret };
      return { kind: Kind.Get, arg: out.value === null ? 0 : intern(out.value), call, ret };
    case 'set':
      if (!open && out.kind !== 'ok') return { kind: Kind.Never, arg: 0, call, ret };
      if (op.input.px !== undefined) return { kind: Kind.SetTtl, arg: intern(op.input.value), call, ret, ttl: op.input.px };
      return { kind: Kind.Set, arg: intern(op.input.value), call, ret };
    case 'del':
      if (open) return { kind: Kind.Del, arg: -1, call, ret };
      if (out.kind !== 'int' || (out.n !== 0 && out.n !== 1)) return { kind: Kind.Never, arg: 0, call, ret };
      return { kind: Kind.Del, arg: out.n, call, ret };
    case 'flushall':
      if (!open && out.kind !== 'ok') return { kind: Kind.Never, arg: 0, call, ret };
      return { kind: Kind.Del, arg: -1, call, ret };
    case 'incr': {
      const by = incrBy(op);
      if (open) return { kind: Kind.IncrOpen, arg: -1, call, ret, by };
      const rejected = incrRejection(op);
      if (rejected === 'not-integer') return { kind: Kind.IncrNotInt, arg: 0, call, ret, by };
      if (rejected === 'overflow') {
        if (by === 1) return { kind: Kind.Get, arg: intern(String(INT64_MAX)), call, ret };
        return { kind: Kind.IncrOverflow, arg: 0, call, ret, by };
      }
      const v = incrReadOf(op);
      if (v === undefined) return { kind: Kind.Never, arg: 0, call, ret };
      return { kind: Kind.IncrOk, arg: intern(v), call, ret, by };
    }
    case 'pexpire':
      if (open) return { kind: Kind.PexpireOpen, arg: 0, call, ret, ttl: op.input.ms };
      if (out.kind !== 'int' || (out.n !== 0 && out.n !== 1)) return { kind: Kind.Never, arg: 0, call, ret };
      // 0: the key was absent (or expired); nothing changed.
      return out.n === 0 ? { kind: Kind.Get, arg: 0, call, ret } : { kind: Kind.Pexpire, arg: 0, call, ret, ttl: op.input.ms };
    case 'pttl': {
      const n = out.kind === 'int' ? Number(out.n) : NaN;
      if (n === -2) return { kind: Kind.Get, arg: 0, call, ret };
      if (n === -1) return { kind: Kind.LiveNoTtl, arg: 0, call, ret };
      if (Number.isSafeInteger(n) && n >= 0) return { kind: Kind.LiveTtl, arg: n, call, ret };
      return { kind: Kind.Never, arg: 0, call, ret };
    }
  }
}

/**
 * The operations a key's search needs. Besides the key's own operations, a
 * FLUSHALL is kept only where it can matter:
 *  - one that returned before the key's first call maps absent to absent;
 *  - one called after every completed operation of the key returned can be
 *    linearized after all of them, where only open operations see it.
 * Likewise an open write called after that point is unobservable.
 */
function subHistory(own: Operation[], flushes: Operation[]): Operation[] {
  let firstCall = Infinity;
  let lastRet = -Infinity;
  for (const op of own) {
    firstCall = Math.min(firstCall, op.call);
    if (!isOpen(op)) lastRet = Math.max(lastRet, op.ret as number);
  }
  const keep = (op: Operation): boolean => op.call <= lastRet;
  const fl = flushes.filter((f) => keep(f) && (isOpen(f) || (f.ret as number) >= firstCall));
  return [...own.filter((op) => !isOpen(op) || keep(op)), ...fl];
}

export function checkKey(key: string, own: Operation[], flushes: Operation[], deadline: number, opts: CheckOptions = {}): KeyResult {
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  const ops = subHistory(own, flushes);
  // States: 0 absent, 1 "holds a value no completed GET returns", 3.. a value
  // some GET returned. Values nobody read are indistinguishable from here on
  // (GETs fail on all of them, DEL counts 1 for all), so merging them is
  // exact and lets writes of such values share a symmetry class.
  // On a key that sees INCR, an INCR answering n also reads n - 1, and INCRs
  // make new integers from old ones, so two classes are merged:
  //  - 1: non-integers no GET returns (INCR answers "not an integer" on all
  //    of them alike, and makes nothing from them);
  //  - 2: integers v such that nothing reads v, v + 1, ..., v + K, where K
  //    is the key's number of INCRs: whatever INCRs do to such a value, no
  //    operation can tell it from another one of them (the model keeps INCR
  //    on state 2 in state 2).
  // The rest, integers some operation may observe, get a state each.
  // With INCRBY the same holds for integers v such that nothing reads a
  // value in [v - down, v + up], up and down being the sums of the key's
  // positive and negative increments: no sequence of them leaves that range.
  const read = new Set<string>();
  const observed: bigint[] = []; // integers a GET or an INCR reads (an overflow reads the maximum)
  let incrs = 0;
  let up = 0n;
  let down = 0n;
  for (const op of ops) {
    if (op.input.op === 'get' && op.output.kind === 'value' && op.output.value !== null) read.add(op.output.value);
    if (op.input.op !== 'incr') continue;
    incrs++;
    const by = BigInt(incrBy(op));
    if (by > 0n) up += by;
    else down -= by;
    const v = incrRejection(op) === 'overflow' && by === 1n ? String(INT64_MAX) : incrReadOf(op);
    if (v !== undefined) read.add(v);
  }
  for (const v of read) {
    const n = integerValue(v);
    if (n !== undefined) observed.push(n);
  }
  observed.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  /** Whether some observed integer lies in [n - down, n + up]. */
  const observable = (n: bigint): boolean => {
    let lo = 0;
    let hi = observed.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (observed[mid] < n - down) lo = mid + 1;
      else hi = mid;
    }
    return lo < observed.length && observed[lo] <= n + up;
  };
  // Near the ends of the 64-bit range increments can overflow, which INCRBY's
  // overflow error observes: integers there get a state of their own too.
  const nearEdge = (n: bigint): boolean => n > INT64_MAX - 2n * up || n < INT64_MIN + 2n * down;
  const model = new RegisterModel((v) => {
    if (incrs === 0) return read.has(v) ? undefined : SHARED;
    const n = integerValue(v);
    if (n === undefined) return read.has(v) ? undefined : SHARED;
    return observable(n) || nearEdge(n) ? undefined : SHARED_INTEGER;
  });
  const compiled = ops.map((op) => compile(op, (v) => model.intern(v)));
  const timed = isTimed(compiled) ? new TimedModel(model, compiled) : undefined;
  if (timed) {
    let lastRet = -Infinity;
    for (const c of compiled) if (c.ret !== Infinity) lastRet = Math.max(lastRet, c.ret);
    addExpiries(compiled, opts.clockSkewMs ?? 0, lastRet);
  }
  canonicalOrder(compiled);
  const limits = {
    deadline: Math.min(deadline, t0 + (opts.keyTimeoutMs ?? 10_000)),
    maxCacheEntries: opts.maxCacheEntries ?? 2_000_000,
    now,
  };
  const out = search(compiled, limits, model, timed);
  const res: KeyResult = {
    key,
    result: out.result,
    ops: ops.length,
    elapsedMs: now() - t0,
    steps: out.steps,
    cacheEntries: out.cacheEntries,
  };
  if (out.reason) res.reason = out.reason;
  if (out.result !== 'illegal') return res;

  // Explain: after the longest prefix, which completed operations cannot go
  // next? Candidates are those called before the earliest pending deadline.
  const inPrefix = new Set(out.best);
  let minRet = Infinity;
  compiled.forEach((c, i) => {
    if (!inPrefix.has(i)) minRet = Math.min(minRet, c.ret);
  });
  const unordered: Operation[] = [];
  compiled.forEach((c, i) => {
    if (inPrefix.has(i) || c.ret === Infinity || c.call > minRet || i >= ops.length) return;
    const next = timed ? timed.step(i, out.bestState) : model.step(c.kind, c.arg, out.bestState, c.by);
    if (next < 0) unordered.push(ops[i]);
  });
  const history = [...ops, ...own.filter((op) => !ops.includes(op))].sort((a, b) => a.call - b.call || a.id - b.id);
  // The state after the prefix, as a value (the search only knows classes):
  // the prefix replayed on a real register, with the pending TTL's owner.
  let stateAfter: string | null = null;
  let owner = -1;
  for (const i of out.best) {
    if (i >= ops.length) {
      if (compiled[i].arg === owner) [stateAfter, owner] = [null, -1];
      continue;
    }
    const { input, output } = ops[i];
    if (input.op === 'set') [stateAfter, owner] = [input.value, input.px === undefined ? -1 : i];
    else if (input.op === 'del' || input.op === 'flushall') [stateAfter, owner] = [null, -1];
    else if (input.op === 'pexpire' && stateAfter !== null) owner = i;
    else if (input.op === 'incr' && incrRejection(ops[i]) === undefined) {
      const n = output.kind === 'int' ? intReply(output.n) : undefined;
      if (stateAfter === null) owner = -1;
      stateAfter = n ?? incremented(stateAfter, input.by) ?? stateAfter;
    }
  }
  const label = (i: number): string => (i < ops.length ? `#${ops[i].id}` : `expiry(#${ops[compiled[i].arg].id})`);
  res.violation = {
    key,
    history,
    dropped: own.filter((op) => !ops.includes(op)).map((op) => op.id),
    linearized: out.best.filter((i) => i < ops.length).map((i) => ops[i]),
    prefix: out.best.map(label),
    stateAfter,
    unordered,
  };
  if (owner >= 0) res.violation.ttlOwner = ops[owner].id;
  return res;
}

export function check(history: History, opts: CheckOptions = {}): CheckResult {
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  validate(history);
  const deadline = t0 + (opts.timeoutMs ?? 60_000);
  const byKey = new Map<string, Operation[]>();
  const droppedByKey = new Map<string, Operation[]>();
  const flushes: Operation[] = [];
  let opsDropped = 0;
  for (const op of history) {
    const dropped = isDropped(op);
    if (dropped) opsDropped++;
    if (op.input.op === 'flushall') {
      if (!dropped) flushes.push(op);
      continue;
    }
    const m = dropped ? droppedByKey : byKey;
    const list = m.get(op.input.key);
    if (list) list.push(op);
    else m.set(op.input.key, [op]);
  }

  const perKey = new Map<string, KeyResult>();
  const violations: KeyViolation[] = [];
  const keys = [...new Set([...byKey.keys(), ...droppedByKey.keys()])].sort();
  for (const key of keys) {
    const own = byKey.get(key) ?? [];
    let r: KeyResult;
    if (now() >= deadline) {
      r = { key, result: 'unknown', reason: 'timeout', ops: own.length, elapsedMs: 0, steps: 0, cacheEntries: 0 };
    } else {
      r = checkKey(key, own, flushes, deadline, opts);
    }
    if (r.violation) {
      // Show the not-applied operations too: a read of their value is the
      // usual reason a key is illegal.
      const extra = droppedByKey.get(key) ?? [];
      r.violation.history = [...r.violation.history, ...extra].sort((a, b) => a.call - b.call || a.id - b.id);
      r.violation.dropped.push(...extra.map((op) => op.id));
      violations.push(r.violation);
    }
    perKey.set(key, r);
  }
  const verdicts = [...perKey.values()].map((r) => r.result);
  const result: Verdict = verdicts.includes('illegal') ? 'illegal' : verdicts.includes('unknown') ? 'unknown' : 'ok';
  return {
    result,
    perKey,
    opsChecked: history.length - opsDropped,
    opsDropped,
    elapsedMs: now() - t0,
    violations,
  };
}
