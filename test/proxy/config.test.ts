/**
 * The proxy's settings: parsed once into typed values (flags over the
 * environment over defaults), refused with a message naming the flag, and
 * turned into the in-process handler's storage settings without a detour
 * through a made-up environment.
 */
import { storageSettingsFromEnv } from '../../lambda/config';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../../lambda/document';
import { storageSettings } from '../../proxy/app';
import { FLAGS, help, parseArgs, UsageError } from '../../proxy/config';

describe('parseArgs', () => {
  test('defaults, typed: numbers as numbers, switches as booleans, absent strings as undefined', () => {
    const s = parseArgs([], {});
    expect(s).toMatchObject({
      port: 6379,
      host: '127.0.0.1',
      function: undefined,
      bucket: undefined,
      key: 'db.json',
      dataDir: './.valthree',
      requirepass: undefined,
      maxclients: 10000,
      timeout: 0,
      maxmemory: DEFAULT_MAX_DOCUMENT_BYTES,
      s3TimeoutMs: 3000,
      etagForm: 'auto',
      unsafeStorage: false,
      cache: true,
      exactlyOnce: true,
      naive: false,
      logLevel: 'info',
      help: false,
    });
    // Every flag has a typed field, and nothing else is there.
    expect(Object.keys(s)).toHaveLength(FLAGS.length);
  });

  test('flags, in both forms, become typed values', () => {
    const s = parseArgs(['--port', '7000', '--maxclients=5', '--naive', '--cache=off', '--bucket', 'b', '--etag-form', 'unquoted', '--s3-timeout-ms', '1500.5', '--requirepass='], {});
    expect(s).toMatchObject({ port: 7000, maxclients: 5, naive: true, cache: false, bucket: 'b', etagForm: 'unquoted', s3TimeoutMs: 1500.5, requirepass: undefined });
  });

  test('flags win over the environment, which wins over the defaults; an empty variable is unset', () => {
    const env = { PORT: '7001', VALTHREE_MAXCLIENTS: '7', VALTHREE_NAIVE: 'yes', VALTHREE_KEY: '', LOG_LEVEL: 'warn' };
    expect(parseArgs([], env)).toMatchObject({ port: 7001, maxclients: 7, naive: true, key: 'db.json', logLevel: 'warn' });
    expect(parseArgs(['--port', '7002', '--naive=0', '--log-level', 'debug'], env)).toMatchObject({ port: 7002, maxclients: 7, naive: false, logLevel: 'debug' });
  });

  test.each([
    [['--port', 'http'], {}, '--port must be an integer >= 0, got "http"'],
    [['--maxclients', '0'], {}, '--maxclients must be an integer >= 1, got "0"'],
    [['--timeout', '1.5'], {}, '--timeout must be an integer >= 0, got "1.5"'],
    [[], { VALTHREE_MAXCLIENTS: 'many' }, 'VALTHREE_MAXCLIENTS (--maxclients) must be an integer >= 1, got "many"'],
    [['--naive=maybe'], {}, '--naive must be 1, true, yes or on, or 0, false, no or off, got "maybe"'],
    [[], { VALTHREE_UNSAFE_STORAGE: 'sure' }, 'VALTHREE_UNSAFE_STORAGE (--unsafe-storage) must be 1, true, yes or on'],
    [['--etag-form', 'weak'], {}, '--etag-form must be one of auto, quoted, unquoted, got "weak"'],
    [['--log-level', 'loud'], {}, '--log-level must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [['--s3-timeout-ms', '-1'], {}, '--s3-timeout-ms must be a positive number, got "-1"'],
    [['--exactly-once', 'no'], {}, 'unexpected argument "no"'],
    [['--port'], {}, '--port needs a value'],
    [['--bogus'], {}, 'unknown flag --bogus'],
    [['port'], {}, 'unexpected argument "port"'],
    [['--tls-cert', 'c.pem'], {}, '--tls-cert and --tls-key go together'],
  ])('%j %j is refused: %s', (argv, env, message) => {
    expect(() => parseArgs(argv, env)).toThrow(UsageError);
    expect(() => parseArgs(argv, env)).toThrow(message);
  });

  test('--help lists every flag with its default and variable', () => {
    const text = help();
    for (const f of FLAGS) expect(text).toContain(`--${f.flag}`);
    expect(text).toMatch(/--port N +TCP port to listen on \(0: any free port\) \(default 6379\) \[env PORT\]/);
    expect(text).toMatch(/--cache +.*\(default on\) \[env VALTHREE_CACHE\]/);
    expect(text).toMatch(/--naive +.*\(default off\) \[env VALTHREE_NAIVE\]/);
    const bucket = text.split('\n').find((l) => l.includes('--bucket')) ?? '';
    expect(bucket).toMatch(/\[env VALTHREE_BUCKET\]$/);
    expect(bucket).not.toContain('(default');
  });
});

describe('storageSettings (the in-process handler, from the flags)', () => {
  test('built from the typed settings; only the AWS SDK conventions come from the environment', () => {
    const s = parseArgs(['--bucket', 'b', '--key', 'k.json', '--maxmemory', '1000', '--unsafe-storage', '--etag-form', 'quoted', '--s3-timeout-ms', '900', '--exactly-once=0', '--script-timeout-ms', '250', '--page-threshold', '4096', '--page-bytes', '2048'], {});
    const env = { AWS_DEFAULT_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:9000', AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' };
    expect(storageSettings(s, env)).toEqual({
      bucket: 'b',
      dataDir: './.valthree',
      key: 'k.json',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9000',
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret', sessionToken: undefined },
      s3TimeoutMs: 900,
      etagForm: 'quoted',
      maxDocumentBytes: 1000,
      unsafeStorage: true,
      cache: true,
      exactlyOnce: false,
      maxClockSkewMs: 5000,
      scriptTimeoutMs: 250,
      pageThreshold: 4096,
      pageBytes: 2048,
    });
  });

  test('--region and --s3-endpoint win over the SDK variables; --naive turns the cache off', () => {
    const s = parseArgs(['--region', 'ap-south-1', '--s3-endpoint', 'http://s3.local', '--naive'], {});
    expect(storageSettings(s, { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_S3: 'http://other' })).toMatchObject({ region: 'ap-south-1', endpoint: 'http://s3.local', cache: false });
  });

  test('the same environment means the same storage to the proxy and to the Lambda', () => {
    const env = {
      VALTHREE_BUCKET: 'b',
      VALTHREE_KEY: 'k.json',
      VALTHREE_DATA_DIR: '/tmp/x',
      AWS_REGION: 'eu-west-1',
      VALTHREE_S3_ENDPOINT: 'http://127.0.0.1:9000',
      VALTHREE_S3_TIMEOUT_MS: '1500',
      VALTHREE_ETAG_FORM: 'unquoted',
      VALTHREE_MAXMEMORY: '1000',
      VALTHREE_UNSAFE_STORAGE: 'on',
      VALTHREE_CACHE: '0',
      VALTHREE_EXACTLY_ONCE: 'false',
      AWS_ACCESS_KEY_ID: 'id',
      AWS_SECRET_ACCESS_KEY: 'secret',
    };
    expect(storageSettings(parseArgs([], env), env)).toEqual(storageSettingsFromEnv(env));
    expect(storageSettings(parseArgs([], {}), {})).toEqual(storageSettingsFromEnv({}));
  });
});
