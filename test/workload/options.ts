/**
 * The workload's options: defaults, the fault spec split into the emulator's
 * part and the process fault, and the CLI parser with its --help.
 */
import { DEFAULT_MAX_CLOCK_SKEW_MS } from '../../lambda/handler';
import type { Emulator, FunctionS3 } from '../support/emulator';
import { FAULT_NAMES, parseFaultSpec, type FaultName } from '../support/faults';
import { CLUSTER_FAULTS, type ClusterFault } from './link-faults';

/** The process fault: SIGKILL a proxy mid-run and start it again on its port. */
export const PROXY_KILL = 'proxy_kill';
/** A broken proxy mode: MULTI's queued commands sent as separate submissions (--unsafe-split-transactions). */
export const SPLIT_TRANSACTIONS = 'split-transactions';
export type FaultClass = FaultName | typeof PROXY_KILL | ClusterFault;
export const FAULT_CLASSES: readonly FaultClass[] = [...FAULT_NAMES, PROXY_KILL, ...CLUSTER_FAULTS];

/** register: single-key GET/SET/DEL/INCR/TTLs (issue 3); bank and list-append: transactions (issue 12); queue: lists as FIFO queues with blocking pops (issue 14). */
export type WorkloadKind = 'register' | 'bank' | 'list-append' | 'queue';
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['register', 'bank', 'list-append', 'queue'];

export interface WorkloadOptions {
  /** Which workload (default register). */
  workload: WorkloadKind;
  seconds: number;
  proxies: number;
  clients: number;
  /** Hot keys at a time (per rotation); list-append's keys and queue's lists too. */
  keys: number;
  /** bank: accounts per bank (a bank per rotation). */
  accounts: number;
  /** bank and list-append: stop after this many transactions in all (besides --seconds). */
  maxTxns?: number;
  /** list-append: most reads and appends per transaction. */
  txnOps: number;
  seed: number;
  /** none | all | ignore-preconditions | broken-expiry | broken-watch | split-transactions | comma list (emulator faults, proxy_kill), rates as name=0.1 */
  faults: string;
  /** Drive an already running cluster (host:port each) instead of starting one. */
  addrs?: string[];
  password?: string;
  tls?: boolean;
  /** With --tls: accept any certificate (self-signed test clusters). */
  tlsInsecure?: boolean;
  /** Storage under the emulated Lambda: the emulator's S3 (faults) or a Ceph RGW (real S3). */
  s3: 'emulator' | 'rgw';
  /** Where a report goes (default: a new directory under the OS temp dir). */
  reportDir?: string;
  /** New hot keys every this many ms (Jepsen's independent keys). */
  rotateMs: number;
  /** Client-side timeout per operation; past it the operation stays pending. */
  opTimeoutMs: number;
  /** Share of operations that are FLUSHALL (0 disables it, e.g. on a shared cluster). */
  flushallRate: number;
  /** Local proxies take part in the writer lease and forward their writes (--writer-lease). */
  writerLease?: boolean;
  /** Every other hot key is a counter that also sees INCR and INCRBY (--no-incr: plain registers only). */
  incr: boolean;
  /** Each rotation adds a hash with two fields, a sorted set and a set with two members each, each a register (families.ts; --no-types: none). */
  types: boolean;
  /** Hot keys 2 and 3 of every 4 get TTLs (SET … PX, PEXPIRE, PTTL; --no-ttl: none). */
  ttl: boolean;
  /** The TTLs' range, in ms. */
  ttlMs: [number, number];
  /**
   * The checker's clock skew bound (CheckOptions.clockSkewMs). Default: what
   * clock_skew injects (lag) plus the lead it injects, capped by what the
   * handlers enforce, plus a margin; with --addrs, twice the enforced lead.
   */
  clockSkewMs?: number;
  /** false: the emulated Lambda answers ambiguous writes "unknown" and the proxies don't re-send (before exactly-once commits). */
  exactlyOnce: boolean;
  /** How proxies run the handler: via the emulated Lambda Invoke API, or in-process against S3 (npm start --bucket). */
  executor: 'lambda' | 'in-process';
  /** Pause between a client's operations: uniform in [0, thinkMs). */
  thinkMs: number;
  /** Budget for the checker (ms). */
  checkTimeoutMs: number;
  /** Progress and summary lines (default: stdout). */
  log?: (line: string) => void;
  /** With s3 'rgw': an RGW already running (else VALTHREE_TEST_RGW_* from the environment, else a new one). */
  rgwTarget?: FunctionS3;
  /**
   * Every handler's paging knobs (--page-threshold, --page-bytes): tiny by
   * default, so that every run moves its keys into pages within seconds and
   * exercises the fold, node and leaf splits and page loads under the faults.
   */
  pageThreshold: number;
  pageBytes: number;
  /**
   * Test hook: every handler's clock (HandlerOptions.now) by instance, in
   * place of the fault injector's; e.g. a stopped clock, on which no key
   * ever expires.
   */
  handlerClock?: (instance: number) => () => number;
  /** Test hook, run after the faults are off and before the final reads (e.g. to lose data on purpose). */
  beforeFinalReads?: (emulator: Emulator | undefined) => Promise<void> | void;
}

