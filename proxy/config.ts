/**
 * The proxy's settings: one table of flags, each with its environment
 * variable, default and parser. parseArgs turns the command line and the
 * environment into typed ProxySettings once, at start: a bad value stops the
 * start with a message naming the flag, rather than running with a surprise.
 * --help (and the README's list, checked by test/readme.test.ts) come from
 * the same table.
 */
import { ETAG_FORMS, STORAGE_DEFAULTS } from '../lambda/config';
import { MAX_VALUE_BYTES } from '../lambda/contract';
import { boolean, integer, oneOf, positive, SettingError } from '../lambda/setting-values';
import { DEFAULT_BLOCK_POLL_MS } from './blocking';
import { DEFAULT_PROTOCOL_LIMITS } from './resp/framer';

export interface Flag<T> {
  /** The command-line name, without the dashes. */
  readonly flag: string;
  readonly env?: string;
  /** The value's placeholder in --help; a flag without one is a switch (`--naive`, or `--naive=0`). */
  readonly arg?: string;
  readonly help: string;
  readonly default: T;
  /** Parses a value given on the command line or in the environment; `name` says which, for the error. */
  readonly parse: (raw: string, name: string) => T;
}

type About = Pick<Flag<unknown>, 'flag' | 'env' | 'arg' | 'help'>;

const int = (f: About & { default: number; min?: number }): Flag<number> => ({ ...f, parse: (v, name) => integer(v, f.default, name, f.min ?? 0) });
const num = (f: About & { default: number }): Flag<number> => ({ ...f, parse: (v, name) => positive(v, f.default, name) });
const text = (f: About & { default: string }): Flag<string> => ({ ...f, parse: (v) => v });
/** An optional string: absent or empty is undefined. */
const opt = (f: About): Flag<string | undefined> => ({ ...f, default: undefined, parse: (v) => v || undefined });
const choice = <T extends string>(f: About & { default: T; choices: readonly T[] }): Flag<T> => ({ ...f, parse: (v, name) => oneOf(v, f.choices, f.default, name) });
const bool = (f: Omit<About, 'arg'> & { default?: boolean }): Flag<boolean> => ({ ...f, default: f.default ?? false, parse: (v, name) => boolean(v, f.default ?? false, name) });

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const IN_PROCESS = 'in-process handler';

