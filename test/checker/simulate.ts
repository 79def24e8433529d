/**
 * Generates histories that are linearizable by construction: clients issue
 * operations with random (overlapping) intervals, each operation gets a
 * linearization point inside its interval, and a real register map applied
 * in point order produces the outputs. Failed operations follow valthree's
 * contract: 'no' never takes effect; 'unknown' and unanswered ones take
 * effect at some point after their call (possibly after the error reached the
 * client) or never. Used by the property and performance tests.
 */
import { incremented, integerValue, type History, type OpInput, type OpOutput, type Operation } from './history';

export interface SimOptions {
  seed: number;
  clients: number;
  keys: number;
  ops: number;
  /** Probabilities per operation. */
  pUnknown?: number;
  pPending?: number;
  pNotApplied?: number;
  pFlush?: number;
  /** Longest operation duration (ms); durations are whole ms, so ties happen. */
  maxDuration?: number;
  /**
   * Share of operations that are INCR (default 0). With INCR on, some SETs
   * write integers, so counters are created, bumped and reset (and INCR
   * meets non-integers too).
   */
  pIncr?: number;
  /** With INCR: the share of SETs that write an integer (default 0.5). */
  pIntSet?: number;
  /**
   * With INCR: SETs write integers from 0 to 9, which INCR chains run into
   * (hard for the checker), rather than far-apart ones as the workload's
   * counters do. Default true.
   */
  smallInts?: boolean;
  /** With INCR: the share of INCRs that are INCRBY 2..4 (default 0). */
  pIncrBy?: number;
  /**
   * Share of operations that are about TTLs (default 0): SET … PX, PEXPIRE,
   * PTTL. Each TTL's deadline is its operation's point + TTL + a draw in
   * [-skewMs, skewMs] (after the point), as clocks that far apart would make it.
   */
  pTtl?: number;
  /** TTLs are 1..maxTtl ms (default 3 × maxDuration). */
  maxTtl?: number;
  skewMs?: number;
}

/** mulberry32: small, seeded, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Planned {
  op: Operation;
  /** Linearization point; undefined = the operation never takes effect. */
  point?: number;
  tie: number;
}

