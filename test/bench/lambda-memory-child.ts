/**
 * One Lambda environment for lambda-memory.ts: the real handler (its own S3
 * store, warm cache, page cache) in this process only, running batches of
 * SETs to random prefilled keys and the folds they ask for. Prints one JSON
 * line of what it measured. Configured by lambda-memory.ts through BENCH_*.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { CONTRACT_VERSION, type BatchRequest, type WireFoldDelta } from '../../lambda/contract';
import { encodeArg } from '../../lambda/contract-wire';
import { createHandler } from '../../lambda/handler';
import { DEFAULT_PAGE_CACHE_BYTES } from '../../lambda/loading';
import { S3Store } from '../../lambda/store/s3';
import { benchKey } from './prefill';

const MiB = 1024 * 1024;
const env = (k: string): string => process.env[k] ?? (() => { throw new Error(`${k} is not set`); })();
const hwmMiB = (): number => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) / 1024;

async function main(): Promise<void> {
  const [batches, size, keys, valueSize] = ['BENCH_BATCHES', 'BENCH_BATCH_SIZE', 'BENCH_KEYS', 'BENCH_VALUE_SIZE'].map((k) => Number(env(k)));
  const store = new S3Store({ bucket: env('BENCH_S3_BUCKET'), endpoint: env('BENCH_S3_ENDPOINT'), region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true });
  // BENCH_PAGE_CACHE_MIB: the page cache's cap (default the handler's, DEFAULT_PAGE_CACHE_BYTES), to see what it costs.
  const cacheMiB = process.env.BENCH_PAGE_CACHE_MIB;
  const handler = createHandler({ store, key: 'db.json', cache: true, remainingMs: () => 10_000, ...(cacheMiB ? { pageCacheBytes: Number(cacheMiB) * MiB } : {}) });
  const value = encodeArg(Buffer.alloc(valueSize, 0x62));
  let rng = 4242;
  const rand = () => (rng = (rng * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  let peakHeap = 0;
  let peakExternal = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakExternal = Math.max(peakExternal, m.external + m.arrayBuffers);
  };
  const baseline = process.memoryUsage().rss / MiB;
  const timer = setInterval(sample, 5);
  let failed = 0;
  let applied = 0;
  let deltas: WireFoldDelta[] | undefined;
  const times: number[] = [];
  const folds: number[] = [];
  for (let b = 0; b < batches; b++) {
    const sessions = Array.from({ length: size }, (_, i) => ({ id: `c${i}`, db: 0, commands: [[encodeArg(Buffer.from('SET')), encodeArg(Buffer.from(benchKey(Math.floor(rand() * keys)))), value]] }));
    const req: BatchRequest = { v: CONTRACT_VERSION, batchId: `m${b}`, sessions, ...(deltas ? { deltas } : {}) };
    deltas = undefined;
    const t0 = performance.now();
    const res = await handler(req);
    times.push(performance.now() - t0);
    sample();
    if (!res.ok) {
      failed++;
      continue;
    }
    applied += res.stats.foldsApplied ?? 0;
    if (res.stats.foldWanted) {
      // As the writer proxy does: one fold request, its deltas on the next batch.
      const t1 = performance.now();
      const f = await handler({ v: CONTRACT_VERSION, batchId: `f${b}`, sessions: [], fold: {} });
      folds.push(performance.now() - t1);
      sample();
      if (f.ok && f.folds?.length) deltas = f.folds;
    }
  }
  clearInterval(timer);
  store.close();
  times.sort((a, b) => a - b);
  const r = (n: number) => Number(n.toFixed(1));
  console.log(JSON.stringify({ page_cache_mib: cacheMiB ? Number(cacheMiB) : DEFAULT_PAGE_CACHE_BYTES / MiB, batch_size: size, batches, failed_batches: failed, folds_applied: applied, baseline_rss_mib: r(baseline), peak_rss_mib: r(hwmMiB()), peak_heap_used_mib: r(peakHeap / MiB), peak_external_mib: r(peakExternal / MiB), batch_p50_ms: r(times[Math.floor(times.length / 2)]), batch_max_ms: r(times[times.length - 1]), fold_requests: folds.length, fold_max_ms: r(Math.max(0, ...folds)) }));
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(`lambda-memory child: ${e.stack ?? e.message}`);
    process.exit(1);
  },
);
