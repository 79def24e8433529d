/** Settings from the environment, the stores they open, and the Lambda entry point wired from them. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openStorage, storageSettingsFromEnv } from '../../lambda/config';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../../lambda/document';
import { handler } from '../../lambda/main';
import { FileStore } from '../../lambda/store/file';
import { S3Store } from '../../lambda/store/s3';
import { batch, bulk, OK, repliesOf } from './util';

describe('storageSettingsFromEnv', () => {
  it('defaults: file store in ./.valthree, db.json, 3 s S3 timeout, 1 GiB cap, cache on, safety check on', () => {
    expect(storageSettingsFromEnv({})).toEqual({
      bucket: undefined,
      dataDir: './.valthree',
      key: 'db.json',
      region: undefined,
      endpoint: undefined,
      s3TimeoutMs: 3000,
      etagForm: 'auto',
      maxDocumentBytes: DEFAULT_MAX_DOCUMENT_BYTES,
      unsafeStorage: false,
      cache: true,
      exactlyOnce: true,
      maxClockSkewMs: 5000,
      scriptTimeoutMs: 1000,
      pageThreshold: 1 << 20,
      pageBytes: 1 << 20,
      credentials: undefined,
    });
  });

  it('reads every variable', () => {
    const s = storageSettingsFromEnv({
      VALTHREE_BUCKET: 'b',
      VALTHREE_KEY: 'k.json',
      AWS_REGION: 'eu-west-1',
      VALTHREE_S3_ENDPOINT: 'http://127.0.0.1:9000',
      VALTHREE_S3_TIMEOUT_MS: '1500',
      VALTHREE_ETAG_FORM: 'unquoted',
      VALTHREE_MAXMEMORY: '1000',
      VALTHREE_UNSAFE_STORAGE: 'yes',
      VALTHREE_CACHE: '0',
      VALTHREE_EXACTLY_ONCE: 'off',
      VALTHREE_SCRIPT_TIMEOUT_MS: '400',
      VALTHREE_PAGE_THRESHOLD: '4096',
      VALTHREE_PAGE_BYTES: '2048',
    });
    expect(s).toMatchObject({ scriptTimeoutMs: 400, pageThreshold: 4096, pageBytes: 2048 });
    expect(s).toMatchObject({ bucket: 'b', key: 'k.json', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9000', s3TimeoutMs: 1500, etagForm: 'unquoted', maxDocumentBytes: 1000, unsafeStorage: true, cache: false, exactlyOnce: false });
  });

  it('the AWS SDK conventions: AWS_DEFAULT_REGION and AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL as fallbacks', () => {
    expect(storageSettingsFromEnv({ AWS_DEFAULT_REGION: 'eu-north-1', AWS_ENDPOINT_URL: 'http://a', AWS_ENDPOINT_URL_S3: 'http://s3' })).toMatchObject({ region: 'eu-north-1', endpoint: 'http://s3' });
    expect(storageSettingsFromEnv({ AWS_ENDPOINT_URL: 'http://a' })).toMatchObject({ endpoint: 'http://a' });
  });

  it.each([
    ['VALTHREE_S3_TIMEOUT_MS', 'soon', /VALTHREE_S3_TIMEOUT_MS must be a positive number, got "soon"/],
    ['VALTHREE_MAXMEMORY', '-1', /VALTHREE_MAXMEMORY must be a positive number/],
    ['VALTHREE_ETAG_FORM', 'weak', /VALTHREE_ETAG_FORM must be one of auto, quoted, unquoted, got "weak"/],
    // The proxy's switches and these variables share one parser: anything but a yes or a no is refused.
    ['VALTHREE_CACHE', 'maybe', /VALTHREE_CACHE must be 1, true, yes or on, or 0, false, no or off, got "maybe"/],
    ['VALTHREE_EXACTLY_ONCE', 'nope', /VALTHREE_EXACTLY_ONCE must be 1, true, yes or on/],
    ['VALTHREE_SCRIPT_TIMEOUT_MS', '0', /VALTHREE_SCRIPT_TIMEOUT_MS must be a positive number, got "0"/],
  ])('a bad %s is refused with a message naming it', (name, v, msg) => {
    expect(() => storageSettingsFromEnv({ [name]: v })).toThrow(msg);
  });
});

describe('openStorage', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-config-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a bucket opens S3; otherwise the file store, with the safety check as beforeFirstWrite', async () => {
    const s3 = openStorage({ ...storageSettingsFromEnv({}), bucket: 'b', endpoint: 'http://127.0.0.1:1' });
    expect(s3.store).toBeInstanceOf(S3Store);
    s3.store.close?.();

    const file = openStorage({ ...storageSettingsFromEnv({}), dataDir: dir });
    try {
      expect(file.store).toBeInstanceOf(FileStore);
      expect(file.options.beforeFirstWrite).toBe(file.checkStorage);
      await file.checkStorage();
      expect(fs.existsSync(path.join(dir, 'db.json.probe'))).toBe(true);
    } finally {
      file.store.close?.();
    }
  });

  it('--unsafe-storage skips the check', () => {
    const o = openStorage({ ...storageSettingsFromEnv({}), dataDir: dir, unsafeStorage: true });
    try {
      expect(o.options.beforeFirstWrite).toBeUndefined();
    } finally {
      o.store.close?.();
    }
  });
});

describe('the Lambda entry point', () => {
  it('builds its handler from the environment once and keeps it warm between invocations', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-entry-'));
    const saved = { ...process.env };
    process.env.VALTHREE_DATA_DIR = dir;
    delete process.env.VALTHREE_BUCKET;
    try {
      const ctx = { getRemainingTimeInMillis: () => 10_000 };
      expect(repliesOf(await handler(batch('w1', [['SET', 'a', '1']]), ctx))).toEqual([[OK]]);
      // Changing the environment now has no effect: the instance (and its cache) is reused.
      process.env.VALTHREE_DATA_DIR = path.join(dir, 'elsewhere');
      expect(repliesOf(await handler(batch('r1', [['GET', 'a']]), ctx))).toEqual([[bulk('1')]]);
      expect(fs.existsSync(path.join(dir, 'db.json'))).toBe(true);
      expect(fs.existsSync(path.join(dir, 'db.json.probe'))).toBe(true);
      // Too little time left for an attempt: refused as not applied.
      const late = await handler(batch('w2', [['SET', 'a', '2']]), { getRemainingTimeInMillis: () => 100 });
      expect(late.ok).toBe(false);
    } finally {
      process.env = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
