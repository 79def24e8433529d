/**
 * `--cold N` (layout.ts §14): GET latency from a fresh Lambda execution
 * environment against a warm one, one client, one GET at a time, through
 * the proxy and the emulated Invoke. Fresh: the function is re-registered
 * before each GET, so the invoke lands on a new environment — new S3
 * client, no cached root, empty page cache — and pays root + node + leaf
 * GETs. Warm: one environment that first served MGETs of random keys
 * that load (about) every leaf into its cache, as a long-running
 * environment's cache ends up (1M keys of 64 B are ~94 MB of pages, under
 * the 128 MiB cap), and then revalidates only its root per GET. What the emulator cannot show is the
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

/**
 * MGETs of 1000 random keys that leave no leaf unloaded (expected < 0.5):
 * ~L = keys/5,400 leaves of 512 KiB at 64 B values; a leaf is missed by m
 * random keys with probability e^(-m/L), so m = L·ln(2L).
 */
const warmMgets = (keySpace: number): number => {
  const leaves = Math.max(1, keySpace / 5400);
  return Math.max(1, Math.ceil((leaves * Math.log(2 * leaves)) / 1000));
};

export async function coldVsWarm(emu: Emulator, fn: FunctionOptions, port: number, keySpace: number, samples: number): Promise<ColdWarm> {
  const c = await RawClient.connect(port);
  let rng = 777;
  const key = () => benchKey(Math.floor(((rng = (rng * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * keySpace));
  try {
    emu.addFunction(emu.functionName, fn);
    // Warm: MGETs of 1000 random keys each load every leaf they touch, in parallel (a SCAN, which
    // loads the database page by page, would not fit the 10 s Lambda timeout on a busy machine).
    for (let i = 0; i < warmMgets(keySpace); i++) {
      const r: Resp = await c.call('MGET', ...Array.from({ length: 1000 }, key));
      if (r.t !== 'array') throw new Error(`--cold: the warm-up MGET answered ${JSON.stringify(r)}`);
    }
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