const TABLE = {
  port: int({ flag: 'port', env: 'PORT', arg: 'N', default: 6379, help: 'TCP port to listen on (0: any free port)' }),
  host: text({ flag: 'host', env: 'HOST', arg: 'ADDR', default: '127.0.0.1', help: 'address to bind (0.0.0.0 in a container)' }),
  function: opt({ flag: 'function', env: 'VALTHREE_FUNCTION', arg: 'NAME', help: 'invoke this Lambda function; without it the handler runs in-process' }),
  bucket: opt({ flag: 'bucket', env: 'VALTHREE_BUCKET', arg: 'NAME', help: `${IN_PROCESS}: keep db.json in this S3 bucket (AWS_ENDPOINT_URL for S3-compatible stores)` }),
  key: text({ flag: 'key', env: 'VALTHREE_KEY', arg: 'KEY', default: STORAGE_DEFAULTS.key, help: 'object key of the document' }),
  dataDir: text({ flag: 'data-dir', env: 'VALTHREE_DATA_DIR', arg: 'DIR', default: STORAGE_DEFAULTS.dataDir, help: `${IN_PROCESS} without --bucket: local directory for db.json` }),
  region: opt({ flag: 'region', env: 'AWS_REGION', arg: 'REGION', help: 'AWS region for S3 and Lambda (else AWS_DEFAULT_REGION, else us-east-1)' }),
  s3Endpoint: opt({ flag: 's3-endpoint', env: 'VALTHREE_S3_ENDPOINT', arg: 'URL', help: `${IN_PROCESS}: S3 endpoint, path-style (else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL)` }),
  s3TimeoutMs: num({ flag: 's3-timeout-ms', env: 'VALTHREE_S3_TIMEOUT_MS', arg: 'MS', default: STORAGE_DEFAULTS.s3TimeoutMs, help: `${IN_PROCESS}: S3 request (socket) timeout` }),
  etagForm: choice({ flag: 'etag-form', env: 'VALTHREE_ETAG_FORM', arg: 'FORM', default: STORAGE_DEFAULTS.etagForm, choices: ETAG_FORMS, help: `${IN_PROCESS}: how If-Match carries the ETag: auto (detected by the safety check), quoted, unquoted` }),
  requirepass: opt({ flag: 'requirepass', env: 'VALTHREE_PASSWORD', arg: 'PASS', help: 'require AUTH with this password (user "default")' }),
  tlsCert: opt({ flag: 'tls-cert', env: 'VALTHREE_TLS_CERT', arg: 'FILE', help: 'PEM certificate: serve TLS instead of plain TCP (with --tls-key)' }),
  tlsKey: opt({ flag: 'tls-key', env: 'VALTHREE_TLS_KEY', arg: 'FILE', help: 'PEM private key for --tls-cert' }),
  maxclients: int({ flag: 'maxclients', env: 'VALTHREE_MAXCLIENTS', arg: 'N', default: 10000, min: 1, help: 'most simultaneous connections; more get "-ERR max number of clients reached"' }),
  timeout: int({ flag: 'timeout', env: 'VALTHREE_TIMEOUT', arg: 'SECONDS', default: 0, help: 'close connections idle this long (0: never)' }),
  maxmemory: int({ flag: 'maxmemory', env: 'VALTHREE_MAXMEMORY', arg: 'BYTES', default: STORAGE_DEFAULTS.maxDocumentBytes, min: 1, help: `${IN_PROCESS}: largest database (db.json and its pages); writes past it get -OOM` }),
  pageThreshold: int({ flag: 'page-threshold', env: 'VALTHREE_PAGE_THRESHOLD', arg: 'BYTES', default: STORAGE_DEFAULTS.pageThreshold, min: 1, help: `${IN_PROCESS}: a database whose entries pass this many bytes moves from db.json into page objects (db.json.pages/), so a commit uploads what it changed, not the whole database` }),
  pageBytes: int({ flag: 'page-bytes', env: 'VALTHREE_PAGE_BYTES', arg: 'BYTES', default: STORAGE_DEFAULTS.pageBytes, min: 1, help: `${IN_PROCESS}: the size a page object is split at (the log and buffer bounds scale with it and the threshold)` }),
  maxValueBytes: int({ flag: 'max-value-bytes', env: 'VALTHREE_MAX_VALUE_BYTES', arg: 'BYTES', default: MAX_VALUE_BYTES, min: 1, help: 'largest argument one command may carry (one Lambda payload, base64); larger gets -ERR, connection stays open' }),
  protoMaxBulkLen: int({ flag: 'proto-max-bulk-len', env: 'VALTHREE_PROTO_MAX_BULK_LEN', arg: 'BYTES', default: DEFAULT_PROTOCOL_LIMITS.maxBulkBytes, min: 1, help: 'largest bulk string accepted at all; larger is a protocol error and closes the connection' }),
  protoMaxArrayLen: int({ flag: 'proto-max-array-len', env: 'VALTHREE_PROTO_MAX_ARRAY_LEN', arg: 'N', default: DEFAULT_PROTOCOL_LIMITS.maxArrayLength, min: 1, help: 'most elements in one request; more is a protocol error' }),
  protoMaxInlineLen: int({ flag: 'proto-max-inline-len', env: 'VALTHREE_PROTO_MAX_INLINE_LEN', arg: 'BYTES', default: DEFAULT_PROTOCOL_LIMITS.maxInlineBytes, min: 1, help: 'longest inline command line; longer is a protocol error' }),
  maxPendingBytes: int({ flag: 'max-pending-bytes', env: 'VALTHREE_MAX_PENDING_BYTES', arg: 'BYTES', default: 16 * 1024 * 1024, min: 1, help: 'per connection: unexecuted pipelined bytes before the proxy stops reading (backpressure)' }),
  invokeTimeoutMs: int({ flag: 'invoke-timeout-ms', env: 'VALTHREE_INVOKE_TIMEOUT_MS', arg: 'MS', default: 12000, min: 1, help: 'Lambda Invoke timeout; must exceed the function timeout' }),
  ambiguousRetries: int({ flag: 'ambiguous-retries', env: 'VALTHREE_AMBIGUOUS_RETRIES', arg: 'N', default: 1, help: 'Lambda executor: re-sends of a batch whose invoke outcome is unknown (same batch id: applied at most once); 0 answers "outcome unknown" at once' }),
  drainMs: int({ flag: 'drain-ms', env: 'VALTHREE_DRAIN_MS', arg: 'MS', default: 10000, help: 'on SIGTERM/SIGINT, time to finish in-flight commands before closing' }),
  internalPort: int({ flag: 'internal-port', env: 'VALTHREE_INTERNAL_PORT', arg: 'N', default: 0, help: 'several proxies over one document: the port followers forward their writes to the lease-holding writer on (same --host, TLS and AUTH password as the client port; 0: off, every proxy commits its own writes)' }),
  advertiseHost: opt({ flag: 'advertise-host', env: 'VALTHREE_ADVERTISE_HOST', arg: 'ADDR', help: 'with --internal-port: the address other proxies reach this one at (else --host, or the first non-loopback IPv4 when --host is a wildcard)' }),
  leaseMs: int({ flag: 'lease-ms', env: 'VALTHREE_LEASE_MS', arg: 'MS', default: 3000, min: 300, help: 'with --internal-port: how long the writer lease runs unrenewed (renewed every third of it); a dead writer is replaced after at most this' }),
  forwardDeadlineMs: int({ flag: 'forward-deadline-ms', env: 'VALTHREE_FORWARD_DEADLINE_MS', arg: 'MS', default: 1000, min: 1, help: 'with --internal-port: a forwarded write batch not taken into a commit by then is dropped by the writer' }),
  forwardSkewMs: int({ flag: 'forward-skew-ms', env: 'VALTHREE_FORWARD_SKEW_MS', arg: 'MS', default: 500, help: "with --internal-port: bound on the proxies' clock differences; an unanswered forward is committed directly only after its deadline plus this" }),
  blockPollMs: int({ flag: 'block-poll-ms', env: 'VALTHREE_BLOCK_POLL_MS', arg: 'MS', default: DEFAULT_BLOCK_POLL_MS, min: 10, help: "how often a proxy's blocked clients (BLPOP, BZPOPMIN, XREAD BLOCK …) all retry, in one batch, when no commit this proxy heard of woke them: bounds how late a write through a proxy outside its cluster is seen; an idle blocked proxy costs one invocation per poll" }),
  unsafeStorage: bool({ flag: 'unsafe-storage', env: 'VALTHREE_UNSAFE_STORAGE', help: 'serve even if the storage ignores conditional writes (loses updates: tests only)' }),
  cache: bool({ flag: 'cache', env: 'VALTHREE_CACHE', default: STORAGE_DEFAULTS.cache, help: `${IN_PROCESS}: keep the document warm between batches (--cache=0: read it every batch)` }),
  exactlyOnce: bool({ flag: 'exactly-once', env: 'VALTHREE_EXACTLY_ONCE', default: STORAGE_DEFAULTS.exactlyOnce, help: `${IN_PROCESS}: resolve an ambiguous S3 write through the commit window (--exactly-once=0 answers "outcome unknown" at once: for measurement only)` }),
  maxClockSkewMs: int({ flag: 'max-clock-skew-ms', env: 'VALTHREE_MAX_CLOCK_SKEW_MS', arg: 'MS', default: STORAGE_DEFAULTS.maxClockSkewMs, min: 1, help: `${IN_PROCESS}: refuse batches (TRYAGAIN) while this machine's clock leads S3's by more than this; keys never expire early by more than it` }),
  scriptTimeoutMs: int({ flag: 'script-timeout-ms', env: 'VALTHREE_SCRIPT_TIMEOUT_MS', arg: 'MS', default: STORAGE_DEFAULTS.scriptTimeoutMs, min: 1, help: `${IN_PROCESS}: time the Lua scripts of one batch attempt may run together; a script past it is stopped and nothing it did is applied` }),
  unsafeSplitTransactions: bool({ flag: 'unsafe-split-transactions', env: 'VALTHREE_UNSAFE_SPLIT_TRANSACTIONS', help: "send EXEC's queued commands one by one, unchecked and interleaved with other clients' (a deliberately broken mode the workload must catch: tests only)" }),
  naive: bool({ flag: 'naive', env: 'VALTHREE_NAIVE', help: 'the original design, for benchmarks: one command per invocation, no group commit, no cache' }),
  logLevel: choice({ flag: 'log-level', env: 'LOG_LEVEL', arg: 'LEVEL', default: 'info', choices: LOG_LEVELS, help: `pino log level: ${LOG_LEVELS.join(', ')}` }),
  help: bool({ flag: 'help', help: 'show this help' }),
};

