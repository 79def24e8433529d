/**
 * Jest global setup: boots one throw-away Ceph RGW for the whole run and
 * hands it to the tests through the environment (test/s3/targets.ts reads it).
 * Ceph missing → fails at once, naming the Debian packages: the S3 tests are
 * part of the suite, never silently skipped.
 *
 * An RGW already running (`npx tsx test/support/rgw.ts`, then the printed
 * variables as VALTHREE_TEST_RGW_*) is used as is.
 */
import { startRgw, type Rgw } from './rgw';

export const RGW_GLOBAL = '__VALTHREE_TEST_RGW__';

export default async function globalSetup(): Promise<void> {
  if (process.env.VALTHREE_TEST_RGW_ENDPOINT) return;
  const rgw = await startRgw();
  (globalThis as Record<string, unknown>)[RGW_GLOBAL] = rgw;
  process.env.VALTHREE_TEST_RGW_ENDPOINT = rgw.endpoint;
  process.env.VALTHREE_TEST_RGW_ACCESS_KEY = rgw.accessKeyId;
  process.env.VALTHREE_TEST_RGW_SECRET_KEY = rgw.secretAccessKey;
  process.env.VALTHREE_TEST_RGW_BUCKET = rgw.bucket;
  process.env.VALTHREE_TEST_RGW_REGION = rgw.region;
  process.stderr.write(`\n[valthree] Ceph RGW ${rgw.endpoint} up in ${rgw.bootMs} ms (pids ${rgw.pids.join(' ')})\n`);
}

export type { Rgw };
