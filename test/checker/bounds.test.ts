import { check } from './check';
import { H } from './fixtures';
import { integerValue } from './history';
import { simulate, type SimOptions } from './simulate';

/**
 * The checker's budgets are read on an injected clock, so these tests decide
 * when time runs out instead of the machine's load. `ticking()` advances 1 ms
 * per reading (the search reads it once per 1024 steps): a budget of B ms is
 * then B readings, a fixed amount of work on any machine. `frozen` never
 * advances: only the memory bound, or the end of the search, stops it.
 */
function ticking(): () => number {
  let t = 0;
  return () => ++t;
}
const frozen = (): number => 0;
/** Steps the search takes between two readings of its clock. */
const STEPS_PER_READING = 1024;

/**
 * k clients each SET a distinct value while k others read those values, all
 * concurrently; then a read of a value nobody wrote. Illegal, but the search
 * only finds out after trying every subset of the k writes (2^k nodes): none
 * of its shortcuts apply (every value is read, nothing is open).
 */
function pathological(k: number, key = 'x'): H {
  const h = new H();
  for (let i = 0; i < k; i++) {
    h.set(i, key, `v${i}`, 0, 100);
    h.get(k + i, key, `v${i}`, 0, 100);
  }
  h.get(0, key, 'never', 200, 201);
  return h;
}

describe('time and memory bounds', () => {
  it('finds the violation when the pathological history is small', () => {
    expect(check(pathological(6).history, { now: frozen }).result).toBe('illegal');
  });

  it("answers 'unknown', not a verdict, when the key's time budget runs out", () => {
    // 2^40 nodes: only the budget can end this search.
    const res = check(pathological(40).history, { keyTimeoutMs: 200, now: ticking() });
    expect(res.result).toBe('unknown');
    const x = res.perKey.get('x');
    expect(x).toMatchObject({ result: 'unknown', reason: 'timeout' });
    expect(res.violations).toEqual([]);
    // It used its budget and stopped at the first reading past it: 200 ms
    // of this clock are 200 readings, so about 200 * 1024 steps.
    expect(x?.steps).toBeGreaterThanOrEqual(200 * STEPS_PER_READING);
    expect(x?.steps).toBeLessThanOrEqual(202 * STEPS_PER_READING);
    expect(x?.elapsedMs).toBeLessThanOrEqual(200 + 3);
  });

  it("answers 'unknown' when the memo table reaches its size bound", () => {
    const res = check(pathological(40).history, { maxCacheEntries: 5000, now: frozen });
    expect(res.perKey.get('x')).toMatchObject({ result: 'unknown', reason: 'memory' });
    expect(res.perKey.get('x')?.cacheEntries).toBeLessThan(5000 + 2048);
  });

  it('stops checking keys when the overall budget runs out, but an illegal key still decides', () => {
    const h = pathological(40, 'a'); // searched first (keys go in order), eats the budget
    h.set(0, 'b', '1', 300, 301);
    h.get(0, 'b', '1', 302, 303);
    const res = check(h.history, { timeoutMs: 200, now: ticking() });
    expect(res.result).toBe('unknown');
    expect(res.perKey.get('a')).toMatchObject({ result: 'unknown', reason: 'timeout' });
    expect(res.perKey.get('b')).toMatchObject({ result: 'unknown', reason: 'timeout', steps: 0 });
    expect(res.perKey.get('a')?.steps).toBeLessThanOrEqual(202 * STEPS_PER_READING);

    const bad = pathological(40, 'a');
    bad.set(0, '0-first', '1', 300, 301); // sorts before 'a': checked while time is left
    bad.get(0, '0-first', null, 302, 303);
    const res2 = check(bad.history, { timeoutMs: 200, now: ticking() });
    expect(res2.result).toBe('illegal');
    expect(res2.perKey.get('0-first')?.result).toBe('illegal');
    expect(res2.perKey.get('a')?.result).toBe('unknown');
  });
});

/**
 * Work is measured in search steps (loop iterations), which do not depend on
 * the machine or its load; the times are printed for information only. On
 * an idle machine a million steps take about a second.
 */