export const DEFAULTS: Omit<WorkloadOptions, 'seed'> = {
  workload: 'register',
  seconds: 30,
  proxies: 3,
  clients: 12,
  keys: 4,
  accounts: 5,
  txnOps: 4,
  faults: 'none',
  s3: 'emulator',
  rotateMs: 5000,
  opTimeoutMs: 15_000,
  flushallRate: 0.002,
  incr: true,
  types: true,
  ttl: true,
  ttlMs: [100, 400],
  exactlyOnce: true,
  executor: 'lambda',
  thinkMs: 4,
  checkTimeoutMs: 300_000,
  pageThreshold: 256,
  pageBytes: 256,
};

/** Slack in the checker's skew bound for the recorder's clock (performance.now) against the handlers' Date.now. */
export const CLOCK_MARGIN_MS = 50;

/**
 * The checker's bound on how far two batch clocks disagree beyond real time
 * (expiry.ts): the most a handler clock leads real time, capped by the lead
 * the handlers refuse past (their maxClockSkewMs, + 1 s for the whole
 * seconds of S3's Date), plus the most one lags (not enforced: only what
 * clock_skew injects), plus a margin.
 */
export function checkerSkewMs(injectedMs: number, enforcedLeadMs = DEFAULT_MAX_CLOCK_SKEW_MS): number {
  return Math.min(injectedMs, enforcedLeadMs + 1000) + injectedMs + CLOCK_MARGIN_MS;
}

export interface ParsedFaults {
  /** The spec for the emulator (proxy_kill and split-transactions removed). */
  emulator: ReturnType<typeof parseFaultSpec>;
  proxyKill: boolean;
  /** The writer-lease faults (they turn the writer lease on); absent when none. */
  cluster?: ClusterFault[];
  /** The broken mode split-transactions (present only when on). */
  splitTransactions?: true;
}

/** "all" includes proxy_kill and the writer-lease faults; the broken modes never come with "all". */
export function parseFaults(spec: string): ParsedFaults {
  const items = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.some((i) => i.startsWith(`${PROXY_KILL}=`))) throw new Error(`${PROXY_KILL} takes no rate: the proxy is killed about once per 20 s of the run`);
  const proxyKill = items.some((i) => i === 'all' || i === PROXY_KILL);
  const isCluster = (i: string): boolean => (CLUSTER_FAULTS as readonly string[]).includes(i);
  if (items.some((i) => CLUSTER_FAULTS.some((f) => i.startsWith(`${f}=`)))) throw new Error(`${CLUSTER_FAULTS.join(', ')} take no rate: each fires a few times per run`);
  const cluster = CLUSTER_FAULTS.filter((f) => items.some((i) => i === 'all' || i === f));
  const split = items.includes(SPLIT_TRANSACTIONS);
  const emulator = parseFaultSpec(items.filter((i) => i !== PROXY_KILL && i !== SPLIT_TRANSACTIONS && !isCluster(i)).join(','));
  return { emulator, proxyKill, ...(cluster.length > 0 ? { cluster } : {}), ...(split ? { splitTransactions: true as const } : {}) };
}

