/**
 * The benchmark: valthree against the S3/Lambda emulator with realistic
 * latency, K proxies (child processes) and C closed-loop clients.
 *
 *   npm run bench -- --workload set --clients 64 --seconds 10 --json
 *   npm run bench -- --workload set --clients 64 --seconds 10 --naive --json
 *   npm run bench -- --workload script      (a rate-limiter Lua script per operation: EVALSHA, EVAL on NOSCRIPT)
 *   npm run bench -- --workload ping        (proxy vs redis-server, redis-benchmark -P 16)
 *   npm run bench -- --workload redis-benchmark --runs 3   (npm start vs redis-server: PING, SET, GET ratios)
 *
 * The emulator charges a fixed latency per S3 GET/PUT and Lambda invoke plus a
 * per-MB part, so a large document costs what it would on S3. `--naive`
 * reproduces the original valthree: one command per invocation, GET + PUT per
 * write, no cache, no group commit. Costs use us-east-1 list prices.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { S3Client, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { Document } from '../../lambda/document';
import { startEmulator, type FunctionS3 } from '../support/emulator';
import { startRgw } from '../support/rgw';
import { builtProxy, spawnProxy, type ChildProxy } from '../support/proxy-harness';
import { RawClient, encodeCommand, type Resp } from '../support/resp-client';
import { lambdaEnv } from '../e2e/backends';
import { stablePort } from '../workload/child-proxy';
import { parseBenchArgs, BENCH_HELP, type BenchOptions } from './options';
import { measureAggregateCodec, measureCodec } from './codec';
import { redisBenchmark } from './redis-benchmark';
import { failoverBench } from './failover';
import { isLimiterReply, limiterCall, limiterKey, type ScriptStats } from './script-workload';

/** us-east-1 list prices (shared/design-notes.md). */
const PRICE = { s3Put: 0.005 / 1000, s3Get: 0.0004 / 1000, lambdaRequest: 0.2 / 1e6, lambdaGbSecond: 0.0000133334 };
/** The deployed function's memory (lib/ default), for the GB-second cost. */
const LAMBDA_GB = 1;

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
}

/** One command, waiting as long as it takes (the naive design can take seconds under contention). */
async function call(c: RawClient, args: (string | Buffer)[]): Promise<Resp> {
  const n = c.replies.length;
  c.write(encodeCommand(args));
  await c.waitForReplies(n + 1, 120_000);
  return c.replies[n];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const round = (n: number, d = 3) => Number(n.toFixed(d));

const s3Client = (t: FunctionS3) => new S3Client({ endpoint: t.endpoint, region: t.region, credentials: t.credentials, forcePathStyle: true, maxAttempts: 1 });

async function prefill(target: FunctionS3, key: string, n: number, valueSize: number): Promise<void> {
  if (n <= 0) return;
  const doc = Document.empty();
  const value = Buffer.alloc(valueSize, 0x61);
  for (let i = 0; i < n; i++) doc.set(Buffer.from(`key:${i}`), value);
  const s3 = s3Client(target);
  await s3.send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: doc.encode(), IfNoneMatch: '*' }));
  s3.destroy();
}

