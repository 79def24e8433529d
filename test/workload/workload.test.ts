/**
 * The serializability property test (issue 3) and its RGW variant (issue 7):
 * short runs with fixed seeds, one after another. Each asserts on the
 * checker's verdict, never on timing: a slow machine yields fewer operations,
 * not a different verdict.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Document } from '../../lambda/document';
import type { FunctionS3 } from '../support/emulator';
import { startProxy } from '../support/proxy-harness';
import { startRgw, type Rgw } from '../support/rgw';
import { CLOCK_MARGIN_MS, DEFAULTS, PROXY_KILL, UsageError, checkerSkewMs, parseCli, parseFaults } from './options';
import { killTimes, runWorkload, type WorkloadOptions, type WorkloadSummary } from './workload';

const RUN_MS = 240_000;

async function run(o: Partial<WorkloadOptions> & { seed: number }): Promise<{ s: WorkloadSummary; lines: string[] }> {
  const lines: string[] = [];
  const s = await runWorkload({ ...DEFAULTS, seconds: 10, ...o, log: (l) => lines.push(l) });
  return { s, lines };
}

/** The verdict, with the run's own summary as the failure message. */
function verdict(r: { s: WorkloadSummary; lines: string[] }): string {
  return `${r.s.linearizable}\n${r.lines.join('\n')}`;
}

const injected = (s: WorkloadSummary): number => Object.values(s.faults).reduce((n, f) => n + (f?.injected ?? 0), 0);

describe('options', () => {
  test('"all" is every fault, clock skew and the proxy kill, never a broken mode', () => {
    const all = parseFaults('all');
    expect(all.proxyKill).toBe(true);
    // The writer-lease faults: "all" runs the proxies with the lease.
    expect(all.cluster).toEqual(['writer_kill', 'lease_steal', 'forward_drop']);
    expect(parseFaults('writer_kill').cluster).toEqual(['writer_kill']);
    expect(() => parseFaults('lease_steal=0.5')).toThrow(/no rate/);
    expect(all.emulator.ignorePreconditions).toBe(false);
    expect(all.emulator.unsafeLocalExpiry).toBeUndefined();
    expect(Object.keys(all.emulator.rates ?? {}).sort()).toEqual(['clock_skew', 'crash_after_pages', 'lambda_429', 'lambda_ambiguous', 'lambda_error', 'page_put_fail', 's3_409', 's3_500', 's3_503', 's3_ambiguous_put', 's3_hang', 's3_latency']);
    // clock_skew's "rate" is its bound in ms.
    expect(all.emulator.rates?.clock_skew).toBe(3000);
    expect(parseFaults('clock_skew=1500').emulator.rates).toEqual({ clock_skew: 1500 });
    expect(parseFaults('broken-expiry')).toEqual({ proxyKill: false, emulator: { rates: { clock_skew: 3000 }, ignorePreconditions: false, unsafeLocalExpiry: true } });
    expect(parseFaults('broken-expiry,clock_skew=1000').emulator.rates).toEqual({ clock_skew: 1000 });
    const broken = parseFaults('ignore-preconditions');
    expect(broken).toEqual({ proxyKill: false, emulator: { rates: {}, ignorePreconditions: true } });
    expect(parseFaults(`s3_500=0.5,${PROXY_KILL}`)).toEqual({ proxyKill: true, emulator: { rates: { s3_500: 0.5 }, ignorePreconditions: false } });
  });

  test('the CLI parses the flags of issue 3 and refuses what cannot work', () => {
    const o = parseCli(['--seconds', '60', '--proxies', '3', '--clients', '12', '--keys', '5', '--seed', '9', '--faults', 'all']);
    expect(o).toMatchObject({ seconds: 60, proxies: 3, clients: 12, keys: 5, seed: 9, faults: 'all', s3: 'emulator' });
    expect(parseCli(['--addrs', 'db.example.com:6379,10.0.0.1:6380', '--password', 'pw', '--tls'])).toMatchObject({ addrs: ['db.example.com:6379', '10.0.0.1:6380'], password: 'pw', tls: true });
    expect(parseCli(['--help'])).toBe('help');
    // Tiny pages by default (every run paged); the product's sizes on request.
    expect(parseCli(['--seed', '1'])).toMatchObject({ pageThreshold: 256, pageBytes: 256 });
    expect(parseCli(['--page-threshold', '1048576', '--page-bytes', '65536'])).toMatchObject({ pageThreshold: 1048576, pageBytes: 65536 });
    expect(() => parseCli(['--page-bytes', '0'])).toThrow(UsageError);
    expect(() => parseCli(['--addrs', 'h:1', '--faults', 'all'])).toThrow(UsageError);
    expect(() => parseCli(['--faults', 'nope'])).toThrow(/unknown fault/);
    expect(() => parseCli(['--tls'])).toThrow(/--addrs/);
    expect(() => parseCli(['--s3', 'rgw', '--faults', 'ignore-preconditions'])).toThrow(UsageError);
  });

  test("the checker's skew bound: the lead clock_skew injects (capped by the handlers' 5 s + 1 s) plus the lag, plus a margin", () => {
    expect(checkerSkewMs(0)).toBe(CLOCK_MARGIN_MS);
    expect(checkerSkewMs(3000)).toBe(6000 + CLOCK_MARGIN_MS);
    // A handler further ahead is refused, so the lead counts only up to the bound; a lag is not bounded.
    expect(checkerSkewMs(9000)).toBe(6000 + 9000 + CLOCK_MARGIN_MS);
    expect(parseCli(['--clock-skew-ms', '250', '--seed', '1'])).toMatchObject({ clockSkewMs: 250 });
  });

  test('the proxy is killed inside the run, about once per 20 s', () => {
    expect(killTimes(10)).toEqual([5000]);
    expect(killTimes(60)).toEqual([15000, 30000, 45000]);
  });
});