describe('performance (measured numbers are printed)', () => {
  /** Median and max of the 10 seeds' numbers. */
  const spread = (xs: number[]): { median: number; max: number } => {
    const s = [...xs].sort((a, b) => a - b);
    return { median: s[5], max: s[9] };
  };

  // A few hundred operations on one key from 12 concurrent clients, with
  // valthree-like failure rates: the size the workload's key rotation aims for.
  // Ten seeds took 56k (200 ops) and 207k (400 ops) steps at most.
  const sizes = [200, 400];
  it.each(sizes)('checks %i ops on one key from 12 clients in under 2,500 steps per operation', (ops) => {
    const times: number[] = [];
    const steps: number[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const h = simulate({ seed, ops, clients: 12, keys: 1, maxDuration: 30, pUnknown: 0.05, pPending: 0.01, pNotApplied: 0.03 });
      const t0 = performance.now();
      const res = check(h, { now: frozen });
      times.push(performance.now() - t0);
      expect(res.result).toBe('ok');
      steps.push(res.perKey.get('k0')?.steps ?? 0);
    }
    const t = spread(times);
    const st = spread(steps);
    process.stdout.write(`checker: ${ops} ops/key, 12 clients, linearizable: median ${t.median.toFixed(1)} ms / ${st.median} steps, max ${t.max.toFixed(1)} ms / ${st.max} steps\n`);
    expect(st.max).toBeLessThan(ops * 2500);
  });

  // Ten seeds took 1.22M steps at most.
  it('finds a stale read in such a history in under 5M steps', () => {
    const times: number[] = [];
    const steps: number[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const h = simulate({ seed, ops: 400, clients: 12, keys: 1, maxDuration: 30, pUnknown: 0.03, pPending: 0.01, pNotApplied: 0.03 });
      // Make the last completed read return the first acknowledged write's
      // value: long overwritten by then.
      const first = h.find((o) => o.input.op === 'set' && o.output.kind === 'ok');
      const last = [...h].reverse().find((o) => o.input.op === 'get' && o.output.kind === 'value' && o.ret !== undefined);
      if (!first || !last || first.input.op !== 'set') throw new Error('simulation produced no write or read');
      last.output = { kind: 'value', value: first.input.value };
      const t0 = performance.now();
      const res = check(h, { now: frozen });
      times.push(performance.now() - t0);
      expect(res.result).toBe('illegal');
      expect(res.violations[0].unordered.map((o) => o.id)).toContain(last.id);
      steps.push(res.perKey.get('k0')?.steps ?? 0);
    }
    const t = spread(times);
    const st = spread(steps);
    process.stdout.write(`checker: 400 ops/key, 12 clients, stale read found: median ${t.median.toFixed(1)} ms / ${st.median} steps, max ${t.max.toFixed(1)} ms / ${st.max} steps\n`);
    expect(st.max).toBeLessThan(5_000_000);
  });

  // A counter key as the workload runs it: GET, INCR (35%), SET of integers
  // far apart, DEL. INCRs read and make integers, so fewer states merge than
  // on a register: ten seeds took 130k (200 ops) and 1.39M (400 ops) steps.
  const counter = (seed: number, ops: number, pUnknown: number): SimOptions => ({
    seed,
    ops,
    clients: 12,
    keys: 1,
    maxDuration: 30,
    pUnknown,
    pPending: 0.01,
    pNotApplied: 0.03,
    pIncr: 0.35,
    pIntSet: 1,
    smallInts: false,
  });
  it.each(sizes)('checks %i ops on a counter key from 12 clients in under 10,000 steps per operation', (ops) => {
    const times: number[] = [];
    const steps: number[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const h = simulate(counter(seed, ops, 0.05));
      const t0 = performance.now();
      const res = check(h, { now: frozen });
      times.push(performance.now() - t0);
      expect(res.result).toBe('ok');
      steps.push(res.perKey.get('k0')?.steps ?? 0);
    }
    const t = spread(times);
    const st = spread(steps);
    process.stdout.write(`checker: ${ops} ops on a counter key, 12 clients, linearizable: median ${t.median.toFixed(1)} ms / ${st.median} steps, max ${t.max.toFixed(1)} ms / ${st.max} steps\n`);
    expect(st.max).toBeLessThan(ops * 10_000);
  });

  // Violations must be searched exhaustively, which INCR makes dearer: ten
  // seeds took 820k steps at most (200 ops; 400 take up to ~13M).
  it('finds a stale read of a counter in under 4M steps', () => {
    const times: number[] = [];
    const steps: number[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const h = simulate(counter(seed, 200, 0.03));
      // The last completed read returns the first acknowledged SET's
      // integer: overwritten long ago, and no INCR comes back to it.
      const first = h.find((o) => o.input.op === 'set' && o.output.kind === 'ok' && integerValue(o.input.value) !== undefined);
      const last = [...h].reverse().find((o) => o.input.op === 'get' && o.output.kind === 'value' && o.ret !== undefined);
      if (!first || !last || first.input.op !== 'set') throw new Error('simulation produced no write or read');
      last.output = { kind: 'value', value: first.input.value };
      const t0 = performance.now();
      const res = check(h, { now: frozen });
      times.push(performance.now() - t0);
      expect(res.result).toBe('illegal');
      expect(res.violations[0].unordered.map((o) => o.id)).toContain(last.id);
      steps.push(res.perKey.get('k0')?.steps ?? 0);
    }
    const t = spread(times);
    const st = spread(steps);
    process.stdout.write(`checker: 200 ops on a counter key, 12 clients, stale read found: median ${t.median.toFixed(1)} ms / ${st.median} steps, max ${t.max.toFixed(1)} ms / ${st.max} steps\n`);
    expect(st.max).toBeLessThan(4_000_000);
  });

  // A key with TTLs: SET … PX, PEXPIRE and PTTL (40%), counters with INCRBY,
  // TTLs up to 400 ms, expiries anywhere in windows S wide. Ten seeds took
  // 1.15M (S = 50 ms) and 351k (S = 6 s) steps at most.
  const timed = (seed: number, pUnknown: number, skewMs: number, ops = 200): SimOptions => ({
    seed,
    ops,
    clients: 12,
    keys: 1,
    maxDuration: 30,
    pUnknown,
    pPending: 0.01,
    pNotApplied: 0.03,
    pIncr: 0.2,
    pIncrBy: 0.4,
    smallInts: false,
    pTtl: 0.4,
    maxTtl: 400,
    skewMs,
  });
  it.each([50, 6000])('checks 200 ops on a key with TTLs (S = %i ms) in under 10,000 steps per operation', (skewMs) => {
    const times: number[] = [];
    const steps: number[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const h = simulate(timed(seed, 0.05, skewMs));
      const t0 = performance.now();
      const res = check(h, { now: frozen, clockSkewMs: skewMs });
      times.push(performance.now() - t0);
      expect(res.result).toBe('ok');
      steps.push(res.perKey.get('k0')?.steps ?? 0);
    }
    const t = spread(times);
    const st = spread(steps);
    process.stdout.write(`checker: 200 ops on a key with TTLs (S = ${skewMs} ms), 12 clients, linearizable: median ${t.median.toFixed(1)} ms / ${st.median} steps, max ${t.max.toFixed(1)} ms / ${st.max} steps\n`);
    expect(st.max).toBeLessThan(200 * 10_000);
  });

  // Ten seeds took 1.71M steps at most (150 ops; 200 took 3.4M, and 13.6M
  // with S = 6 s, where every expiry may go almost anywhere).
  it('finds a stale read on a key with TTLs in under 5M steps', () => {
    const times: number[] = [];
    const steps: number[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const h = simulate(timed(seed, 0.03, 50, 150));
      const first = h.find((o) => o.input.op === 'set' && o.output.kind === 'ok');
      const last = [...h].reverse().find((o) => o.input.op === 'get' && o.output.kind === 'value' && o.ret !== undefined);
      if (!first || !last || first.input.op !== 'set') throw new Error('simulation produced no write or read');
      last.output = { kind: 'value', value: first.input.value };
      const t0 = performance.now();
      const res = check(h, { now: frozen, clockSkewMs: 50 });
      times.push(performance.now() - t0);
      expect(res.result).toBe('illegal');
      expect(res.violations[0].unordered.map((o) => o.id)).toContain(last.id);
      steps.push(res.perKey.get('k0')?.steps ?? 0);
    }
    const t = spread(times);
    const st = spread(steps);
    process.stdout.write(`checker: 150 ops on a key with TTLs, 12 clients, stale read found: median ${t.median.toFixed(1)} ms / ${st.median} steps, max ${t.max.toFixed(1)} ms / ${st.max} steps\n`);
    expect(st.max).toBeLessThan(5_000_000);
  });
});
