/**
 * `npm run bench -- --kill-writer-at S --proxies K`: K proxies (K ≥ 2) with
 * the writer lease over the emulator; half the clients SET, half GET; at S
 * seconds the lease holder is SIGKILLed. Its clients reconnect to the next
 * proxy (as an NLB would send them). Reports the longest time in which no
 * write, and no read, was answered anywhere: the failover gap.
 */
import { performance } from 'node:perf_hooks';
import { lambdaEnv } from '../e2e/backends';
import { startEmulator } from '../support/emulator';
import { spawnProxy, type ChildProxy } from '../support/proxy-harness';
import { RawClient } from '../support/resp-client';
import { stablePort } from '../workload/child-proxy';
import type { BenchOptions } from './options';

/** The proxy whose last lease log line names itself as the writer. */
function writerOf(proxies: ChildProxy[]): number {
  return proxies.findIndex((p) => {
    const lines = p.output().split('\n').filter((l) => l.includes('"writer lease changed hands"'));
    const last = lines.length > 0 ? (JSON.parse(lines[lines.length - 1]) as { writer: string | null; me: string }) : null;
    return last !== null && last.writer === last.me;
  });
}

/** The longest interval without an answered operation, among intervals that contain `at`, and overall after warm-up. */
function gapAround(times: number[], at: number): number {
  const t = [...times].sort((a, b) => a - b);
  let gap = 0;
  for (let i = 1; i < t.length; i++) if (t[i - 1] <= at + 10_000 && t[i] >= at) gap = Math.max(gap, t[i] - t[i - 1]);
  return gap;
}

export async function failoverBench(o: BenchOptions, killAtS: number): Promise<Record<string, unknown>> {
  const proxiesN = Math.max(2, o.proxies);
  const emu = await startEmulator({ latency: { s3GetMs: o.s3GetMs, s3PutMs: o.s3PutMs, invokeMs: o.invokeMs, perMbMs: o.perMbMs, jitterMs: 0 }, function: { cache: true, maxEnvironments: 256 } });
  const proxies: ChildProxy[] = [];
  try {
    for (let i = 0; i < proxiesN; i++) proxies.push(await spawnProxy(['--function', emu.functionName, '--internal-port', String(await stablePort())], lambdaEnv(emu)));
    const alive = new Set(proxies.map((_, i) => i));
    const writes: number[] = [];
    const reads: number[] = [];
    let errors = 0;
    const start = performance.now();
    const end = start + o.seconds * 1000;
    let killedAt = Infinity;
    let killed = -1;
    const client = async (i: number) => {
      let at = i % proxiesN;
      let c = await RawClient.connect(proxies[at].port);
      const write = i % 2 === 0;
      while (performance.now() < end) {
        try {
          const r = await c.call(...(write ? ['SET', `key:${i}`, 'v'] : ['GET', `key:${i}`]));
          if (r.t === 'error') errors++;
          else (write ? writes : reads).push(performance.now());
        } catch {
          // The proxy died under this connection: the NLB would send it to another.
          c.socket.destroy();
          do at = (at + 1) % proxiesN;
          while (!alive.has(at));
          c = await RawClient.connect(proxies[at].port);
        }
      }
      c.socket.destroy();
    };
    const kill = (async () => {
      await new Promise((r) => setTimeout(r, killAtS * 1000));
      killed = writerOf(proxies);
      if (killed < 0) throw new Error('no proxy holds the writer lease');
      alive.delete(killed);
      killedAt = performance.now();
      proxies[killed].child.kill('SIGKILL');
    })();
    await Promise.all([kill, ...Array.from({ length: o.clients }, (_, i) => client(i))]);
    const newWriter = writerOf(proxies.filter((_, i) => i !== killed));
    return {
      workload: 'failover', proxies: proxiesN, clients: o.clients, seconds: o.seconds, kill_at_s: killAtS,
      write_gap_ms: Math.round(gapAround(writes, killedAt)), read_gap_ms: Math.round(gapAround(reads, killedAt)),
      writes_after_kill: writes.filter((t) => t > killedAt).length, reads_after_kill: reads.filter((t) => t > killedAt).length,
      errors, new_writer_elected: newWriter >= 0,
    };
  } finally {
    for (const p of proxies) p.child.kill('SIGKILL');
    await emu.close();
  }
}
