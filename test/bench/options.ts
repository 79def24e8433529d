/** Flags of `npm run bench` (kept apart so a test can check them without running anything). */

export interface BenchOptions {
  workload: 'set' | 'get' | 'mixed' | 'script' | 'ping' | 'codec' | 'redis-benchmark' | 'lambda-memory';
  clients: number;
  proxies: number;
  seconds: number;
  keys: number;
  prefill: number;
  valueSize: number;
  naive: boolean;
  /** With several proxies: false = each commits its own writes (the topology before the writer lease). */
  forward: boolean;
  /** Failover run: SIGKILL the lease holder this many seconds in. */
  killWriterAt?: number;
  json: boolean;
  /** Where db.json lives: the emulator's S3 (injected latency) or a throw-away Ceph RGW (real S3). */
  s3: 'emulator' | 'rgw';
  /** Proxies invoke the handler through the Lambda Invoke API, or run it in-process. */
  executor: 'lambda' | 'in-process';
  s3GetMs: number;
  s3PutMs: number;
  invokeMs: number;
  perMbMs: number;
  pingRequests: number;
  /** redis-benchmark workload: requests per test (-n), and rounds (each valthree then redis-server). */
  requests: number;
  runs: number;
  /** After the measurement: this many GETs each from a fresh Lambda environment, and as many from a warm one (0: none). */
  cold: number;
  /** Seconds of load before the measurement (undefined: 2, or a fifth of --seconds if shorter). */
  warmup?: number;
  /** lambda-memory workload: batches of `clients` SETs one handler process runs. */
  batches: number;
  help: boolean;
}

export const BENCH_DEFAULTS: BenchOptions = {
  workload: 'set',
  clients: 64,
  proxies: 1,
  seconds: 10,
  keys: 1000,
  prefill: 0,
  valueSize: 64,
  naive: false,
  forward: true,
  json: false,
  s3: 'emulator',
  executor: 'lambda',
  s3GetMs: 10,
  s3PutMs: 25,
  invokeMs: 5,
  perMbMs: 10,
  pingRequests: 2_000_000,
  requests: 1_000_000,
  runs: 1,
  cold: 0,
  batches: 200,
  help: false,
};

export const BENCH_HELP = `usage: npm run bench -- [flags]

  --workload set|get|mixed|script|ping|codec|redis-benchmark|lambda-memory
                                  mixed = 80% GET / 20% SET; script = a fixed-window rate-limiter script per
                                  operation (EVALSHA, EVAL on NOSCRIPT: INCR, PEXPIRE on a window's first hit,
                                  PTTL; 1 s windows); ping = redis-benchmark -P 16 vs redis-server;
                                  codec = db.json decode/encode cost at 1k, 10k, 100k keys, and one change to a
                                  100k-member hash and sorted set against a full encode;
                                  redis-benchmark = npm start (default flags, temp data dir, free port) and
                                  redis-server under redis-benchmark -c 50 -P 16 -t ping_mbulk,set,get, ratios
                                  printed (needs Debian's redis-server and redis-tools);
                                  lambda-memory = peak RSS and heap of one handler process (a Lambda
                                  environment: page cache, folds) running --batches batches of --clients SETs
                                  over the --prefill keys (default set)
  --clients C                     concurrent closed-loop clients (default 64)
  --proxies K                     proxy processes (default 1)
  --seconds T                     measured seconds, after a short warm-up (default 10)
  --warmup S                      seconds of the same load before measuring (default 2, or T/5 if less); a
                                  paged database needs longer for its environments' page caches to fill
  --keys N                        key space the workload draws from (default 1000)
  --prefill N                     write N keys first, to show how cost grows with the document (default 0);
                                  past the page threshold they are written paged, as a commit would
  --cold N                        after the run: N GETs sequentially from a fresh Lambda environment each (empty
                                  caches) and N from one warm environment (all pages cached), p50/p99 of both
  --batches N                     lambda-memory: batches to run (default 200)
  --value-size B                  bytes per SET value (default 64)
  --kill-writer-at S               failover: K proxies (at least 2), half the clients SET, half GET; SIGKILL the
                                  writer-lease holder after S s; report the longest gap without answered writes/reads
  --no-forward                    with --proxies > 1: no writer lease, every proxy commits its own writes
                                  (default: proxies get --internal-port and forward writes to the lease holder)
  --naive                         the original design: one command per invocation, GET+PUT per write, no cache
  --json                          print one JSON object as the last line
  --s3 emulator|rgw               db.json in the emulator's S3 (latency flags apply) or in a throw-away Ceph RGW
                                  (real S3, its own latency; needs Debian's ceph-mon ceph-osd radosgw ceph-common)
  --executor lambda|in-process    proxies invoke the handler via the (emulated) Lambda Invoke API, or run it
                                  in-process with --bucket (default lambda)
  --s3-get-ms MS                  emulator S3 GET fixed latency (default 10)
  --s3-put-ms MS                  emulator S3 PUT fixed latency (default 25)
  --invoke-ms MS                  emulator Lambda invoke latency (default 5)
  --per-mb-ms MS                  emulator latency per MiB moved (default 10)
  --ping-requests N               requests per redis-benchmark run (default 2000000)
  --requests N                    redis-benchmark workload: requests per test (default 1000000)
  --runs R                        redis-benchmark workload: rounds, each valthree then redis-server; ranges
                                  printed (default 1)
`;

