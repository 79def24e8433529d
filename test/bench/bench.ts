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
import { performance } from 'node:perf_hooks';
import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3';
import { S3Store } from '../../lambda/store/s3';
import { startEmulator, type FunctionS3 } from '../support/emulator';
import { startRgw } from '../support/rgw';
import { spawnProxy, type ChildProxy } from '../support/proxy-harness';
import { RawClient, encodeCommand, type Resp } from '../support/resp-client';
import { lambdaEnv } from '../e2e/backends';
import { stablePort } from '../workload/child-proxy';
import { parseBenchArgs, BENCH_HELP, type BenchOptions } from './options';
import { measureAggregateCodec, measureCodec } from './codec';
import { redisBenchmark } from './redis-benchmark';
import { pingBench } from './ping';
import { printTable, type BenchResult } from './result';
import { prefillStore, type PrefillResult } from './prefill';
import { coldVsWarm } from './cold';
import { lambdaMemory } from './lambda-memory';
import { failoverBench } from './failover';
import { isLimiterReply, limiterCall, limiterKey, type ScriptStats } from './script-workload';

/** us-east-1 list prices (shared/design-notes.md). */
const PRICE = { s3Put: 0.005 / 1000, s3Get: 0.0004 / 1000, lambdaRequest: 0.2 / 1e6, lambdaGbSecond: 0.0000133334 };
/** The deployed function's memory (lib/ default), for the GB-second cost. */
const LAMBDA_GB = 1;

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

/** The prefill as a commit would write it (paged past the threshold), through the handler's own S3 store. */
async function prefill(target: FunctionS3, key: string, n: number, valueSize: number): Promise<PrefillResult | undefined> {
  if (n <= 0) return undefined;
  const store = new S3Store({ bucket: target.bucket, endpoint: target.endpoint, region: target.region, credentials: target.credentials, forcePathStyle: true, requestTimeoutMs: 60_000 });
  try {
    return await prefillStore(store, key, n, valueSize);
  } finally {
    store.close();
  }
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
  const fnOptions = { cache: !o.naive, maxEnvironments: 256 };
  const emu = await startEmulator({
    // On RGW the S3 latency is RGW's own; the invoke latency still applies.
    latency: { s3GetMs: o.s3GetMs, s3PutMs: o.s3PutMs, invokeMs: o.invokeMs, perMbMs: o.perMbMs, jitterMs: 0 },
    function: fnOptions,
    functionS3: rgwS3,
  });
  const target: FunctionS3 = rgwS3 ?? { endpoint: emu.endpoint, bucket: emu.bucket, region: emu.region, credentials: emu.credentials };
  const key = 'db.json';
  const proxies: ChildProxy[] = [];
  try {
    const keySpace = Math.max(o.keys, 1);
    const filled = await prefill(target, key, Math.max(o.prefill, o.workload === 'set' || o.workload === 'script' ? 0 : keySpace), o.valueSize);
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
    // Cold against warm first, on a quiet process: the main run's environments would share its CPU.
    const cold = o.cold > 0 ? await coldVsWarm(emu, fnOptions, proxies[0].port, keySpace, o.cold) : undefined;
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
    const warmUntil = performance.now() + (o.warmup ?? Math.min(2, o.seconds / 5)) * 1000;
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
    // A page PUT is no commit: only db.json's are.
    const commits = viaEmulator ? d('s3PutsApplied') - d('s3PagePutsApplied') : Math.max(0, sum('valthree_s3_puts') - sum('valthree_s3_conflicts'));
    const pageBytes = d('s3PageBytesIn');
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
      prefill_pages: filled?.pages ?? 0,
      prefill_page_bytes: filled?.pageBytes ?? 0,
      prefill_ms: filled?.ms ?? 0,
      commits,
      // Bytes as the emulator received them (the RGW run has no such count: 0).
      root_bytes_per_commit: round(commits ? (d('s3BytesIn') - pageBytes) / commits : 0, 0),
      page_bytes_per_commit: round(commits ? pageBytes / commits : 0, 0),
      page_put_per_cmd: round(perCmd(d('s3PagePuts')), 4),
      folds_applied: sum('valthree_folds_applied'),
      folds_dropped: sum('valthree_folds_dropped'),
      ...(cold ? { cold } : {}),
    };
  } finally {
    for (const p of proxies) p.child.kill('SIGKILL');
    await emu.close();
    await rgw?.stop();
  }
}

async function main(): Promise<void> {
  const o = parseBenchArgs(process.argv.slice(2));
  if (o.help) {
    process.stdout.write(BENCH_HELP);
    return;
  }
  if (o.workload === 'ping') return pingBench(o);
  if (o.workload === 'redis-benchmark') return redisBenchmark(o);
  if (o.workload === 'lambda-memory') {
    console.log(JSON.stringify(await lambdaMemory(o)));
    return;
  }
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