type Table = typeof TABLE;
type Key = keyof Table;

/** One typed field per flag: numbers, booleans, strings (`undefined` when an optional one is not given). */
export type ProxySettings = { readonly [K in Key]: Table[K]['default'] };

export const FLAGS: readonly Flag<unknown>[] = Object.values(TABLE);
const KEYS = Object.keys(TABLE) as Key[];
const BY_FLAG = new Map<string, Key>(KEYS.map((k) => [TABLE[k].flag, k]));

export class UsageError extends Error {}

/** Flags win over the environment, which wins over defaults. Empty environment variables count as unset. */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ProxySettings {
  const given = new Map<Key, { raw: string; name: string }>();
  for (const k of KEYS) {
    const f: Flag<unknown> = TABLE[k];
    const raw = f.env ? env[f.env] : undefined;
    if (raw !== undefined && raw !== '') given.set(k, { raw, name: `${f.env} (--${f.flag})` });
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
    const k = BY_FLAG.get(name);
    if (k === undefined) throw new UsageError(`unknown flag --${name}`);
    const raw = TABLE[k].arg === undefined ? (inline ?? 'true') : (inline ?? argv[++i]);
    if (raw === undefined) throw new UsageError(`--${name} needs a value`);
    given.set(k, { raw, name: `--${name}` });
  }
  const out: Partial<Record<Key, unknown>> = {};
  for (const k of KEYS) {
    const f: Flag<unknown> = TABLE[k];
    const g = given.get(k);
    try {
      out[k] = g ? f.parse(g.raw, g.name) : f.default;
    } catch (e) {
      throw e instanceof SettingError ? new UsageError(e.message) : e;
    }
  }
  const s = out as ProxySettings;
  if (!!s.tlsCert !== !!s.tlsKey) throw new UsageError('--tls-cert and --tls-key go together');
  return s;
}

export function help(): string {
  const lines = FLAGS.map((f) => {
    const left = `  --${f.flag}${f.arg ? ` ${f.arg}` : ''}`;
    const env = f.env ? ` [env ${f.env}]` : '';
    const dflt = f === TABLE.help ? undefined : typeof f.default === 'boolean' ? (f.default ? 'on' : 'off') : f.default;
    return `${left.padEnd(34)} ${f.help}${dflt === undefined ? '' : ` (default ${dflt === '' ? '""' : String(dflt)})`}${env}`;
  });
  return [
    'valthree — a Redis-compatible server whose only state is db.json in S3',
    '',
    'usage: npm start -- [flags]',
    '',
    'With no flags it serves 127.0.0.1:6379 with the handler in-process and db.json in ./.valthree.',
    'A switch (--naive) takes an optional value: --naive=0, --cache=off.',
    '',
    ...lines,
    '',
  ].join('\n');
}
