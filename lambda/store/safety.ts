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

type Form = 'quoted' | 'unquoted';

const probeBody = () => Buffer.from(JSON.stringify({ probe: 'valthree storage safety check', nonce: randomBytes(8).toString('hex') }));

export async function checkStorageSafety(store: Probeable, probeKey: string, opts: { detectEtagForm?: boolean } = {}): Promise<SafetyReport> {
  const detect = opts.detectEtagForm ?? true;
  // Many execution environments may cold-start at once and probe the same
  // object: a failed If-Match is only evidence against a form if the probe's
  // ETag did not change meanwhile. Races are retried (with jitter) and do not
  // count against the forms.
  const rejected = new Set<Form>();
  for (let round = 0; round < 20; round++) {
    if (round > 0) await new Promise((r) => setTimeout(r, Math.random() * 20 * Math.min(round, 5)));
    // 1. An object to work on, and its current ETag.
    let got = await store.get(probeKey);
    if (got.status === 'absent') {
      await store.put(probeKey, probeBody(), { ifNoneMatch: '*' });
      got = await store.get(probeKey);
    }
    if (got.status !== 'found') continue;
    const stale = got.etag;
    // 2. A matching If-Match must succeed: in one of the two ETag forms.
    const current = store.etagForm ?? 'quoted';
    const candidates: Form[] = !detect ? [current] : current === 'unquoted' ? ['unquoted', 'quoted'] : ['quoted', 'unquoted'];
    const forms = candidates.filter((f) => !rejected.has(f));
    if (forms.length === 0) break;
    const form = await matchingForm(store, probeKey, stale, forms, rejected);
    if (form === null) continue;
    await expectConditionsHold(store, probeKey, stale);
    if (store.etagForm !== undefined) store.etagForm = form;
    return { etagForm: form };
  }
  throw new UnsafeStorageError(
    `${store.description}: a write with a matching If-Match never succeeded (${detect ? 'quoted or bare ETag' : `${store.etagForm ?? 'quoted'} ETag, as configured by VALTHREE_ETAG_FORM`})`,
  );
}

/** The first ETag form whose matching If-Match succeeds; a form that fails without a race is rejected for good. */
async function matchingForm(store: Probeable, probeKey: string, stale: string, forms: Form[], rejected: Set<Form>): Promise<Form | null> {
  for (const f of forms) {
    if (store.etagForm !== undefined) store.etagForm = f;
    const put = await store.put(probeKey, probeBody(), { ifMatch: stale });
    if (put.status === 'ok') return f;
    const now = await store.get(probeKey);
    if (now.status !== 'found' || now.etag !== stale) return null; // raced: start over
    if (put.status === 'conflict') rejected.add(f);
    if (store.etagForm === undefined) return null;
  }
  return null;
}

/** After the probe was replaced, a stale If-Match and a create over it must both fail. */
async function expectConditionsHold(store: Probeable, probeKey: string, stale: string): Promise<void> {
  const staleWrite = await store.put(probeKey, probeBody(), { ifMatch: stale });
  if (staleWrite.status === 'ok') {
    throw new UnsafeStorageError(
      `${store.description} ignores If-Match: a write conditioned on a stale ETag succeeded. ` +
        'On such storage concurrent writes would silently lose acknowledged data, so valthree refuses to serve. ' +
        'Use storage with conditional writes, or pass --unsafe-storage (VALTHREE_UNSAFE_STORAGE=1) to accept lost updates.',
    );
  }
  const create = await store.put(probeKey, probeBody(), { ifNoneMatch: '*' });
  if (create.status === 'ok') {
    throw new UnsafeStorageError(
      `${store.description} ignores If-None-Match: *: a create over an existing object succeeded. ` +
        'valthree refuses to serve on it; pass --unsafe-storage (VALTHREE_UNSAFE_STORAGE=1) to override.',
    );
  }
}