export const HELP = `Usage: npm run workload -- [options]

A seeded, concurrent GET/SET/DEL/INCR/INCRBY/FLUSHALL workload (with SET … PX,
PEXPIRE and PTTL on keys with TTLs) against valthree, recorded and checked for
linearizability (strict serializability), under faults. Or, with --workload,
a transaction workload: bank (WATCH/MULTI/EXEC and EVAL transfers, audits of
every balance; exact totals, every balance explained by the transfers, and
the per-key check on every command inside them) or list-append (Elle's:
transactions append unique tokens and read lists; the dependency graph, with
real time, must be acyclic). Or queue: LPUSH of unique elements and RPOP/BRPOP
from --keys lists, drained after the run; each list must be a linearizable
FIFO queue (nothing popped twice, nothing acknowledged lost, FIFO in real
time, no "empty" over an element that was surely there).

Options:
  --workload W         register (default) | bank | list-append | queue
  --accounts N         bank: accounts per bank (default ${DEFAULTS.accounts}); a new bank every --rotate-seconds
  --ops N              bank, list-append, queue: stop after N transactions (queue: operations)
                       in all (or at --seconds)
  --txn-ops N          list-append: most reads and appends per transaction (default ${DEFAULTS.txnOps})
  --seconds N          how long clients issue operations (default ${DEFAULTS.seconds})
  --proxies K          proxies to start (default ${DEFAULTS.proxies})
  --clients C          concurrent clients, one RESP connection each (default ${DEFAULTS.clients})
  --keys N             hot keys at a time; queue: the lists (default ${DEFAULTS.keys})
  --seed S             seed of the clients' operations and of the faults (default: random, printed)
  --faults SPEC        none | all | ignore-preconditions | broken-expiry | comma list of
                       ${FAULT_CLASSES.join(' ')}
                       each with an optional rate, e.g. s3_500=0.1 (default none);
                       clock_skew's is the most a handler's clock is off, in ms (default 3000).
                       "all" = every fault (proxy_kill and clock_skew included), never a broken
                       mode: ignore-preconditions (storage ignores If-Match) or broken-expiry
                       (handlers answer "expired" on their own clock without committing it;
                       clock_skew on); for the transaction workloads also broken-watch (handlers
                       ignore WATCH) and split-transactions (proxies send MULTI's queued commands
                       as separate submissions)
  --s3 emulator|rgw    storage under the emulated Lambda: the emulator's S3 (default)
                       or a throw-away Ceph RGW (real S3; only Lambda faults and proxy_kill apply)
  --addrs H:P,...      drive an already running cluster instead (e.g. a deployed NLB); no faults
  --password P         AUTH with this password (local proxies get --requirepass P)
  --tls                connect with TLS (with --addrs)
  --tls-insecure       with --tls: do not verify the server certificate
  --rotate-seconds S   new hot keys every S seconds (default ${DEFAULTS.rotateMs / 1000})
  --op-timeout-ms MS   client-side timeout per operation; it then stays pending (default ${DEFAULTS.opTimeoutMs})
  --writer-lease       local proxies take part in the writer lease (--internal-port): one commits, the
                       others forward their writes to it; the killable proxy starts first, so it is
                       the first lease holder and proxy_kill first kills the writer
  --no-flushall        never send FLUSHALL (on a cluster that holds other data)
  --no-incr            never send INCR/INCRBY (by default every other hot key is a counter: GET,
                       INCR, INCRBY, SET of an integer, DEL); a server without INCR answers
                       "unknown command", which counts as failed, not applied
  --no-types           no registers inside aggregates (by default each rotation adds a hash with two
                       fields, a sorted set and a set with two members each, each field or member a
                       register of its own: HGET/HSET/HDEL/HINCRBY, ZSCORE/ZADD/ZREM/ZINCRBY,
                       SISMEMBER/SADD/SREM); list-append: no stream keys (by default every other
                       key is a stream: XADD appends, XRANGE reads)
  --no-ttl             no TTLs (by default hot keys 2 and 3 of every 4 get short ones: SET … PX,
                       PEXPIRE, PTTL besides GET/SET/DEL/INCR)
  --ttl-ms MIN-MAX     the TTLs' range (default ${DEFAULTS.ttlMs[0]}-${DEFAULTS.ttlMs[1]})
  --clock-skew-ms MS   the checker's bound on how far two handler clocks disagree (default: from
                       clock_skew and the handlers' 5 s lead bound, see README; with --addrs
                       ${checkerSkewMs(DEFAULT_MAX_CLOCK_SKEW_MS + 1000)})
  --executor lambda|in-process
                       proxies invoke the handler through the emulated Lambda API (default), or run it
                       in-process against S3 directly, as \`npm start\` with --bucket does
  --page-threshold B   every handler pages a database once its entries pass B bytes (default
                       ${DEFAULTS.pageThreshold}: tiny, so that every run is paged within seconds and the folds,
                       splits and page loads run under the faults; 1048576 is the product's default)
  --page-bytes B       every handler splits pages at B bytes (default ${DEFAULTS.pageBytes}; product: 1048576)
  --no-exactly-once    measure the design without exactly-once commits: ambiguous S3 writes and invokes
                       are answered "outcome unknown" instead of resolved through the commit window
  --report-dir DIR     where the report and history go (default: a new dir under the temp dir)
  --check FILE         check a saved history.json again (no cluster) and print the verdict
  --help               this text

Last line: ops=<n> ok=<n> failed=<n> pending=<n> keys=<n> linearizable=true|false|unknown seed=<s>
(bank: ops are the commands recorded per key; list-append: transactions, failed = aborted, pending =
unknown outcome; queue: pushes and pops, the drain apart; for these, linearizable=false on any
anomaly their checks find)
Exit status: 0 linearizable, 1 not linearizable, 3 unknown (checker budget), 2 usage or setup error.
`;

