/**
 * The writer lease: a small object beside the document (`<key>.writer`)
 * naming the proxy that folds the cluster's writes into one group commit.
 *
 * The handler takes and renews it with conditional writes, as it writes
 * db.json, so the proxies keep needing nothing but lambda:InvokeFunction.
 * Expiry is by the handler's clock, which the skew check already bounds
 * against S3's. Nothing depends on the lease for correctness: two proxies
 * that both believe they lead only cost conflicts on db.json.
 */
import { CONTRACT_VERSION, type BatchStats, type LeaseClaim, type LeaseState, type LocalBatchRequest, type LocalBatchResponse } from './contract';
import type { ObjectStore } from './store/types';

interface LeaseBody {
  holder: string;
  address: string;
  /** Unix ms, by the clock of the handler that wrote it. */
  expiresAt: number;
}

export const leaseKey = (documentKey: string): string => `${documentKey}.writer`;

function parse(body: Buffer): LeaseBody | null {
  try {
    const b = JSON.parse(body.toString('utf8')) as Partial<LeaseBody>;
    return typeof b.holder === 'string' && typeof b.address === 'string' && typeof b.expiresAt === 'number' ? (b as LeaseBody) : null;
  } catch {
    return null;
  }
}

const stateOf = (b: LeaseBody | null, now: number): LeaseState =>
  b === null || b.expiresAt <= now ? { holder: null, address: null, remainingMs: 0 } : { holder: b.holder, address: b.address, remainingMs: b.expiresAt - now };

/**
 * Takes or renews the lease for `claim.holder` unless someone else holds it
 * unexpired; ttlMs 0 releases it if the claimant holds it. Answers who holds
 * it afterwards. One read and at most one conditional write; a lost race is
 * answered with the winner, read again.
 */
export async function claimLease(store: ObjectStore, documentKey: string, claim: LeaseClaim, now: number): Promise<LeaseState> {
  const key = leaseKey(documentKey);
  for (let round = 0; round < 2; round++) {
    const got = await store.get(key);
    const cur = got.status === 'found' ? parse(got.body) : null;
    const live = cur !== null && cur.expiresAt > now;
    if (live && cur.holder !== claim.holder) return stateOf(cur, now);
    if (claim.ttlMs === 0 && !live) return stateOf(null, now);
    const next: LeaseBody = { holder: claim.holder, address: claim.address, expiresAt: now + claim.ttlMs };
    const put = await store.put(key, Buffer.from(JSON.stringify(next)), got.status === 'found' ? { ifMatch: got.etag } : { ifNoneMatch: '*' });
    if (put.status === 'ok') return stateOf(next, now);
    // Unknown: whether we hold it is unknown too; say nobody, and the next renewal tells.
    if (put.status === 'unknown') return stateOf(null, now);
  }
  return stateOf(null, now);
}

/** Checks a claim from the network (the proxy is trusted, its bytes are not). */
export function validateClaim(c: unknown): string | null {
  const l = c as Partial<LeaseClaim> | null;
  if (typeof l !== 'object' || l === null) return 'lease is not an object';
  if (typeof l.holder !== 'string' || l.holder.length === 0 || l.holder.length > 128) return 'lease.holder must be a non-empty string';
  if (typeof l.address !== 'string' || l.address.length > 256) return 'lease.address must be a string';
  if (!Number.isSafeInteger(l.ttlMs) || (l.ttlMs as number) < 0 || (l.ttlMs as number) > 600_000) return 'lease.ttlMs must be an integer from 0 to 600000';
  return null;
}

/** A lease operation's answer: beside the document, never through the handler's cache or queue (so it runs beside a batch). */
export async function answerLease(store: ObjectStore, key: string, req: LocalBatchRequest, now: number): Promise<LocalBatchResponse> {
  const stats: BatchStats = { s3Gets: 1, s3Puts: 0, conflicts: 0, keys: 0, replayed: false };
  try {
    const lease = await claimLease(store, key, req.lease as LeaseClaim, now);
    return { v: CONTRACT_VERSION, batchId: req.batchId, ok: true, sessions: [], stats, lease };
  } catch (e) {
    return { v: CONTRACT_VERSION, batchId: req.batchId, ok: false, failure: { kind: 'not-applied', message: `lease: ${(e as Error).message}` } };
  }
}
