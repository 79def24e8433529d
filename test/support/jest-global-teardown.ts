/** Jest global teardown: stops the RGW that the global setup booted (runs after failed runs too). */
import type { Rgw } from './rgw';
import { RGW_GLOBAL } from './jest-global-setup';

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  const rgw = g[RGW_GLOBAL] as Rgw | undefined;
  if (!rgw) return;
  delete g[RGW_GLOBAL];
  for (const k of ['ENDPOINT', 'ACCESS_KEY', 'SECRET_KEY', 'BUCKET', 'REGION']) delete process.env[`VALTHREE_TEST_RGW_${k}`];
  await rgw.stop();
}
