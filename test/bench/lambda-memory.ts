/**
 * `npm run bench -- --workload lambda-memory --prefill 1000000 --keys 1000000`
 * (layout.ts §14): the peak memory of ONE Lambda environment — the handler
 * alone in its own process, as Lambda runs it — serving batches of
 * `--clients` SETs over the prefilled keys, against the emulator's S3 with
 * its latency. The child (lambda-memory-child.ts) also answers the fold
 * requests its responses ask for and hands their deltas to its next batch,
 * as the writer proxy would: a fold is the heaviest thing an environment
 * runs, and any environment may get one. Peak RSS is the kernel's VmHWM;
 * the heap is sampled every 5 ms. The stack's memory setting follows.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { S3Store } from '../../lambda/store/s3';
import { startEmulator } from '../support/emulator';
import type { BenchOptions } from './options';
import { prefillStore, type PrefillResult } from './prefill';

export interface LambdaMemoryResult {
  workload: 'lambda-memory';
  prefill: number;
  prefill_pages: number;
  page_cache_mib: number;
  batch_size: number;
  batches: number;
  failed_batches: number;
  folds_applied: number;
  /** The process before its first batch (node, the handler's modules, tsx's loader) and at its peak. */
  baseline_rss_mib: number;
  peak_rss_mib: number;
  peak_heap_used_mib: number;
  peak_external_mib: number;
  batch_p50_ms: number;
  batch_max_ms: number;
  /** Fold requests this environment answered, and the longest (page reads, fold, uploads). */
  fold_requests: number;
  fold_max_ms: number;
}

export async function lambdaMemory(o: BenchOptions): Promise<LambdaMemoryResult> {
  const emu = await startEmulator({ latency: { s3GetMs: o.s3GetMs, s3PutMs: o.s3PutMs, invokeMs: o.invokeMs, perMbMs: o.perMbMs, jitterMs: 0 } });
  try {
    const store = new S3Store({ bucket: emu.bucket, endpoint: emu.endpoint, region: emu.region, credentials: emu.credentials, forcePathStyle: true, requestTimeoutMs: 60_000 });
    let filled: PrefillResult;
    try {
      filled = await prefillStore(store, 'db.json', o.prefill, o.valueSize);
    } finally {
      store.close();
    }
    // The child's own Node flags only (the bench's may raise the heap for its in-process environments):
    // BENCH_LAMBDA_NODE_OPTIONS, e.g. --max-old-space-size=768, to run it as a 1 GiB Lambda would be bounded.
    const env = {
      ...process.env,
      NODE_OPTIONS: process.env.BENCH_LAMBDA_NODE_OPTIONS ?? '',
      BENCH_S3_ENDPOINT: emu.endpoint,
      BENCH_S3_BUCKET: emu.bucket,
      BENCH_BATCHES: String(o.batches),
      BENCH_BATCH_SIZE: String(o.clients),
      BENCH_KEYS: String(Math.max(1, Math.min(o.keys, o.prefill || o.keys))),
      BENCH_VALUE_SIZE: String(o.valueSize),
    };
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'lambda-memory-child.ts')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`lambda-memory child exited ${code}: ${text}`))));
    });
    const r = JSON.parse(out.trim().split('\n').pop() as string) as Omit<LambdaMemoryResult, 'workload' | 'prefill' | 'prefill_pages'>;
    return { workload: 'lambda-memory', prefill: o.prefill, prefill_pages: filled.pages, ...r };
  } finally {
    await emu.close();
  }
}
