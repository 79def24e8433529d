/** What one `npm run bench` run reports (bench.ts), and its table. */
import type { ColdWarm } from './cold';

export interface BenchResult {
  mode: 'group-commit' | 'naive';
  s3: 'emulator' | 'rgw';
  executor: 'lambda' | 'in-process';
  workload: string;
  clients: number;
  proxies: number;
  keys: number;
  prefill: number;
  value_size: number;
  seconds: number;
  /** Commands answered without an error (what ops_per_s counts: goodput). */
  ops: number;
  errors: number;
  ops_per_s: number;
  /** Replies per second, errors included. */
  replies_per_s: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  s3_get_per_cmd: number;
  s3_put_per_cmd: number;
  invocations_per_cmd: number;
  conflicts_per_commit: number;
  mean_batch_size: number;
  /** mean batch ÷ (invoke + PUT latency), per proxy; null on RGW, whose latency is its own. */
  physical_limit_ops_per_s: number | null;
  document_bytes: number;
  usd_per_million_cmds: number;
  /** script workload: EVALSHAs answered NOSCRIPT and re-sent as EVAL (warm-up included). */
  script_fallbacks?: number;
  /** The prefill: pages it created (0: inline), their bytes, its time. */
  prefill_pages: number;
  prefill_page_bytes: number;
  prefill_ms: number;
  /** db.json commits (PUTs applied on anything but a page), and what was uploaded per commit: db.json, pages (folds, amortized). */
  commits: number;
  root_bytes_per_commit: number;
  page_bytes_per_commit: number;
  page_put_per_cmd: number;
  /** INFO valthree_folds_applied / _dropped over the run. */
  folds_applied: number;
  folds_dropped: number;
  /** --cold: fresh against warm environments. */
  cold?: ColdWarm;
}

export function printTable(r: BenchResult): void {
  const rows: [string, string][] = [
    ['mode', `${r.mode}, ${r.executor} executor, db.json on ${r.s3 === 'rgw' ? 'Ceph RGW' : 'the emulator'}`],
    ['workload', `${r.workload}, ${r.clients} clients, ${r.proxies} proxies, ${r.keys} keys, prefill ${r.prefill}, ${r.value_size} B values`],
    ['throughput', `${r.ops_per_s} ops/s answered OK (${r.ops} in ${r.seconds} s; ${r.errors} errors, ${r.replies_per_s} replies/s in all)`],
    ['latency', `p50 ${r.p50_ms} ms, p95 ${r.p95_ms} ms, p99 ${r.p99_ms} ms`],
    ['S3 per command', `${r.s3_get_per_cmd} GET, ${r.s3_put_per_cmd} PUT`],
    ['invocations/cmd', String(r.invocations_per_cmd)],
    ['conflicts/commit', String(r.conflicts_per_commit)],
    ['mean batch', `${r.mean_batch_size} commands${r.physical_limit_ops_per_s === null ? '' : ` (physical limit ${r.physical_limit_ops_per_s} ops/s)`}`],
    ['db.json', `${r.document_bytes} bytes${r.prefill_pages ? `; prefill ${r.prefill_pages} pages, ${r.prefill_page_bytes} bytes, ${r.prefill_ms} ms` : ''}`],
    ['per commit', `${r.commits} commits: ${r.root_bytes_per_commit} B db.json + ${r.page_bytes_per_commit} B pages uploaded; ${r.page_put_per_cmd} page PUT/cmd; folds ${r.folds_applied} applied, ${r.folds_dropped} dropped`],
    ...(r.cold ? [['cold GET', `p50 ${r.cold.cold_get_p50_ms} ms, p99 ${r.cold.cold_get_p99_ms} ms (fresh environment each; ${r.cold.cold_invocations_per_get} invokes/GET); warm sequential p50 ${r.cold.warm_get_seq_p50_ms} ms, p99 ${r.cold.warm_get_seq_p99_ms} ms; ${r.cold.cold_samples} each`] as [string, string]] : []),
    ['cost', `$${r.usd_per_million_cmds} per million commands (S3 + Lambda list prices)`],
    ...(r.script_fallbacks === undefined ? [] : [['NOSCRIPT → EVAL', `${r.script_fallbacks} (warm-up included)`] as [string, string]]),
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(18)}${v}`);
}
