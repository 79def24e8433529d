/**
 * The transaction workloads (issue 12's proof): short bank and list-append
 * runs on fixed seeds, one after another. Against redis-server (the
 * reference) and against valthree with every fault on, the histories check
 * clean; with a broken mode (WATCH ignored by the handlers, transactions
 * split by the proxies) the checks find the anomaly. Each asserts on the
 * checks' verdicts, never on timing.
 */
import { startRedisServer, type ReferenceRedis } from '../support/redis-server';
import { DEFAULTS, PROXY_KILL, UsageError, parseCli, parseFaults } from './options';
import { recheck, runWorkload, type WorkloadOptions, type WorkloadSummary } from './workload';

const RUN_MS = 240_000;

async function run(o: Partial<WorkloadOptions> & { seed: number }): Promise<{ s: WorkloadSummary; lines: string[] }> {
  const lines: string[] = [];
  const s = await runWorkload({ ...DEFAULTS, seconds: 8, ...o, log: (l) => lines.push(l) });
  return { s, lines };
}

/** The verdict, with the run's own summary as the failure message. */
const verdict = (r: { s: WorkloadSummary; lines: string[] }): string => `${r.s.linearizable}\n${r.lines.join('\n')}`;

describe('options', () => {
  test('--workload, --accounts, --ops and --txn-ops; the default workload stays the register one', () => {
    expect(parseCli(['--seed', '1'])).toMatchObject({ workload: 'register' });
    expect(parseCli(['--workload', 'bank', '--accounts', '6', '--ops', '500', '--seed', '1'])).toMatchObject({ workload: 'bank', accounts: 6, maxTxns: 500 });
    expect(parseCli(['--workload', 'list-append', '--keys', '3', '--txn-ops', '2', '--seed', '1'])).toMatchObject({ workload: 'list-append', keys: 3, txnOps: 2 });
    expect(() => parseCli(['--workload', 'ledger'])).toThrow(UsageError);
    expect(() => parseCli(['--accounts', '1'])).toThrow(UsageError);
  });

  test('broken-watch and split-transactions are broken modes: named only, never in "all"', () => {
    expect(parseFaults('broken-watch')).toEqual({ proxyKill: false, emulator: { rates: {}, ignorePreconditions: false, unsafeIgnoreWatch: true } });
    expect(parseFaults('split-transactions')).toEqual({ proxyKill: false, splitTransactions: true, emulator: { rates: {}, ignorePreconditions: false } });
    const all = parseFaults('all');
    expect(all.splitTransactions).toBeUndefined();
    expect(all.emulator.unsafeIgnoreWatch).toBeUndefined();
    expect(() => parseCli(['--addrs', 'h:1', '--faults', 'split-transactions'])).toThrow(UsageError);
  });
});

describe('against redis-server (the reference): histories check clean', () => {
  let redis: ReferenceRedis;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  test.each(['bank', 'list-append'] as const)(
    '%s',
    async (workload) => {
      const r = await run({ workload, seed: 31, seconds: 2, clients: 6, addrs: [`127.0.0.1:${redis.port}`], rotateMs: 1000 });
      expect(verdict(r)).toBe(`true\n${r.lines.join('\n')}`);
      expect(r.s.txns?.checked).toBeGreaterThan(100);
      expect(r.s.txns?.anomalies).toEqual({});
      expect(r.s.finalReads.answered).toBe(r.s.finalReads.keys);
    },
    RUN_MS,
  );
});

