/**
 * `npm run bench -- --workload redis-benchmark`: valthree as a user starts it
 * (`npm start`: the built bundle, default flags, a fresh data dir, a free
 * port) against redis-server on this machine, both under the same
 * `redis-benchmark -c 50 -P 16 -t ping_mbulk,set,get`, in the same run.
 *
 * redis-server runs without persistence (`--save '' --appendonly no`), as
 * it usually is benchmarked; valthree answers each SET only after the batch
 * holding it was written and fsynced. The figures are noisy on a small
 * shared machine: each round measures valthree and then redis-server back to
 * back, and `--runs R` repeats rounds and prints the range of each ratio.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnProxy } from '../support/proxy-harness';
import { startRedisServer } from '../support/redis-server';
import type { BenchOptions } from './options';

/** What redis-benchmark's -t names the tests, and how its CSV names them. */
export const REDIS_BENCHMARK_TESTS = [
  ['ping_mbulk', 'PING_MBULK'],
  ['set', 'SET'],
  ['get', 'GET'],
] as const;
type TestName = (typeof REDIS_BENCHMARK_TESTS)[number][1];

export interface RedisBenchmarkRound {
  /** requests per second, per test */
  valthree: Record<TestName, number>;
  redis: Record<TestName, number>;
}

/** redis-benchmark --csv: a header line, then `"TEST","rps",...` per test. */
export function parseCsv(out: string): Record<string, number> {
  const rows: Record<string, number> = {};
  for (const line of out.split('\n')) {
    const m = /^"([A-Z_]+)","([\d.]+)"/.exec(line.trim());
    if (m) rows[m[1]] = Number(m[2]);
  }
  return rows;
}

function run(port: number, requests: number): Record<TestName, number> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-c', '50', '-P', '16', '-t', REDIS_BENCHMARK_TESTS.map(([t]) => t).join(','), '-n', String(requests), '--csv'];
  const rows = parseCsv(execFileSync('redis-benchmark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 120_000 }));
  const out = {} as Record<TestName, number>;
  for (const [, name] of REDIS_BENCHMARK_TESTS) {
    if (!(name in rows)) throw new Error(`redis-benchmark printed no ${name} row`);
    out[name] = rows[name];
  }
  return out;
}

/** One round: a fresh valthree (npm start) and a fresh redis-server, measured one after the other. */
async function round(requests: number): Promise<RedisBenchmarkRound> {
  const dir = mkdtempSync(join(tmpdir(), 'valthree-rb-'));
  const proxy = await spawnProxy(['--data-dir', join(dir, 'data')]);
  const redis = await startRedisServer();
  try {
    const valthree = run(proxy.port, requests);
    return { valthree, redis: run(redis.port, requests) };
  } finally {
    proxy.child.kill('SIGKILL');
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const range = (xs: number[], digits: number) => {
  const lo = Math.min(...xs).toFixed(digits);
  const hi = Math.max(...xs).toFixed(digits);
  return lo === hi ? lo : `${lo}–${hi}`;
};

export async function redisBenchmark(o: BenchOptions): Promise<void> {
  const rounds: RedisBenchmarkRound[] = [];
  for (let i = 0; i < o.runs; i++) rounds.push(await round(o.requests));
  console.log(`redis-benchmark -c 50 -P 16 -n ${o.requests}, ${o.runs} run(s): requests per second`);
  console.log('test          valthree (npm start)          redis-server      ratio');
  for (const [, name] of REDIS_BENCHMARK_TESTS) {
    const ours = rounds.map((r) => r.valthree[name]);
    const theirs = rounds.map((r) => r.redis[name]);
    const ratios = rounds.map((r) => r.valthree[name] / r.redis[name]);
    console.log(`${name.padEnd(14)}${range(ours, 0).padStart(20)}${range(theirs, 0).padStart(22)}${range(ratios, 2).padStart(11)}`);
  }
  if (o.json) console.log(JSON.stringify({ workload: 'redis-benchmark', clients: 50, pipeline: 16, requests: o.requests, rounds }));
}
