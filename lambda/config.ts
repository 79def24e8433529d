/**
 * The handler's settings, from the environment (Lambda) or from the proxy's
 * flags (in-process). One place, so both paths behave the same.
 */
import type { HandlerOptions } from './handler';
import { DEFAULT_MAX_DOCUMENT_BYTES } from './document';
import { FileStore } from './store/file';
import { S3Store } from './store/s3';
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
  /** Keys from this environment; otherwise the SDK's default chain (task or function role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** AWS_ACCESS_KEY_ID/SECRET from the given environment (which may not be process.env). */
export function staticCredentials(env: NodeJS.ProcessEnv): StorageSettings['credentials'] {
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return undefined;
  return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined };
}

export function storageSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): StorageSettings {
  return {
    bucket: env.VALTHREE_BUCKET || undefined,
    dataDir: env.VALTHREE_DATA_DIR || './.valthree',
    key: env.VALTHREE_KEY || 'db.json',
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    endpoint: env.VALTHREE_S3_ENDPOINT || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined,
    credentials: staticCredentials(env),
    s3TimeoutMs: positive(env.VALTHREE_S3_TIMEOUT_MS, 3000, 'VALTHREE_S3_TIMEOUT_MS'),
    etagForm: oneOf(env.VALTHREE_ETAG_FORM, ['auto', 'quoted', 'unquoted'] as const, 'auto', 'VALTHREE_ETAG_FORM'),
    maxDocumentBytes: positive(env.VALTHREE_MAXMEMORY, DEFAULT_MAX_DOCUMENT_BYTES, 'VALTHREE_MAXMEMORY'),
    unsafeStorage: truthy(env.VALTHREE_UNSAFE_STORAGE),
    cache: env.VALTHREE_CACHE === undefined ? true : truthy(env.VALTHREE_CACHE),
    exactlyOnce: env.VALTHREE_EXACTLY_ONCE === undefined ? true : truthy(env.VALTHREE_EXACTLY_ONCE),
  };
}

/**
 * The store and the handler options that go with it. `checkStorage` runs the
 * safety check once (shared by every handler built from these options); a
 * failed check is retried next time, an unsafe store keeps failing.
 */
export function openStorage(s: StorageSettings): { store: ObjectStore; options: HandlerOptions; checkStorage: () => Promise<void> } {
  let store: ObjectStore;
  if (s.bucket) {
    store = new S3Store({
      bucket: s.bucket,
      region: s.region,
      endpoint: s.endpoint,
      requestTimeoutMs: s.s3TimeoutMs,
      credentials: s.credentials,
      etagForm: s.etagForm === 'auto' ? undefined : s.etagForm,
    });
  } else {
    store = new FileStore(s.dataDir ?? './.valthree');
  }
  const probeKey = `${s.key}.probe`;
  let checking: Promise<void> | null = null;
  const checkStorage = (): Promise<void> =>
    (checking ??= (async () => {
      // An explicit ETag form wins: the probe then only checks it works.
      const report = await checkStorageSafety(store, probeKey, { detectEtagForm: s.etagForm === 'auto' });
      if (store instanceof S3Store) store.etagForm = report.etagForm;
    })().catch((e: Error) => {
      checking = null;
      throw e;
    }));
  return {
    store,
    options: { store, key: s.key, maxDocumentBytes: s.maxDocumentBytes, cache: s.cache, exactlyOnce: s.exactlyOnce, beforeFirstWrite: s.unsafeStorage ? undefined : checkStorage },
    checkStorage: s.unsafeStorage ? async () => undefined : checkStorage,
  };
}

export function positive(v: string | undefined, dflt: number, name: string): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(v)}`);
  return n;
}

function oneOf<T extends string>(v: string | undefined, allowed: readonly T[], dflt: T, name: string): T {
  if (v === undefined || v === '') return dflt;
  if (!(allowed as readonly string[]).includes(v)) throw new Error(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

export function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes|on)$/i.test(v);
}
