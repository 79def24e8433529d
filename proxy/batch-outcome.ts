/**
 * What became of a submission's parts once its batch ran, and the answer a
 * forwarded batch (another proxy's, through the cluster's link) gets from it:
 * the wire's form, with the change marks of the commit it landed in.
 */
import { CONTRACT_VERSION, type BatchFailure, type BatchRequest, type BatchResponse, type ChangeMarks, type Reply } from '../lambda/contract';
import { toWire } from '../lambda/contract-wire';

/** What became of one part: its replies (and what its commit changed), or why the whole batch failed. */
export type Outcome = { replies: Reply[]; changed?: ChangeMarks } | { failure: BatchFailure };

/** Why a forwarded submission was not taken: it never ran here, so its proxy may send it itself at once. */
export type ForwardResult = { res: BatchResponse } | { dropped: string };

/** The answer to a forwarded batch `req` from its parts' outcomes (none: it was dropped unsent). */
export function forwardResult(req: BatchRequest, outs: Outcome[]): ForwardResult {
  if (outs.length === 0) return { dropped: 'the forward deadline passed before it could be sent' };
  const failure = outs.find((o): o is { failure: BatchFailure } => 'failure' in o);
  if (failure) return { res: { v: CONTRACT_VERSION, batchId: req.batchId, ok: false, failure: failure.failure } };
  const replies = outs as { replies: Reply[]; changed?: ChangeMarks }[];
  const res: BatchResponse = { v: CONTRACT_VERSION, batchId: req.batchId, ok: true, sessions: req.sessions.map((s, i) => ({ id: s.id, replies: replies[i].replies.map(toWire) })), stats: { s3Gets: 0, s3Puts: 0, conflicts: 0, keys: 0, replayed: false } };
  // The follower learns what the whole commit changed: its blocked clients may wait on keys other proxies wrote.
  const changed = replies[0]?.changed;
  return { res: changed ? { ...res, changed } : res };
}