export function parseBenchArgs(argv: string[]): BenchOptions {
  const o: BenchOptions = { ...BENCH_DEFAULTS };
  const num = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a non-negative number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i].replace(/^--/, '');
    switch (flag) {
      case 'workload': {
        const w = argv[++i];
        if (w !== 'set' && w !== 'get' && w !== 'mixed' && w !== 'script' && w !== 'ping' && w !== 'codec' && w !== 'redis-benchmark' && w !== 'lambda-memory') throw new Error('--workload must be set, get, mixed, script, ping, codec, redis-benchmark or lambda-memory');
        o.workload = w;
        break;
      }
      case 'clients': o.clients = Math.max(1, num(flag, argv[++i])); break;
      case 'proxies': o.proxies = Math.max(1, num(flag, argv[++i])); break;
      case 'seconds': o.seconds = num(flag, argv[++i]); break;
      case 'keys': o.keys = num(flag, argv[++i]); break;
      case 'prefill': o.prefill = num(flag, argv[++i]); break;
      case 'value-size': o.valueSize = num(flag, argv[++i]); break;
      case 's3-get-ms': o.s3GetMs = num(flag, argv[++i]); break;
      case 's3-put-ms': o.s3PutMs = num(flag, argv[++i]); break;
      case 'invoke-ms': o.invokeMs = num(flag, argv[++i]); break;
      case 'per-mb-ms': o.perMbMs = num(flag, argv[++i]); break;
      case 'ping-requests': o.pingRequests = num(flag, argv[++i]); break;
      case 'requests': o.requests = Math.max(1, num(flag, argv[++i])); break;
      case 'runs': o.runs = Math.max(1, num(flag, argv[++i])); break;
      case 'warmup': o.warmup = num(flag, argv[++i]); break;
      case 'cold': o.cold = Math.floor(num(flag, argv[++i])); break;
      case 'batches': o.batches = Math.max(1, Math.floor(num(flag, argv[++i]))); break;
      case 'naive': o.naive = true; break;
      case 'no-forward': o.forward = false; break;
      case 'kill-writer-at': o.killWriterAt = num(flag, argv[++i]); break;
      case 's3': {
        const v = argv[++i];
        if (v !== 'emulator' && v !== 'rgw') throw new Error('--s3 must be emulator or rgw');
        o.s3 = v;
        break;
      }
      case 'executor': {
        const v = argv[++i];
        if (v !== 'lambda' && v !== 'in-process') throw new Error('--executor must be lambda or in-process');
        o.executor = v;
        break;
      }
      case 'json': o.json = true; break;
      case 'help': o.help = true; break;
      default: throw new Error(`unknown flag ${argv[i]} (see --help)`);
    }
  }
  // A fresh environment is the emulated Lambda's: the in-process executor has one, kept by the proxy.
  if (o.cold > 0 && o.executor !== 'lambda') throw new Error('--cold needs --executor lambda');
  return o;
}