async function documentBytes(target: FunctionS3, key: string): Promise<number> {
  const s3 = s3Client(target);
  try {
    const r = await s3.send(new GetObjectCommand({ Bucket: target.bucket, Key: key }));
    return (await (r.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()).length;
  } catch {
    return 0;
  } finally {
    s3.destroy();
  }
}

async function infoStats(port: number): Promise<Record<string, number>> {
  const c = await RawClient.connect(port);
  const r = await c.call('INFO', 'stats');
  c.socket.destroy();
  const text = r.t === 'bulk' && r.v ? r.v.toString() : '';
  return Object.fromEntries(
    text
      .split('\r\n')
      .filter((l) => l.includes(':'))
      .map((l) => [l.slice(0, l.indexOf(':')), Number(l.slice(l.indexOf(':') + 1))]),
  );
}

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const rgw = o.s3 === 'rgw' ? await startRgw() : undefined;
  const rgwS3: FunctionS3 | undefined = rgw && { endpoint: rgw.endpoint, bucket: rgw.bucket, region: rgw.region, credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey } };
  const emu = await startEmulator({
    // On RGW the S3 latency is RGW's own; the invoke latency still applies.
    latency: { s3GetMs: o.s3GetMs, s3PutMs: o.s3PutMs, invokeMs: o.invokeMs, perMbMs: o.perMbMs, jitterMs: 0 },
    function: { cache: !o.naive, maxEnvironments: 256 },
    functionS3: rgwS3,
  });
  const target: FunctionS3 = rgwS3 ?? { endpoint: emu.endpoint, bucket: emu.bucket, region: emu.region, credentials: emu.credentials };
  const key = 'db.json';
  const proxies: ChildProxy[] = [];
  try {
    const keySpace = Math.max(o.keys, 1);
    await prefill(target, key, Math.max(o.prefill, o.workload === 'set' || o.workload === 'script' ? 0 : keySpace), o.valueSize);
    const storeEnv = { AWS_ENDPOINT_URL: target.endpoint, AWS_REGION: target.region, AWS_ACCESS_KEY_ID: target.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: target.credentials.secretAccessKey };
    for (let i = 0; i < o.proxies; i++) {
      // Several proxies: one holds the writer lease, the others forward their writes to it.
      const cluster = o.proxies > 1 && o.forward && !o.naive ? ['--internal-port', String(await stablePort()), ...(process.env.BENCH_LEASE_MS ? ['--lease-ms', process.env.BENCH_LEASE_MS] : [])] : [];
      const mode = [...(o.naive ? ['--naive'] : []), ...cluster];
      proxies.push(
        o.executor === 'lambda'
          ? await spawnProxy(['--function', emu.functionName, ...mode], lambdaEnv(emu))
          : await spawnProxy(['--bucket', target.bucket, '--key', key, ...mode], { ...storeEnv, VALTHREE_CACHE: o.naive ? '0' : '1' }),
      );
    }
    const clients = await Promise.all(Array.from({ length: o.clients }, (_, i) => RawClient.connect(proxies[i % proxies.length].port)));
    const value = Buffer.alloc(o.valueSize, 0x62);
    let rng = 12345;
    const rand = () => ((rng = (rng * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const pick = () => {
      const isGet = o.workload === 'get' || (o.workload === 'mixed' && rand() < 0.8);
      const key = `key:${Math.floor(rand() * keySpace)}`;
      return isGet ? ['GET', key] : ['SET', key, value];
    };
    // One operation: a command, or (script) a limiter call of one or two commands.
    const script: ScriptStats = { fallbacks: 0 };
    const op = (c: RawClient): Promise<Resp> =>
      o.workload === 'script' ? limiterCall((args) => call(c, args), limiterKey(Math.floor(rand() * keySpace)), script) : call(c, pick());

    // Warm up (connections, Lambda environments, caches), then measure.
    const warmUntil = performance.now() + Math.min(2000, o.seconds * 200);
    await Promise.all(clients.map(async (c) => {
      while (performance.now() < warmUntil) await op(c);
    }));
    const before = emu.stats.snapshot();
    const infoBefore = await Promise.all(proxies.map((p) => infoStats(p.port)));
    const latencies: number[] = [];
    let errors = 0;
    const start = performance.now();
    const end = start + o.seconds * 1000;
    await Promise.all(clients.map(async (c) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const r = await op(c);
        // Latency and throughput count answered commands; an error is a failed
        // attempt (the naive design's contention), counted apart.
        if (r.t === 'error' || (o.workload === 'script' && !isLimiterReply(r))) errors++;
        else latencies.push(performance.now() - t0);
      }
    }));
    const elapsed = (performance.now() - start) / 1000;
    const after = emu.stats.snapshot();
    const infoAfter = await Promise.all(proxies.map((p) => infoStats(p.port)));
    for (const c of clients) c.socket.destroy();

    const ops = latencies.length;
    const replies = ops + errors;
    latencies.sort((a, b) => a - b);
    const d = (k: keyof typeof before) => (after[k] as number) - (before[k] as number);
    const sum = (k: string) => infoAfter.reduce((n, s, i) => n + (s[k] ?? 0) - (infoBefore[i][k] ?? 0), 0);
    const batches = sum('valthree_batches');
    const batchCommands = sum('valthree_batch_commands');
    const meanBatch = batches ? batchCommands / batches : 0;
    const invokeAvgMs = batches ? infoAfter.reduce((n, s) => n + (s.valthree_invoke_avg_ms ?? 0), 0) / infoAfter.length : 0;
    // Per command sent (errors included): what the storage and Lambda were asked to do.
    const perCmd = (n: number) => (replies ? n / replies : 0);
    // The emulator counts what reached its S3; on RGW (or in-process) the handlers' own counts, via INFO.
    const viaEmulator = o.s3 === 'emulator';
    const gets = perCmd(viaEmulator ? d('s3Gets') : sum('valthree_s3_gets'));
    const puts = perCmd(viaEmulator ? d('s3Puts') : sum('valthree_s3_puts'));
    const conflicts = viaEmulator ? d('s3Conflicts') : sum('valthree_s3_conflicts');
    const commits = viaEmulator ? d('s3PutsApplied') : Math.max(0, sum('valthree_s3_puts') - sum('valthree_s3_conflicts'));
    const invocations = perCmd(o.executor === 'lambda' ? d('invocations') : batches);
    const usd = 1e6 * (puts * PRICE.s3Put + gets * PRICE.s3Get + invocations * (PRICE.lambdaRequest + (invokeAvgMs / 1000) * LAMBDA_GB * PRICE.lambdaGbSecond));
    const docBytes = await documentBytes(target, key);
    return {
      mode: o.naive ? 'naive' : 'group-commit',
      s3: o.s3,
      executor: o.executor,
      workload: o.workload,
      clients: o.clients,
      proxies: o.proxies,
      keys: keySpace,
      prefill: o.prefill,
      value_size: o.valueSize,
      seconds: round(elapsed, 2),
      ops,
      errors,
      ops_per_s: round(ops / elapsed, 1),
      replies_per_s: round(replies / elapsed, 1),
      p50_ms: round(percentile(latencies, 50), 2),
      p95_ms: round(percentile(latencies, 95), 2),
      p99_ms: round(percentile(latencies, 99), 2),
      s3_get_per_cmd: round(gets, 4),
      s3_put_per_cmd: round(puts, 4),
      invocations_per_cmd: round(invocations, 4),
      conflicts_per_commit: round(commits ? conflicts / commits : 0, 4),
      mean_batch_size: round(meanBatch, 2),
      physical_limit_ops_per_s: o.s3 === 'emulator' ? round((o.proxies * meanBatch * 1000) / ((o.executor === 'lambda' ? o.invokeMs : 0) + o.s3PutMs), 1) : null,
      document_bytes: docBytes,
      usd_per_million_cmds: round(usd, 4),
      ...(o.workload === 'script' ? { script_fallbacks: script.fallbacks } : {}),
    };
  } finally {
    for (const p of proxies) p.child.kill('SIGKILL');
    await emu.close();
    await rgw?.stop();
  }
}