export function simulate(o: SimOptions): History {
  const rnd = prng(o.seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const maxDur = o.maxDuration ?? 20;
  const clock = new Array<number>(o.clients).fill(0);
  const planned: Planned[] = [];
  let unique = 0;
  for (let id = 0; id < o.ops; id++) {
    const client = int(o.clients);
    const call = clock[client] + int(4);
    const ret = call + int(maxDur + 1);
    clock[client] = ret;
    const key = `k${int(o.keys)}`;
    const pIncr = o.pIncr ?? 0;
    let input: OpInput;
    const pTtl = o.pTtl ?? 0;
    // Without INCR the draws are the same as before it existed: a seed gives the same history.
    if (pIncr > 0 && rnd() < pIncr) {
      input = { op: 'incr', key };
      if ((o.pIncrBy ?? 0) > 0 && rnd() < (o.pIncrBy ?? 0)) input.by = 2 + int(3);
    } else if (pTtl > 0 && rnd() < pTtl) {
      const r = rnd();
      const ttl = 1 + int(o.maxTtl ?? 3 * maxDur);
      if (r < 0.4) {
        const integer = pIncr > 0 && rnd() < (o.pIntSet ?? 0.5);
        input = { op: 'set', key, value: integer ? String(int(10)) : `v${o.seed}-${unique++}`, px: ttl };
      } else if (r < 0.65) input = { op: 'pexpire', key, ms: ttl };
      else input = { op: 'pttl', key };
    } else {
      const r = rnd();
      if (r < (o.pFlush ?? 0.02)) input = { op: 'flushall' };
      else if (r < 0.45) input = { op: 'get', key };
      else if (r < 0.85) {
        const integer = pIncr > 0 && rnd() < (o.pIntSet ?? 0.5);
        const value = !integer ? `v${o.seed}-${unique++}` : (o.smallInts ?? true) ? String(int(10)) : String(1000 * ++unique);
        input = { op: 'set', key, value };
      }
      else input = { op: 'del', key };
    }
    const op: Operation = { id, client, input, call, ret, output: { kind: 'pending' } };
    if (input.op !== 'flushall') op.key = input.key;
    const f = rnd();
    const pU = o.pUnknown ?? 0.05;
    const pP = o.pPending ?? 0.02;
    const pN = o.pNotApplied ?? 0.05;
    let point: number | undefined = call + rnd() * (ret - call);
    if (f < pU) {
      op.output = { kind: 'error', applied: 'unknown', message: 'UNKNOWN outcome unknown: simulated' };
      // May land after the error reached the client, or never.
      point = rnd() < 0.3 ? undefined : call + rnd() * (ret - call + 2 * maxDur);
    } else if (f < pU + pP) {
      delete op.ret;
      point = rnd() < 0.3 ? undefined : call + rnd() * 2 * maxDur;
    } else if (f < pU + pP + pN) {
      op.output = { kind: 'error', applied: 'no', message: 'TRYAGAIN not applied: simulated' };
      point = undefined;
    }
    // Integer ret times and random tie-breaks exercise equal timestamps.
    planned.push({ op, point, tie: rnd() });
  }

  const db = new Map<string, Entry>();
  const skew = o.skewMs ?? 0;
  const deadline = (point: number, ttl: number): number => Math.max(point + 0.001, point + ttl - skew + rnd() * 2 * skew);
  const effective = planned.filter((p) => p.point !== undefined);
  effective.sort((a, b) => (a.point as number) - (b.point as number) || a.tie - b.tie);
  for (const { op, point } of effective) {
    const at = point as number;
    // Keys whose deadline has passed are gone (at the deadline they still exist).
    for (const [k, e] of db) if (e.deadline !== undefined && at > e.deadline) db.delete(k);
    const out = apply(db, op.input, at, deadline);
    if (op.output.kind === 'pending' && op.ret !== undefined) op.output = out;
  }
  return planned.map((p) => p.op);
}

interface Entry {
  value: string;
  deadline?: number;
  ttl?: number;
}

function apply(db: Map<string, Entry>, input: OpInput, at: number, deadline: (point: number, ttl: number) => number): OpOutput {
  switch (input.op) {
    case 'get':
      return { kind: 'value', value: db.get(input.key)?.value ?? null };
    case 'set':
      db.set(input.key, input.px === undefined ? { value: input.value } : { value: input.value, deadline: deadline(at, input.px), ttl: input.px });
      return { kind: 'ok' };
    case 'del': {
      const had = db.delete(input.key);
      return { kind: 'int', n: had ? 1 : 0 };
    }
    case 'flushall':
      db.clear();
      return { kind: 'ok' };
    case 'incr': {
      const e = db.get(input.key);
      const cur = e?.value ?? null;
      const next = incremented(cur, input.by);
      if (next === undefined) {
        const message = cur !== null && integerValue(cur) !== undefined ? 'ERR increment or decrement would overflow' : 'ERR value is not an integer or out of range';
        return { kind: 'error', applied: 'no', message };
      }
      // INCR keeps the TTL.
      db.set(input.key, { ...e, value: next });
      return { kind: 'int', n: Number(next) };
    }
    case 'pexpire': {
      const e = db.get(input.key);
      if (!e) return { kind: 'int', n: 0 };
      db.set(input.key, { value: e.value, deadline: deadline(at, input.ms), ttl: input.ms });
      return { kind: 'int', n: 1 };
    }
    case 'pttl': {
      const e = db.get(input.key);
      if (!e) return { kind: 'int', n: -2 };
      if (e.deadline === undefined) return { kind: 'int', n: -1 };
      // What the server would answer: at most the TTL (its clock is no earlier than the setter's).
      return { kind: 'int', n: Math.min(e.ttl as number, Math.floor(e.deadline - at)) };
    }
  }
}