describe('on the emulator', () => {
  test(
    'every fault on: the history is linearizable',
    async () => {
      const r = await run({ seed: 101, faults: 'all', proxies: 3, clients: 12 });
      expect(verdict(r)).toBe(`true\n${r.lines.join('\n')}`);
      expect(r.s.ops).toBeGreaterThan(0);
      expect(injected(r.s)).toBeGreaterThan(0);
      expect(r.s.faults[PROXY_KILL]?.injected).toBe(1);
      // The writer lease's faults: its holder killed, the lease stolen, the internal links cutting and delaying.
      for (const f of ['writer_kill', 'lease_steal', 'forward_drop'] as const) expect(r.s.faults[f]?.injected).toBeGreaterThan(0);
      // TTLs and counters ran, on handler clocks up to 3 s apart either way.
      for (const k of ['SET PX', 'PEXPIRE', 'PTTL', 'INCR', 'INCRBY']) expect(r.s.kinds?.[k]).toBeGreaterThan(0);
      // Registers inside a hash, a sorted set and a set, as fields and members (families.ts).
      for (const k of ['HGET', 'HSET', 'HDEL', 'HINCRBY', 'ZSCORE', 'ZADD', 'ZREM', 'ZINCRBY', 'SISMEMBER', 'SADD', 'SREM']) expect(r.s.kinds?.[k]).toBeGreaterThan(0);
      expect(r.s.faults.clock_skew?.injected).toBeGreaterThan(0);
      expect(r.s.clocks).toMatchObject({ minMs: -3000, maxMs: 3000 });
      expect(r.s.clockSkewMs).toBe(6000 + CLOCK_MARGIN_MS);
      expect(r.s.lastLine).toMatch(/^ops=\d+ ok=\d+ failed=\d+ pending=\d+ keys=\d+ linearizable=true seed=101$/);
      // Every run is paged (the workload's tiny page threshold): db.json is a root over page objects.
      expect(r.s.layout?.format).toBe(4);
      expect(r.s.layout?.pages).toBeGreaterThan(0);
    },
    RUN_MS,
  );

  test(
    'paged: page PUTs failing and handlers crashing between their page uploads and the root PUT lose nothing',
    async () => {
      const r = await run({ seed: 102, faults: 'page_put_fail=0.2,crash_after_pages=0.2,s3_ambiguous_put,lambda_ambiguous', proxies: 2, clients: 8 });
      expect(verdict(r)).toBe(`true\n${r.lines.join('\n')}`);
      expect(r.s.faults.page_put_fail?.injected).toBeGreaterThan(0);
      expect(r.s.faults.crash_after_pages?.injected).toBeGreaterThan(0);
      expect(r.s.layout?.format).toBe(4);
      // A crash reaches the proxy as a function error (an unknown outcome), never as an answer (a crash whose
      // caller had already given up on the invocation answers no one, so the counts need not be equal).
      expect(r.s.emulator?.functionErrors).toBeGreaterThan(0);
      expect(r.s.finalReads.answered).toBe(r.s.finalReads.keys);
    },
    RUN_MS,
  );

  test(
    'unpaged (the product page threshold): db.json stays format 3 under every fault',
    async () => {
      const r = await run({ seed: 103, faults: 'all', proxies: 2, clients: 8, seconds: 8, pageThreshold: 1 << 20, pageBytes: 1 << 20 });
      expect(verdict(r)).toBe(`true\n${r.lines.join('\n')}`);
      expect(r.s.layout).toEqual({ format: 3, pages: 0 });
    },
    RUN_MS,
  );

  test(
    'exactly-once commits: ambiguous writes and invokes resolve into answers instead of errors',
    async () => {
      // Same seed, same faults; only the commit-window resolution and the re-sent invokes differ.
      const faults = 's3_ambiguous_put=0.2,lambda_ambiguous=0.1';
      const before = await run({ seed: 404, faults, proxies: 2, clients: 8, seconds: 8, exactlyOnce: false });
      const after = await run({ seed: 404, faults, proxies: 2, clients: 8, seconds: 8 });
      expect(verdict(before)).toBe(`true\n${before.lines.join('\n')}`);
      expect(verdict(after)).toBe(`true\n${after.lines.join('\n')}`);
      const rate = (r: { s: WorkloadSummary }) => r.s.failed / r.s.ops;
      expect(before.s.errors.UNKNOWN ?? 0).toBeGreaterThan(0);
      expect(rate(after)).toBeLessThan(rate(before) / 2);
    },
    RUN_MS,
  );

  test(
    'storage that ignores preconditions: the checker reports a violation and writes a report',
    async () => {
      const r = await run({ seed: 202, faults: 'ignore-preconditions', proxies: 3, clients: 12, seconds: 8 });
      expect(verdict(r)).toBe(`false\n${r.lines.join('\n')}`);
      expect(r.s.violations).toBeGreaterThan(0);
      expect(r.s.reportPath).toBeDefined();
      expect(existsSync(r.s.reportPath as string)).toBe(true);
      const report = readFileSync(r.s.reportPath as string, 'utf8');
      expect(report).toMatch(/NOT linearizable/);
      // Lost updates inside aggregates are seen too: a hash field's and a sorted-set member's histories.
      expect(report).toMatch(/key "hash:[^"]+\|f[01]": NOT linearizable/);
      expect(report).toMatch(/key "zset:[^"]+\|m[01]": NOT linearizable/);
      expect(r.lines).toContain(`report: ${r.s.reportPath}`);
      expect(r.s.lastLine).toMatch(/ linearizable=false seed=202$/);
    },
    RUN_MS,
  );

  test(
    'broken-expiry (a key seen expired on one handler\'s clock, not committed): the checker sees it come back',
    async () => {
      // Only keys have TTLs: registers inside aggregates would just thin out the operations this is about.
      const r = await run({ seed: 7, faults: 'broken-expiry', proxies: 3, clients: 12, seconds: 10, types: false });
      expect(verdict(r)).toBe(`false\n${r.lines.join('\n')}`);
      expect(r.s.violations).toBeGreaterThan(0);
      expect(existsSync(r.s.reportPath as string)).toBe(true);
      expect(readFileSync(r.s.reportPath as string, 'utf8')).toMatch(/NOT linearizable/);
      expect(r.s.lastLine).toMatch(/ linearizable=false seed=7$/);
    },
    RUN_MS,
  );

  test(
    'a server whose keys never expire (every handler clock stopped): the checker catches it',
    async () => {
      const stopped = Date.now();
      // As for broken expiry: only keys have TTLs, so the aggregates stay out of this one.
      const r = await run({ seed: 808, faults: 'none', seconds: 5, handlerClock: () => () => stopped, types: false });
      expect(verdict(r)).toBe(`false\n${r.lines.join('\n')}`);
      expect(readFileSync(r.s.reportPath as string, 'utf8')).toMatch(/expiry\(#\d+\)/);
    },
    RUN_MS,
  );

  test(
    'no acknowledged write lost: after a faulty run, every key read with faults off holds a state the model allows',
    async () => {
      // No FLUSHALL, so that most keys end with a value worth checking.
      const r = await run({ seed: 303, faults: 'all', flushallRate: 0 });
      expect(verdict(r)).toBe(`true\n${r.lines.join('\n')}`);
      expect(injected(r.s)).toBeGreaterThan(0);
      expect(r.s.finalReads.keys).toBeGreaterThan(0);
      expect(r.s.finalReads.answered).toBe(r.s.finalReads.keys);
      expect(r.s.finalReads.withValue).toBeGreaterThan(0);
    },
    RUN_MS,
  );

  test(
    'the final reads catch a lost write: db.json wiped behind the cluster\'s back before them',
    async () => {
      let held = 0;
      const r = await run({
        seed: 404,
        faults: 'none',
        flushallRate: 0,
        // No TTLs: otherwise, on a slow machine, every key may end expired or
        // deleted, and the wipe would lose nothing there was to catch.
        ttl: false,
        seconds: 5,
        beforeFinalReads: (emu) => {
          const objects = emu?.s3.buckets.get(emu.bucket);
          const body = objects?.get('db.json')?.body;
          held = body ? Document.decode(body).size : 0;
          // Every acknowledged SET that no DEL followed is now lost.
          objects?.delete('db.json');
        },
      });
      expect(held).toBeGreaterThan(0);
      expect(verdict(r)).toBe(`false\n${r.lines.join('\n')}`);
    },
    RUN_MS,
  );

  test(
    'liveness: without faults at least 99% of operations succeed',
    async () => {
      const r = await run({ seed: 505, faults: 'none' });
      expect(verdict(r)).toBe(`true\n${r.lines.join('\n')}`);
      expect(r.s.ops).toBeGreaterThan(0);
      expect(r.s.successRatio).toBeGreaterThanOrEqual(0.99);
    },
    RUN_MS,
  );
});

describe('on Ceph RGW (issue 7)', () => {
  let rgw: Rgw | undefined;
  let target: FunctionS3;
  beforeAll(async () => {
    const env = process.env;
    if (env.VALTHREE_TEST_RGW_ENDPOINT) {
      // Booted once for the whole run by jest's global setup.
      target = {
        endpoint: env.VALTHREE_TEST_RGW_ENDPOINT,
        bucket: env.VALTHREE_TEST_RGW_BUCKET ?? 'valthree-test',
        region: env.VALTHREE_TEST_RGW_REGION ?? 'us-east-1',
        credentials: { accessKeyId: env.VALTHREE_TEST_RGW_ACCESS_KEY ?? '', secretAccessKey: env.VALTHREE_TEST_RGW_SECRET_KEY ?? '' },
      };
      return;
    }
    rgw = await startRgw();
    target = { endpoint: rgw.endpoint, bucket: rgw.bucket, region: rgw.region, credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey } };
  }, 120_000);
  afterAll(async () => {
    await rgw?.stop();
  });

  test(
    'the real handler on RGW through the emulated Lambda, a proxy killed mid-run: linearizable',
    async () => {
      const r = await run({ seed: 606, s3: 'rgw', rgwTarget: target, faults: PROXY_KILL, proxies: 3, clients: 12 });
      expect(verdict(r)).toBe(`true\n${r.lines.join('\n')}`);
      expect(r.s.ops).toBeGreaterThan(0);
      expect(r.s.faults[PROXY_KILL]?.injected).toBe(1);
      expect(r.s.finalReads.answered).toBe(r.s.finalReads.keys);
    },
    RUN_MS,
  );

  test(
    'two npm-start servers on one RGW bucket (handler in-process), one killed and restarted: linearizable',
    async () => {
      const r = await run({ seed: 707, s3: 'rgw', rgwTarget: target, executor: 'in-process', faults: PROXY_KILL, proxies: 2, clients: 8 });
      expect(verdict(r)).toBe(`true\n${r.lines.join('\n')}`);
      expect(r.s.ops).toBeGreaterThan(0);
      expect(r.s.faults[PROXY_KILL]?.injected).toBe(1);
      expect(r.s.finalReads.answered).toBe(r.s.finalReads.keys);
    },
    RUN_MS,
  );
});

describe('--addrs: a cluster someone else runs', () => {
  test(
    'over TLS with a password, the same clients and checker',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'valthree-wl-tls-'));
      const cert = join(dir, 'cert.pem');
      const key = join(dir, 'key.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
      const proxy = await startProxy(['--data-dir', join(dir, 'data'), '--tls-cert', cert, '--tls-key', key, '--requirepass', 'pw']);
      try {
        const r = await run({ seed: 707, addrs: [`127.0.0.1:${proxy.port}`], password: 'pw', tls: true, tlsInsecure: true, clients: 4, seconds: 4 });
        expect(verdict(r)).toBe(`true\n${r.lines.join('\n')}`);
        expect(r.s.ok).toBeGreaterThan(0);
        expect(r.s.finalReads.answered).toBe(r.s.finalReads.keys);
        // A wrong password stops the run with the server's reason, not a verdict.
        await expect(run({ seed: 708, addrs: [`127.0.0.1:${proxy.port}`], password: 'wrong', tls: true, tlsInsecure: true, clients: 2, seconds: 2 })).rejects.toThrow(/WRONGPASS/);
      } finally {
        await proxy.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    RUN_MS,
  );
});
