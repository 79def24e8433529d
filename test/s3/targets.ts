/**
 * The two S3 implementations the storage tests run on: our emulator and a
 * real Ceph RADOS Gateway. RGW comes from jest's global setup (env vars
 * VALTHREE_TEST_RGW_*) when it is wired, else this file boots its own.
 */
import { randomBytes } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { S3Store } from '../../lambda/store/s3';
import { startEmulator, type Emulator } from '../support/emulator';
import { startRgw } from '../support/rgw';

export type TargetName = 'emulator' | 'rgw';

export interface Target {
  name: TargetName;
  endpoint: string;
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The emulator, when the target is one (for its counters and modes). */
  emulator?: Emulator;
  /** The ETag form this target accepts in a PutObject If-Match. */
  etagForm: 'quoted' | 'unquoted';
  /** An SDK client that never retries: every answer is the server's own. */
  client(): S3Client;
  /** valthree's store on this target. */
  store(o?: { etagForm?: 'quoted' | 'unquoted'; requestTimeoutMs?: number }): S3Store;
  close(): Promise<void>;
}

export async function openTarget(name: TargetName): Promise<Target> {
  let endpoint: string;
  let bucket: string;
  let credentials: { accessKeyId: string; secretAccessKey: string };
  let emulator: Emulator | undefined;
  let stop: () => Promise<void>;
  if (name === 'emulator') {
    emulator = await startEmulator();
    ({ endpoint, bucket, credentials } = emulator);
    stop = emulator.close;
  } else if (process.env.VALTHREE_TEST_RGW_ENDPOINT) {
    endpoint = process.env.VALTHREE_TEST_RGW_ENDPOINT;
    bucket = process.env.VALTHREE_TEST_RGW_BUCKET ?? 'valthree-test';
    credentials = { accessKeyId: process.env.VALTHREE_TEST_RGW_ACCESS_KEY ?? '', secretAccessKey: process.env.VALTHREE_TEST_RGW_SECRET_KEY ?? '' };
    stop = async () => undefined; // global teardown stops it
  } else {
    process.stderr.write('[valthree] no VALTHREE_TEST_RGW_ENDPOINT (jest global setup not wired): booting a private Ceph RGW for this file\n');
    const rgw = await startRgw();
    ({ endpoint, bucket } = rgw);
    credentials = { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey };
    stop = rgw.stop;
  }
  const region = 'us-east-1';
  const closers: (() => void)[] = [];
  return {
    name,
    endpoint,
    bucket,
    region,
    credentials,
    emulator,
    // RGW 16 matches only the bare hex ETag in a PutObject If-Match (see the design notes).
    etagForm: name === 'rgw' ? 'unquoted' : 'quoted',
    client() {
      const c = new S3Client({ endpoint, region, credentials, forcePathStyle: true, maxAttempts: 1 });
      closers.push(() => c.destroy());
      return c;
    },
    store(o = {}) {
      const s = new S3Store({ bucket, endpoint, region, credentials, forcePathStyle: true, etagForm: o.etagForm ?? (name === 'rgw' ? 'unquoted' : 'quoted'), requestTimeoutMs: o.requestTimeoutMs ?? 10_000 });
      closers.push(() => s.close());
      return s;
    },
    async close() {
      for (const close of closers) close();
      await stop();
    },
  };
}

/** A key no other test (or earlier run on a shared bucket) uses. */
export function freshKey(label: string): string {
  return `t-${randomBytes(5).toString('hex')}/${label}`;
}

/** An SDK error's name and status, for assertions. */
export function sdkError(e: unknown): { name: string; status?: number; message: string } {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  return { name: err.name ?? 'Error', status: err.$metadata?.httpStatusCode, message: err.message ?? '' };
}

/** Runs a promise that must fail; returns its SDK error. */
export async function failure(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    return sdkError(e);
  }
  throw new Error('expected the request to fail, it succeeded');
}
