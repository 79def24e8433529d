import { check } from './check';
import { H } from './fixtures';
import { simulate } from './simulate';

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
    expect(check(pathological(6).history).result).toBe('illegal');
  });

  it("answers 'unknown', not a verdict, when the key's time budget runs out", () => {
    const t0 = performance.now();
    const res = check(pathological(40).history, { keyTimeoutMs: 200 });
    const elapsed = performance.now() - t0;
    expect(res.result).toBe('unknown');
    expect(res.perKey.get('x')).toMatchObject({ result: 'unknown', reason: 'timeout' });
    expect(res.violations).toEqual([]);
    expect(elapsed).toBeLessThan(2000);
  });

  it("answers 'unknown' when the memo table reaches its size bound", () => {
    const res = check(pathological(40).history, { maxCacheEntries: 5000 });
    expect(res.perKey.get('x')).toMatchObject({ result: 'unknown', reason: 'memory' });
    expect(res.perKey.get('x')?.cacheEntries).toBeLessThan(5000 + 2048);
  });

  it('stops checking keys when the overall budget runs out, but an illegal key still decides', () => {
    const h = pathological(40, 'a'); // searched first (keys go in order), eats the budget
    h.set(0, 'b', '1', 300, 301);
    h.get(0, 'b', '1', 302, 303);
    const res = check(h.history, { timeoutMs: 200 });
    expect(res.result).toBe('unknown');
    expect(res.perKey.get('b')).toMatchObject({ result: 'unknown', reason: 'timeout' });

    const bad = pathological(40, 'a');
    bad.set(0, '0-first', '1', 300, 301); // sorts before 'a': checked while time is left
    bad.get(0, '0-first', null, 302, 303);
    const res2 = check(bad.history, { timeoutMs: 200 });
    expect(res2.result).toBe('illegal');
    expect(res2.perKey.get('a')?.result).toBe('unknown');
  });
});

describe('performance (measured numbers are printed)', () => {
  // A few hundred operations on one key from 12 concurrent clients, with
  // valthree-like failure rates: the size the workload's key rotation aims for.
  const sizes = [200, 400];
  it.each(sizes)('checks %i ops on one key from 12 clients well under a second', (ops) => {
    const times: number[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const h = simulate({ seed, ops, clients: 12, keys: 1, maxDuration: 30, pUnknown: 0.05, pPending: 0.01, pNotApplied: 0.03 });
      const res = check(h);
      expect(res.result).toBe('ok');
      times.push(res.elapsedMs);
    }
    times.sort((a, b) => a - b);
    process.stdout.write(`checker: ${ops} ops/key, 12 clients, linearizable: median ${times[5].toFixed(1)} ms, max ${times[9].toFixed(1)} ms\n`);
    expect(times[9]).toBeLessThan(1000);
  });

  it('finds a stale read in such a history, also quickly', () => {
    const times: number[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const h = simulate({ seed, ops: 400, clients: 12, keys: 1, maxDuration: 30, pUnknown: 0.03, pPending: 0.01, pNotApplied: 0.03 });
      // Make the last completed read return the first acknowledged write's
      // value: long overwritten by then.
      const first = h.find((o) => o.input.op === 'set' && o.output.kind === 'ok');
      const last = [...h].reverse().find((o) => o.input.op === 'get' && o.output.kind === 'value' && o.ret !== undefined);
      if (!first || !last || first.input.op !== 'set') throw new Error('simulation produced no write or read');
      last.output = { kind: 'value', value: first.input.value };
      const res = check(h);
      expect(res.result).toBe('illegal');
      expect(res.violations[0].unordered.map((o) => o.id)).toContain(last.id);
      times.push(res.elapsedMs);
    }
    times.sort((a, b) => a - b);
    process.stdout.write(`checker: 400 ops/key, 12 clients, stale read found: median ${times[5].toFixed(1)} ms, max ${times[9].toFixed(1)} ms\n`);
    expect(times[9]).toBeLessThan(5000);
  });
});
