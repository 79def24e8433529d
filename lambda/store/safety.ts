/**
 * The storage safety check, run before the first write.
 *
 * valthree is only as safe as the store's compare-and-swap. Some S3-compatible
 * servers silently ignore If-Match / If-None-Match; on them every concurrent
 * write would be a lost update without a single error. So before writing
 * db.json we prove, on a probe object beside it, that a stale If-Match and an
 * If-None-Match: * on an existing object both fail. The same probe tells
 * whether the store wants the ETag quoted (AWS) or bare (Ceph RGW 16).
 */
import { randomBytes } from 'node:crypto';
import type { ObjectStore } from './types';

export class UnsafeStorageError extends Error {}

export interface SafetyReport {
  etagForm: 'quoted' | 'unquoted';
}

type Probeable = ObjectStore & { etagForm?: 'quoted' | 'unquoted' };

export async function checkStorageSafety(store: Probeable, probeKey: string, opts: { detectEtagForm?: boolean } = {}): Promise<SafetyReport> {
  const detect = opts.detectEtagForm ?? true;
  const body = () => Buffer.from(JSON.stringify({ probe: 'valthree storage safety check', nonce: randomBytes(8).toString('hex') }));
  // Many execution environments may cold-start at once and probe the same
  // object: a failed If-Match is only evidence against a form if the probe's
  // ETag did not change meanwhile. Races are retried (with jitter) and do not
  // count against the forms.
  const rejected = new Set<'quoted' | 'unquoted'>();
  for (let round = 0; round < 20; round++) {
    if (round > 0) await new Promise((r) => setTimeout(r, Math.random() * 20 * Math.min(round, 5)));
    // 1. An object to work on, and its current ETag.
    let got = await store.get(probeKey);
    if (got.status === 'absent') {
      await store.put(probeKey, body(), { ifNoneMatch: '*' });
      got = await store.get(probeKey);
    }
    if (got.status !== 'found') continue;
    const stale = got.etag;

    // 2. A matching If-Match must succeed: in one of the two ETag forms.
    const current = store.etagForm ?? 'quoted';
    const candidates: ('quoted' | 'unquoted')[] = !detect ? [current] : current === 'unquoted' ? ['unquoted', 'quoted'] : ['quoted', 'unquoted'];
    const forms = candidates.filter((f) => !rejected.has(f));
    if (forms.length === 0) break;
    let form: 'quoted' | 'unquoted' | null = null;
    for (const f of forms) {
      if (store.etagForm !== undefined) store.etagForm = f;
      const put = await store.put(probeKey, body(), { ifMatch: stale });
      if (put.status === 'ok') {
        form = f;
        break;
      }
      const now = await store.get(probeKey);
      if (now.status !== 'found' || now.etag !== stale) break; // raced: start over
      if (put.status === 'conflict') rejected.add(f);
      if (store.etagForm === undefined) break;
    }
    if (form === null) continue;

    // 3. The ETag we just replaced is stale now: a write conditioned on it must fail.
    const staleWrite = await store.put(probeKey, body(), { ifMatch: stale });
    if (staleWrite.status === 'ok') {
      throw new UnsafeStorageError(
        `${store.description} ignores If-Match: a write conditioned on a stale ETag succeeded. ` +
          'On such storage concurrent writes would silently lose acknowledged data, so valthree refuses to serve. ' +
          'Use storage with conditional writes, or pass --unsafe-storage (VALTHREE_UNSAFE_STORAGE=1) to accept lost updates.',
      );
    }
    // 4. Create-if-absent on an existing object must fail.
    const create = await store.put(probeKey, body(), { ifNoneMatch: '*' });
    if (create.status === 'ok') {
      throw new UnsafeStorageError(
        `${store.description} ignores If-None-Match: *: a create over an existing object succeeded. ` +
          'valthree refuses to serve on it; pass --unsafe-storage (VALTHREE_UNSAFE_STORAGE=1) to override.',
      );
    }
    if (store.etagForm !== undefined) store.etagForm = form;
    return { etagForm: form };
  }
  throw new UnsafeStorageError(
    `${store.description}: a write with a matching If-Match never succeeded (${detect ? 'quoted or bare ETag' : `${store.etagForm ?? 'quoted'} ETag, as configured by VALTHREE_ETAG_FORM`})`,
  );
}