describe('on the emulator, 3 proxies', () => {
  test(
    'bank, every fault on: exact audits, every balance explained, the per-key check linearizable',
    async () => {
      const r = await run({ workload: 'bank', seed: 21, faults: 'all', proxies: 3, clients: 12 });
      expect(verdict(r)).toBe(`true\n${r.lines.join('\n')}`);
      const t = r.s.txns;
      // Every way of moving money and of auditing ran, and EXEC's null was retried.
      for (const via of ['cas-set', 'cas-incr', 'eval', 'audit-mget', 'audit-gets', 'audit-eval']) expect(t?.byVia[via]).toBeGreaterThan(0);
      expect(t?.outcomes.ok).toBeGreaterThan(0);
      expect(t?.outcomes.aborted).toBeGreaterThan(0);
      expect(r.s.faults[PROXY_KILL]?.injected).toBe(1);
      // Transactions checked while faults fired, per class.
      expect(r.s.faults.s3_500?.txnsInFlight).toBeGreaterThan(0);
      expect(r.s.faults.lambda_429?.txnsInFlight).toBeGreaterThan(0);
      expect(r.lines.some((l) => l.startsWith('faults: class  injected  ops checked / transactions checked'))).toBe(true);
      expect(r.s.finalReads.answered).toBe(r.s.finalReads.keys);
    },
    RUN_MS,
  );

  test(
    'list-append, every fault on: the dependency graph with real time is acyclic',
    async () => {
      // 12 s, not 8: on the paged layout (tiny pages: every list soon a stub over member pages) a commit makes a
      // second round of PUTs, and the checked transactions must still pass 100 on a loaded machine.
      const r = await run({ workload: 'list-append', seed: 22, faults: 'all', proxies: 3, clients: 12, seconds: 12 });
      expect(verdict(r)).toBe(`true\n${r.lines.join('\n')}`);
      for (const via of ['multi', 'eval']) expect(r.s.txns?.byVia[via]).toBeGreaterThan(0);
      expect(r.s.txns?.checked).toBeGreaterThan(100);
      // Every other key is a stream (XADD / XRANGE), checked as the strings are.
      expect(r.s.txns?.detail).toMatch(/ \([1-9]\d* on streams\)/);
      expect(r.s.faults.s3_ambiguous_put?.txnsInFlight).toBeGreaterThan(0);
      expect(r.s.finalReads.withValue).toBeGreaterThan(0);
    },
    RUN_MS,
  );

  test.each(['bank', 'list-append'] as const)(
    '%s: the final reads catch acknowledged transactions lost (db.json wiped behind the cluster\'s back before them)',
    async (workload) => {
      const r = await run({
        workload,
        seed: 41,
        seconds: 4,
        beforeFinalReads: (emu) => {
          emu?.s3.buckets.get(emu.bucket)?.delete('db.json');
        },
      });
      expect(verdict(r)).toBe(`false\n${r.lines.join('\n')}`);
      const kinds = Object.keys(r.s.txns?.anomalies ?? {});
      if (workload === 'bank') {
        // Every account back at its starting balance: the total still holds; the ledger and the per-key check see it.
        expect(kinds.sort()).toEqual(['not-linearizable-key', 'unexplained-balance']);
      } else expect(kinds.some((k) => k === 'lost-append' || k.startsWith('cycle-'))).toBe(true);
    },
    RUN_MS,
  );

  test(
    'broken-watch (handlers ignore WATCH): the bank\'s audits see money made and lost',
    async () => {
      const r = await run({ workload: 'bank', seed: 12, faults: 'broken-watch', proxies: 3, clients: 12, seconds: 6 });
      expect(verdict(r)).toBe(`false\n${r.lines.join('\n')}`);
      expect(r.s.txns?.anomalies['bad-total']).toBeGreaterThan(0);
      expect(r.s.txns?.anomalies['unexplained-balance']).toBeGreaterThan(0);
      expect(r.lines[0]).toMatch(/handlers IGNORE WATCH: a broken mode/);
      // --check on the saved history gives the same verdict without a cluster.
      expect(recheck(r.s.historyPath as string, () => undefined)).toEqual({ linearizable: 'false', lastLine: expect.stringMatching(/ linearizable=false seed=12$/) });
    },
    RUN_MS,
  );

  test(
    'split-transactions (the proxies send MULTI\'s commands one by one): list-append finds a cycle',
    async () => {
      // A broken mode of the proxies, not of storage: run unpaged (the product's page sizes), where a list-append
      // run makes the most transactions in its 6 s, so that the split ones surely form a cycle.
      const r = await run({ workload: 'list-append', seed: 13, faults: 'split-transactions', proxies: 3, clients: 12, seconds: 6, pageThreshold: 1 << 20, pageBytes: 1 << 20 });
      expect(verdict(r)).toBe(`false\n${r.lines.join('\n')}`);
      expect(Object.keys(r.s.txns?.anomalies ?? {}).some((k) => k.startsWith('cycle-'))).toBe(true);
      expect(r.lines.some((l) => /^ {2}G[-0-9a-z]+ cycle: T\d+ -(ww|wr|rw|rt)/.test(l))).toBe(true);
      expect(recheck(r.s.historyPath as string, () => undefined).linearizable).toBe('false');
    },
    RUN_MS,
  );
});
