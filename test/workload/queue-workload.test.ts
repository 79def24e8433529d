/**
 * The queue workload (issue 14's proof): short runs on fixed seeds, one
 * after another. Against redis-server (the reference) and against valthree
 * with every fault on — the writer-lease faults included — every list
 * checks as a linearizable FIFO queue; when data is lost on purpose, or the
 * storage ignores preconditions (a broken mode), the check finds it. Each
 * asserts on the check's verdict, never on timing.
 */
import { startRedisServer, type ReferenceRedis } from '../support/redis-server';
import { DEFAULTS, parseCli } from './options';
import { recheck, runWorkload, type WorkloadOptions, type WorkloadSummary } from './workload';

const RUN_MS = 240_000;

async function run(o: Partial<WorkloadOptions> & { seed: number }): Promise<{ s: WorkloadSummary; lines: string[] }> {
  const lines: string[] = [];
  const s = await runWorkload({ ...DEFAULTS, workload: 'queue', seconds: 8, ...o, log: (l) => lines.push(l) });
  return { s, lines };
}

/** The verdict, with the run's own summary as the failure message. */
const verdict = (r: { s: WorkloadSummary; lines: string[] }): string => `${r.s.linearizable}\n${r.lines.join('\n')}`;

test('--workload queue is an option; --keys counts its lists', () => {
  expect(parseCli(['--workload', 'queue', '--keys', '2', '--seed', '1'])).toMatchObject({ workload: 'queue', keys: 2 });
});

describe('against redis-server (the reference)', () => {
  let redis: ReferenceRedis;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  test(
    'every list is a FIFO queue, and the drain empties every list',
    async () => {
      const r = await run({ seed: 31, seconds: 3, clients: 6, addrs: [`127.0.0.1:${redis.port}`] });
      expect(verdict(r)).toBe(`true\n${r.lines.join('\n')}`);
      expect(r.s.txns?.byVia['brpop-element']).toBeGreaterThan(0);
      expect(r.s.finalReads.answered).toBe(r.s.finalReads.keys);
    },
    RUN_MS,
  );
});

describe('on the emulator, 3 proxies', () => {
  test(
    'every fault on (writer lease, its kills, steals and dropped forwards included): linearizable queues',
    async () => {
      const r = await run({ seed: 23, faults: 'all', proxies: 3, clients: 12, seconds: 12 });
      expect(verdict(r)).toBe(`true\n${r.lines.join('\n')}`);
      const via = r.s.txns?.byVia ?? {};
      // Pushes, pops that took an element both ways, and pops that found nothing.
      for (const v of ['lpush', 'rpop-element', 'brpop-element']) expect(via[v]).toBeGreaterThan(0);
      expect((via['rpop-empty'] ?? 0) + (via['brpop-empty'] ?? 0)).toBeGreaterThan(0);
      for (const f of ['writer_kill', 'lease_steal', 'proxy_kill', 's3_ambiguous_put'] as const) expect(r.s.faults[f]?.injected).toBeGreaterThan(0);
      expect(r.s.finalReads.answered).toBe(r.s.finalReads.keys);
    },
    RUN_MS,
  );

  test(
    'db.json wiped behind the cluster\'s back before the drain: acknowledged pushes are lost, and the check says so',
    async () => {
      const r = await run({
        seed: 41,
        seconds: 4,
        beforeFinalReads: (emu) => {
          emu?.s3.buckets.get(emu.bucket)?.delete('db.json');
        },
      });
      expect(verdict(r)).toBe(`false\n${r.lines.join('\n')}`);
      expect(Object.keys(r.s.txns?.anomalies ?? {})).toContain('lost');
    },
    RUN_MS,
  );

  test(
    'ignore-preconditions (storage ignores If-Match): proxies overwrite each other\'s pops and pushes; --check agrees',
    async () => {
      const r = await run({ seed: 12, faults: 'ignore-preconditions', proxies: 3, clients: 12, seconds: 6 });
      expect(verdict(r)).toBe(`false\n${r.lines.join('\n')}`);
      const kinds = Object.keys(r.s.txns?.anomalies ?? {});
      expect(kinds.some((k) => k === 'duplicate' || k === 'lost')).toBe(true);
      expect(recheck(r.s.historyPath as string, () => undefined)).toEqual({ linearizable: 'false', lastLine: expect.stringMatching(/ linearizable=false seed=12$/) });
    },
    RUN_MS,
  );
});