/** A free TCP port on loopback (for processes that must be told theirs). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * redis-benchmark PING -P 16 against a proxy and against redis-server on this
 * machine. The proxy runs as it ships: proxy/build.mjs's bundle on plain node,
 * as `npm start` and the image run it (tsx's loader costs throughput).
 */
async function pingBench(o: BenchOptions): Promise<void> {
  const n = String(o.pingRequests);
  const rps = (port: number) => {
    const out = execFileSync('redis-benchmark', ['-p', String(port), '-t', 'ping', '-P', '16', '-n', n, '-c', '50', '-q'], { encoding: 'utf8' });
    return [...out.matchAll(/(PING_\w+): ([\d.]+) requests per second/g)].map((m) => [m[1], Number(m[2])] as const);
  };
  const dir = mkdtempSync(join(tmpdir(), 'valthree-ping-'));
  const proxyPort = await freePort();
  const proxy = spawn(process.execPath, ['--enable-source-maps', builtProxy(), '--port', String(proxyPort), '--data-dir', join(dir, 'data'), '--log-level', 'warn'], { stdio: 'ignore' });
  const redisPort = await freePort();
  const redis = spawn('redis-server', ['--port', String(redisPort), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const ours = rps(proxyPort);
    const theirs = rps(redisPort);
    console.log('workload   valthree-proxy rps   redis-server rps   ratio');
    for (const [name, v] of ours) {
      const r = theirs.find(([t]) => t === name)?.[1] ?? 0;
      console.log(`${name.padEnd(11)}${v.toFixed(0).padStart(18)}${r.toFixed(0).padStart(19)}${(v / r).toFixed(2).padStart(8)}`);
    }
    if (o.json) console.log(JSON.stringify({ workload: 'ping', pipeline: 16, results: ours.map(([name, v]) => ({ name, proxy_rps: v, redis_rps: theirs.find(([t]) => t === name)?.[1] ?? 0 })) }));
  } finally {
    proxy.kill('SIGKILL');
    redis.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
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
    ['db.json', `${r.document_bytes} bytes`],
    ['cost', `$${r.usd_per_million_cmds} per million commands (S3 + Lambda list prices)`],
    ...(r.script_fallbacks === undefined ? [] : [['NOSCRIPT → EVAL', `${r.script_fallbacks} (warm-up included)`] as [string, string]]),
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(18)}${v}`);
}

async function main(): Promise<void> {
  const o = parseBenchArgs(process.argv.slice(2));
  if (o.help) {
    process.stdout.write(BENCH_HELP);
    return;
  }
  if (o.workload === 'ping') return pingBench(o);
  if (o.workload === 'redis-benchmark') return redisBenchmark(o);
  if (o.killWriterAt !== undefined) {
    console.log(JSON.stringify(await failoverBench(o, o.killWriterAt)));
    return;
  }
  if (o.workload === 'codec') {
    const rows = measureCodec([1000, 10_000, 100_000], o.valueSize);
    console.log('keys      db.json bytes   decode ms   SET+encode ms (warm)');
    for (const r of rows) console.log(`${String(r.keys).padEnd(10)}${String(r.bytes).padStart(13)}${String(r.decode_ms).padStart(12)}${String(r.set_encode_ms).padStart(15)}`);
    const aggregates = measureAggregateCodec(100_000);
    console.log('\none aggregate   members   db.json bytes   full encode ms   one change+encode ms (warm)');
    for (const r of aggregates) console.log(`${r.type.padEnd(16)}${String(r.members).padStart(7)}${String(r.bytes).padStart(16)}${String(r.full_encode_ms).padStart(17)}${String(r.change_encode_ms).padStart(24)}`);
    if (o.json) console.log(JSON.stringify({ workload: 'codec', value_size: o.valueSize, rows, aggregates }));
    return;
  }
  const r = await runBench(o);
  printTable(r);
  if (o.json) console.log(JSON.stringify(r));
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e: Error) => {
      console.error(`bench: ${e.message}`);
      process.exit(1);
    },
  );
}
