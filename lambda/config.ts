/**
 * The handler's storage settings: what they are, their defaults, and how the
 * Lambda reads them from its environment. The in-process proxy builds the
 * same settings from its flags (proxy/app.ts), with these defaults and the
 * same value parsers (setting-values.ts), so both paths behave the same.
 */
import { DEFAULT_MAX_CLOCK_SKEW_MS, type HandlerOptions } from './handler';
import { DEFAULT_MAX_DOCUMENT_BYTES } from './document';
import { DEFAULT_SCRIPT_TIMEOUT_MS } from './scripting';
import { DEFAULT_PAGE_BYTES, DEFAULT_PAGE_THRESHOLD, pagingFor } from './pages/settings';
import { boolean, oneOf, positive } from './setting-values';
import { FileStore } from './store/file';
import type { S3Store } from './store/s3';
import { checkStorageSafety } from './store/safety';
import type { ObjectStore } from './store/types';

export interface StorageSettings {
  /** S3 bucket; without it, the file store in dataDir. */
  bucket?: string;
  dataDir?: string;
  key: string;
  region?: string;
  endpoint?: string;
  s3TimeoutMs: number;
  /** 'auto' lets the safety check decide. */
  etagForm: 'auto' | 'quoted' | 'unquoted';
  maxDocumentBytes: number;
  unsafeStorage: boolean;
  cache: boolean;
  /** VALTHREE_EXACTLY_ONCE=0 turns off resolving ambiguous writes (measurement only). */
  exactlyOnce: boolean;
  /** How far this clock may lead the store's before batches are refused (HandlerOptions.maxClockSkewMs). */
  maxClockSkewMs: number;
  /** Time the scripts of one batch attempt may run together (HandlerOptions.scriptTimeoutMs). */
  scriptTimeoutMs: number;
  /** Inline bytes of a database past which it is paged (layout.ts §1). */
  pageThreshold: number;
  /** The size a page is split at. */
  pageBytes: number;
  /** Keys from this environment; otherwise the SDK's default chain (task or function role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export const ETAG_FORMS = ['auto', 'quoted', 'unquoted'] as const;

export const STORAGE_DEFAULTS = {
  dataDir: './.valthree',
  key: 'db.json',
  s3TimeoutMs: 3000,
  etagForm: 'auto',
  maxDocumentBytes: DEFAULT_MAX_DOCUMENT_BYTES,
  unsafeStorage: false,
  cache: true,
  exactlyOnce: true,
  maxClockSkewMs: DEFAULT_MAX_CLOCK_SKEW_MS,
  scriptTimeoutMs: DEFAULT_SCRIPT_TIMEOUT_MS,
  pageThreshold: DEFAULT_PAGE_THRESHOLD,
  pageBytes: DEFAULT_PAGE_BYTES,
} as const satisfies Partial<StorageSettings>;

/**
 * The AWS SDK's own conventions, read from the given environment (which may
 * not be process.env): the Lambda and the in-process proxy honour the same.
 */
export interface AwsEnvironment {
  region?: string;
  /** AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL (LocalStack, MinIO, Ceph RGW). */
  s3Endpoint?: string;
  credentials?: StorageSettings['credentials'];
}

export function awsEnvironment(env: NodeJS.ProcessEnv): AwsEnvironment {
  return {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    s3Endpoint: env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined,
    credentials: staticCredentials(env),
  };
}

/** AWS_ACCESS_KEY_ID/SECRET from the given environment (which may not be process.env). */
export function staticCredentials(env: NodeJS.ProcessEnv): StorageSettings['credentials'] {
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return undefined;
  return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined };
}

