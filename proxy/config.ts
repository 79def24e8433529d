/**
 * The proxy's settings: every flag has an environment variable, and --help
 * lists them all. Parsing is strict: a bad value stops the start with a
 * message naming the flag, rather than running with a surprise.
 */
import { MAX_VALUE_BYTES } from '../lambda/contract';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../lambda/document';
import { DEFAULT_PROTOCOL_LIMITS } from './resp/framer';

interface FlagSpec {
  flag: string;
  env?: string;
  arg?: string;
  default?: string;
  help: string;
  boolean?: boolean;
}

export const FLAGS: FlagSpec[] = [
  { flag: 'port', env: 'PORT', arg: 'N', default: '6379', help: 'TCP port to listen on (0: any free port)' },
  { flag: 'host', env: 'HOST', arg: 'ADDR', default: '127.0.0.1', help: 'address to bind (0.0.0.0 in a container)' },
  { flag: 'function', env: 'VALTHREE_FUNCTION', arg: 'NAME', help: 'invoke this Lambda function; without it the handler runs in-process' },
  { flag: 'bucket', env: 'VALTHREE_BUCKET', arg: 'NAME', help: 'in-process handler: keep db.json in this S3 bucket (AWS_ENDPOINT_URL for S3-compatible stores)' },
  { flag: 'key', env: 'VALTHREE_KEY', arg: 'KEY', default: 'db.json', help: 'object key of the document' },
  { flag: 'data-dir', env: 'VALTHREE_DATA_DIR', arg: 'DIR', default: './.valthree', help: 'in-process handler without --bucket: local directory for db.json' },
  { flag: 'region', env: 'AWS_REGION', arg: 'REGION', help: 'AWS region for S3 and Lambda (default us-east-1)' },
  { flag: 'requirepass', env: 'VALTHREE_PASSWORD', arg: 'PASS', help: 'require AUTH with this password (user "default")' },
  { flag: 'tls-cert', env: 'VALTHREE_TLS_CERT', arg: 'FILE', help: 'PEM certificate: serve TLS instead of plain TCP (with --tls-key)' },
  { flag: 'tls-key', env: 'VALTHREE_TLS_KEY', arg: 'FILE', help: 'PEM private key for --tls-cert' },
  { flag: 'maxclients', env: 'VALTHREE_MAXCLIENTS', arg: 'N', default: '10000', help: 'most simultaneous connections; more get "-ERR max number of clients reached"' },
  { flag: 'timeout', env: 'VALTHREE_TIMEOUT', arg: 'SECONDS', default: '0', help: 'close connections idle this long (0: never)' },
  { flag: 'maxmemory', env: 'VALTHREE_MAXMEMORY', arg: 'BYTES', default: String(DEFAULT_MAX_DOCUMENT_BYTES), help: 'in-process handler: largest db.json; writes past it get -OOM' },
  { flag: 'max-value-bytes', env: 'VALTHREE_MAX_VALUE_BYTES', arg: 'BYTES', default: String(MAX_VALUE_BYTES), help: 'largest argument one command may carry (one Lambda payload, base64); larger gets -ERR, connection stays open' },
  { flag: 'proto-max-bulk-len', env: 'VALTHREE_PROTO_MAX_BULK_LEN', arg: 'BYTES', default: String(DEFAULT_PROTOCOL_LIMITS.maxBulkBytes), help: 'largest bulk string accepted at all; larger is a protocol error and closes the connection' },
  { flag: 'proto-max-array-len', env: 'VALTHREE_PROTO_MAX_ARRAY_LEN', arg: 'N', default: String(DEFAULT_PROTOCOL_LIMITS.maxArrayLength), help: 'most elements in one request; more is a protocol error' },
  { flag: 'proto-max-inline-len', env: 'VALTHREE_PROTO_MAX_INLINE_LEN', arg: 'BYTES', default: String(DEFAULT_PROTOCOL_LIMITS.maxInlineBytes), help: 'longest inline command line; longer is a protocol error' },
  { flag: 'max-pending-bytes', env: 'VALTHREE_MAX_PENDING_BYTES', arg: 'BYTES', default: String(16 * 1024 * 1024), help: 'per connection: unexecuted pipelined bytes before the proxy stops reading (backpressure)' },
  { flag: 'invoke-timeout-ms', env: 'VALTHREE_INVOKE_TIMEOUT_MS', arg: 'MS', default: '12000', help: 'Lambda Invoke timeout; must exceed the function timeout' },
  { flag: 'ambiguous-retries', env: 'VALTHREE_AMBIGUOUS_RETRIES', arg: 'N', default: '1', help: 'Lambda executor: re-sends of a batch whose invoke outcome is unknown (same batch id: applied at most once); 0 answers "outcome unknown" at once' },
  { flag: 'drain-ms', env: 'VALTHREE_DRAIN_MS', arg: 'MS', default: '10000', help: 'on SIGTERM/SIGINT, time to finish in-flight commands before closing' },
  { flag: 'unsafe-storage', env: 'VALTHREE_UNSAFE_STORAGE', boolean: true, help: 'serve even if the storage ignores conditional writes (loses updates: tests only)' },
  { flag: 'naive', env: 'VALTHREE_NAIVE', boolean: true, help: 'the original design, for benchmarks: one command per invocation, no group commit, no cache' },
  { flag: 'log-level', env: 'LOG_LEVEL', arg: 'LEVEL', default: 'info', help: 'pino log level: fatal, error, warn, info, debug, trace, silent' },
  { flag: 'help', boolean: true, help: 'show this help' },
];

export type Settings = Record<string, string | undefined>;

export class UsageError extends Error {}

/** Flags win over the environment, which wins over defaults. */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): Settings {
  const out: Settings = {};
  for (const f of FLAGS) {
    const fromEnv = f.env ? env[f.env] : undefined;
    out[f.flag] = fromEnv !== undefined && fromEnv !== '' ? fromEnv : f.default;
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
    const spec = FLAGS.find((f) => f.flag === name);
    if (!spec) throw new UsageError(`unknown flag --${name}`);
    if (spec.boolean) {
      out[name] = inline ?? 'true';
    } else {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      out[name] = v;
    }
  }
  return out;
}

export function help(): string {
  const lines = FLAGS.map((f) => {
    const left = `  --${f.flag}${f.arg ? ` ${f.arg}` : ''}`;
    const env = f.env ? ` [env ${f.env}]` : '';
    const dflt = f.default !== undefined ? ` (default ${f.default === '' ? '""' : f.default})` : '';
    return `${left.padEnd(34)} ${f.help}${dflt}${env}`;
  });
  return [
    'valthree — a Redis-compatible server whose only state is db.json in S3',
    '',
    'usage: npm start -- [flags]',
    '',
    'With no flags it serves 127.0.0.1:6379 with the handler in-process and db.json in ./.valthree.',
    '',
    ...lines,
    '',
  ].join('\n');
}

export function int(s: Settings, name: string, min = 0): number {
  const v = s[name];
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

export function bool(s: Settings, name: string): boolean {
  const v = s[name];
  return v !== undefined && /^(1|true|yes|on)$/i.test(v);
}
