/**
 * `--cold N` (layout.ts §14): GET latency from a fresh Lambda execution
 * environment against a warm one, one client, one GET at a time, through
 * the proxy and the emulated Invoke. Fresh: the function is re-registered
 * before each GET, so the invoke lands on a new environment — new S3
 * client, no cached root, empty page cache — and pays root + node + leaf
 * GETs. Warm: one environment that first served `SCAN 0 COUNT 1` (which,
 * until SCAN walks pages (layout.ts step 5), loads every page of the
 * database into its cache, as a long-running environment's cache ends up:
 * 1M keys of 64 B are ~94 MB of pages, under the 256 MiB cap) and then
 * revalidates only its root per GET. What the emulator cannot show is the
 * runtime's own cold start (Node init, code load), which real Lambda adds.
 */
import { performance } from 'node:perf_hooks';
import type { Emulator } from '../support/emulator';
import type { FunctionOptions } from '../support/emulator-lambda';
import { RawClient, type Resp } from '../support/resp-client';
import { benchKey } from './prefill';

export interface ColdWarm {
  cold_samples: number;
  cold_get_p50_ms: number;
  cold_get_p99_ms: number;
  warm_get_seq_p50_ms: number;
  warm_get_seq_p99_ms: number;
  /** Invocations the cold GETs made, per GET: 1 shows each really reached a (fresh) environment. */
  cold_invocations_per_get: number;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Number(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))].toFixed(2)) : 0;
};

/** A GET answered with a value (every drawn key was prefilled): anything else is a broken run, not a sample. */
async function timedGet(c: RawClient, key: string): Promise<number> {
  const t0 = performance.now();
  const r = await c.call('GET', key);
  const ms = performance.now() - t0;
  if (r.t !== 'bulk' || !r.v) throw new Error(`--cold: GET ${key} answered ${JSON.stringify(r)} (is --keys within --prefill?)`);
  return ms;
}

export async function coldVsWarm(emu: Emulator, fn: FunctionOptions, port: number, keySpace: number, samples: number): Promise<ColdWarm> {
  const c = await RawClient.connect(port);
  let rng = 777;
  const key = () => benchKey(Math.floor(((rng = (rng * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * keySpace));
  try {
    emu.addFunction(emu.functionName, fn);
    const warmed: Resp = await c.call('SCAN', '0', 'COUNT', '1');
    if (warmed.t !== 'array') throw new Error(`--cold: the warm-up SCAN answered ${JSON.stringify(warmed)}`);
    for (let i = 0; i < 20; i++) await timedGet(c, key());
    const warm: number[] = [];
    for (let i = 0; i < samples; i++) warm.push(await timedGet(c, key()));
    const cold: number[] = [];
    const invokes = emu.stats.invocations;
    for (let i = 0; i < samples; i++) {
      emu.addFunction(emu.functionName, fn);
      cold.push(await timedGet(c, key()));
    }
    return {
      cold_samples: samples,
      cold_get_p50_ms: pct(cold, 50),
      cold_get_p99_ms: pct(cold, 99),
      warm_get_seq_p50_ms: pct(warm, 50),
      warm_get_seq_p99_ms: pct(warm, 99),
      cold_invocations_per_get: Number(((emu.stats.invocations - invokes) / samples).toFixed(3)),
    };
  } finally {
    c.socket.destroy();
  }
}