/** The Lambda's settings, from its environment (the variables lib/data-plane-stack.ts sets). */
export function storageSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): StorageSettings {
  const d = STORAGE_DEFAULTS;
  const aws = awsEnvironment(env);
  return {
    bucket: env.VALTHREE_BUCKET || undefined,
    dataDir: env.VALTHREE_DATA_DIR || d.dataDir,
    key: env.VALTHREE_KEY || d.key,
    region: aws.region,
    endpoint: env.VALTHREE_S3_ENDPOINT || aws.s3Endpoint,
    credentials: aws.credentials,
    s3TimeoutMs: positive(env.VALTHREE_S3_TIMEOUT_MS, d.s3TimeoutMs, 'VALTHREE_S3_TIMEOUT_MS'),
    etagForm: oneOf(env.VALTHREE_ETAG_FORM, ETAG_FORMS, d.etagForm, 'VALTHREE_ETAG_FORM'),
    maxDocumentBytes: positive(env.VALTHREE_MAXMEMORY, d.maxDocumentBytes, 'VALTHREE_MAXMEMORY'),
    unsafeStorage: boolean(env.VALTHREE_UNSAFE_STORAGE, d.unsafeStorage, 'VALTHREE_UNSAFE_STORAGE'),
    cache: boolean(env.VALTHREE_CACHE, d.cache, 'VALTHREE_CACHE'),
    exactlyOnce: boolean(env.VALTHREE_EXACTLY_ONCE, d.exactlyOnce, 'VALTHREE_EXACTLY_ONCE'),
    maxClockSkewMs: positive(env.VALTHREE_MAX_CLOCK_SKEW_MS, d.maxClockSkewMs, 'VALTHREE_MAX_CLOCK_SKEW_MS'),
    scriptTimeoutMs: positive(env.VALTHREE_SCRIPT_TIMEOUT_MS, d.scriptTimeoutMs, 'VALTHREE_SCRIPT_TIMEOUT_MS'),
    pageThreshold: positive(env.VALTHREE_PAGE_THRESHOLD, d.pageThreshold, 'VALTHREE_PAGE_THRESHOLD'),
    pageBytes: positive(env.VALTHREE_PAGE_BYTES, d.pageBytes, 'VALTHREE_PAGE_BYTES'),
  };
}

/**
 * The store and the handler options that go with it. `checkStorage` runs the
 * safety check once (shared by every handler built from these options); a
 * failed check is retried next time, an unsafe store keeps failing.
 */
export function openStorage(s: StorageSettings): { store: ObjectStore; options: HandlerOptions; checkStorage: () => Promise<void> } {
  let store: ObjectStore;
  let s3: S3Store | undefined;
  if (s.bucket) {
    // Loaded only when used: the AWS SDK is most of what the proxy would
    // otherwise load and keep at start (`npm start` over a data dir never needs it).
    const { S3Store: Store } = require('./store/s3') as typeof import('./store/s3');
    store = s3 = new Store({
      bucket: s.bucket,
      region: s.region,
      endpoint: s.endpoint,
      requestTimeoutMs: s.s3TimeoutMs,
      credentials: s.credentials,
      etagForm: s.etagForm === 'auto' ? undefined : s.etagForm,
    });
  } else {
    // The sole writer collects its own pages (layout.ts §11), with the S3 GC's rules and grace.
    store = new FileStore(s.dataDir ?? './.valthree', {});
  }
  const probeKey = `${s.key}.probe`;
  let checking: Promise<void> | null = null;
  const checkStorage = (): Promise<void> =>
    (checking ??= (async () => {
      // An explicit ETag form wins: the probe then only checks it works.
      const report = await checkStorageSafety(store, probeKey, { detectEtagForm: s.etagForm === 'auto' });
      if (s3) s3.etagForm = report.etagForm;
    })().catch((e: Error) => {
      checking = null;
      throw e;
    }));
  return {
    store,
    options: { store, key: s.key, maxDocumentBytes: s.maxDocumentBytes, cache: s.cache, exactlyOnce: s.exactlyOnce, maxClockSkewMs: s.maxClockSkewMs, scriptTimeoutMs: s.scriptTimeoutMs, paging: pagingFor(s.pageThreshold, s.pageBytes), beforeFirstWrite: s.unsafeStorage ? undefined : checkStorage },
    checkStorage: s.unsafeStorage ? async () => undefined : checkStorage,
  };
}
