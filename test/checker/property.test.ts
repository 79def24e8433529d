import fc from 'fast-check';
import { check } from './check';
import type { History, Operation } from './history';
import { simulate } from './simulate';

const params = fc.record({
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
  clients: fc.integer({ min: 1, max: 12 }),
  keys: fc.integer({ min: 1, max: 3 }),
  ops: fc.integer({ min: 1, max: 120 }),
  maxDuration: fc.integer({ min: 0, max: 30 }),
  pUnknown: fc.double({ min: 0, max: 0.2, noNaN: true }),
  pPending: fc.double({ min: 0, max: 0.1, noNaN: true }),
  pNotApplied: fc.double({ min: 0, max: 0.2, noNaN: true }),
  pFlush: fc.double({ min: 0, max: 0.1, noNaN: true }),
  pIncr: fc.constantFrom(0, 0.2, 0.4),
});

/** A clock that never advances: the verdict cannot depend on the machine's load. */
const NO_BUDGET = { now: () => 0 };

/** Completed GETs that the checker must honour. */
const completedReads = (h: History): Operation[] => h.filter((o) => o.input.op === 'get' && o.ret !== undefined && o.output.kind === 'value');
/** Completed INCRs that answered a number. */
const completedIncrs = (h: History): Operation[] => h.filter((o) => o.input.op === 'incr' && o.ret !== undefined && o.output.kind === 'int');

describe('property: simulated real registers', () => {
  it('histories of a real register with overlapping intervals are always linearizable', () => {
    fc.assert(
      fc.property(params, (p) => {
        const res = check(simulate(p), NO_BUDGET);
        return res.result === 'ok';
      }),
      { numRuns: 300 },
    );
  });

  it('changing one completed read to a never-written value makes it illegal', () => {
    fc.assert(
      fc.property(params, fc.nat(), (p, pick) => {
        const h = simulate(p);
        const reads = completedReads(h);
        fc.pre(reads.length > 0);
        const victim = reads[pick % reads.length];
        victim.output = { kind: 'value', value: 'never-written' };
        const res = check(h, NO_BUDGET);
        return (
          res.result === 'illegal' &&
          res.violations.length === 1 &&
          res.violations[0].key === victim.key &&
          res.violations[0].unordered.some((o) => o.id === victim.id)
        );
      }),
      { numRuns: 300 },
    );
  });

  it('changing one INCR reply to a count nobody reached makes it illegal', () => {
    // Simulated SETs write 0..9 and there are at most 120 operations: no
    // counter gets near 1000.
    fc.assert(
      fc.property(params, fc.nat(), (p, pick) => {
        const h = simulate({ ...p, pIncr: 0.3 });
        const incrs = completedIncrs(h);
        fc.pre(incrs.length > 0);
        const victim = incrs[pick % incrs.length];
        victim.output = { kind: 'int', n: 1000 + pick };
        const res = check(h, NO_BUDGET);
        return res.result === 'illegal' && res.violations.length === 1 && res.violations[0].key === victim.key && res.violations[0].unordered.length > 0;
      }),
      { numRuns: 300 },
    );
  });

  it('with TTLs (clocks up to S apart), INCRBY and counters: always linearizable with the same S', () => {
    fc.assert(
      fc.property(params, fc.constantFrom(0, 5, 40), (p, skewMs) => {
        const h = simulate({ ...p, pIncr: 0.2, pIncrBy: 0.5, pTtl: 0.3, skewMs });
        return check(h, { ...NO_BUDGET, clockSkewMs: skewMs }).result === 'ok';
      }),
      { numRuns: 300 },
    );
  });

  it('with TTLs: a completed read of a never-written value is still illegal', () => {
    // Counters as the workload's (far-apart integers) and at most 10% open
    // operations: an illegal history is searched exhaustively, and small
    // integers that INCR chains run into, with many open INCRs and TTLs
    // (whose expiries may go anywhere in their windows) can take minutes.
    // The differential tests cover those cases on small histories.
    fc.assert(
      fc.property(params, fc.nat(), (p, pick) => {
        const h = simulate({ ...p, pUnknown: Math.min(p.pUnknown, 0.1), smallInts: false, pTtl: 0.3, skewMs: 5 });
        const reads = completedReads(h);
        fc.pre(reads.length > 0);
        const victim = reads[pick % reads.length];
        victim.output = { kind: 'value', value: 'never-written' };
        const res = check(h, { ...NO_BUDGET, clockSkewMs: 5 });
        return res.result === 'illegal' && res.violations.length === 1 && res.violations[0].key === victim.key;
      }),
      { numRuns: 300 },
    );
  });
});