export class UsageError extends Error {}

export function parseCli(argv: string[]): WorkloadOptions | 'help' | { recheck: string } {
  const o: WorkloadOptions = { ...DEFAULTS, seed: Math.floor(Math.random() * 2 ** 31) };
  const num = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min) throw new UsageError(`${flag} needs a number >= ${min}, got ${JSON.stringify(v)}`);
    return n;
  };
  const int = (flag: string, v: string | undefined, min: number): number => {
    const n = num(flag, v, min);
    if (!Number.isInteger(n)) throw new UsageError(`${flag} needs an integer, got ${JSON.stringify(v)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--help':
      case '-h':
        return 'help';
      case '--check': {
        const v = value();
        if (!v) throw new UsageError('--check needs a history.json');
        return { recheck: v };
      }
      case '--seconds': o.seconds = num(flag, value(), 0.1); break;
      case '--proxies': o.proxies = int(flag, value(), 1); break;
      case '--clients': o.clients = int(flag, value(), 1); break;
      case '--keys': o.keys = int(flag, value(), 1); break;
      case '--workload': {
        const v = value();
        if (!WORKLOAD_KINDS.includes(v as WorkloadKind)) throw new UsageError(`--workload takes ${WORKLOAD_KINDS.join(', ')}`);
        o.workload = v as WorkloadKind;
        break;
      }
      case '--accounts': o.accounts = int(flag, value(), 2); break;
      case '--ops': o.maxTxns = int(flag, value(), 1); break;
      case '--txn-ops': o.txnOps = int(flag, value(), 1); break;
      case '--seed': o.seed = int(flag, value(), 0); break;
      case '--faults': {
        const v = value();
        if (v === undefined) throw new UsageError('--faults needs a value');
        try {
          parseFaults(v);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        o.faults = v;
        break;
      }
      case '--s3': {
        const v = value();
        if (v !== 'emulator' && v !== 'rgw') throw new UsageError('--s3 takes emulator or rgw');
        o.s3 = v;
        break;
      }
      case '--addrs': {
        const v = value() ?? '';
        o.addrs = v.split(',').map((s) => s.trim()).filter(Boolean);
        if (!o.addrs.length || o.addrs.some((a) => !/^.+:\d+$/.test(a))) throw new UsageError('--addrs takes host:port[,host:port...]');
        break;
      }
      case '--password': {
        const v = value();
        if (v === undefined) throw new UsageError('--password needs a value');
        o.password = v;
        break;
      }
      case '--tls': o.tls = true; break;
      case '--tls-insecure': o.tls = true; o.tlsInsecure = true; break;
      case '--rotate-seconds': o.rotateMs = num(flag, value(), 0.1) * 1000; break;
      case '--op-timeout-ms': o.opTimeoutMs = int(flag, value(), 1); break;
      case '--no-flushall': o.flushallRate = 0; break;
      case '--writer-lease': o.writerLease = true; break;
      case '--no-incr': o.incr = false; break;
      case '--no-ttl': o.ttl = false; break;
      case '--no-types': o.types = false; break;
      case '--ttl-ms': {
        const m = /^(\d+)-(\d+)$/.exec(value() ?? '');
        if (!m || Number(m[1]) < 1 || Number(m[2]) < Number(m[1])) throw new UsageError('--ttl-ms takes MIN-MAX in ms, e.g. 100-400');
        o.ttlMs = [Number(m[1]), Number(m[2])];
        break;
      }
      case '--clock-skew-ms': o.clockSkewMs = int(flag, value(), 0); break;
      case '--no-exactly-once': o.exactlyOnce = false; break;
      case '--page-threshold': o.pageThreshold = int(flag, value(), 1); break;
      case '--page-bytes': o.pageBytes = int(flag, value(), 1); break;
      case '--executor': {
        const v = value();
        if (v !== 'lambda' && v !== 'in-process') throw new UsageError('--executor must be lambda or in-process');
        o.executor = v;
        break;
      }
      case '--report-dir': {
        const v = value();
        if (!v) throw new UsageError('--report-dir needs a value');
        o.reportDir = v;
        break;
      }
      default:
        throw new UsageError(`unknown option ${argv[i]} (see --help)`);
    }
  }
  validate(o);
  return o;
}

/** Combinations that cannot work, refused before anything starts. */
export function validate(o: WorkloadOptions): void {
  const f = parseFaults(o.faults);
  const anyFault = f.proxyKill || (f.cluster?.length ?? 0) > 0 || f.splitTransactions || f.emulator.ignorePreconditions || f.emulator.unsafeLocalExpiry || f.emulator.unsafeIgnoreWatch || Object.values(f.emulator.rates ?? {}).some((r) => (r ?? 0) > 0);
  if (o.addrs && anyFault) throw new UsageError('--faults needs the local cluster: a cluster given by --addrs runs without injected faults');
  if (o.addrs && o.s3 !== 'emulator') throw new UsageError('--s3 chooses the local cluster\'s storage; it does not go with --addrs');
  if (o.tls && !o.addrs) throw new UsageError('--tls is for a cluster given by --addrs (local proxies serve plain TCP)');
  if (o.s3 === 'rgw' && f.emulator.ignorePreconditions) throw new UsageError('ignore-preconditions is an emulator mode; RGW honours conditions');
}
