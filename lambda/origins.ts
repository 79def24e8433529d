/**
 * Exactly-once across a forward. A follower proxy forwards a write batch to
 * the cluster's writer, which commits it inside its own batch, recording the
 * follower's batch id beside its own (CommitRecord.o). If the follower gave
 * up on the writer and committed the same batch itself, the writer's batch
 * must not run it again: the sessions of an origin that already landed are
 * answered from that commit's stored replies, and run nothing.
 */
import type { BatchStats, Reply } from './contract';
import type { AttemptInput } from './attempt';
import type { CommitRecord, Document } from './document';
import { replayStored } from './replay';

/**
 * The input for one attempt on `doc`: `input` itself when no forwarded
 * origin of it has landed, else a copy whose landed sessions are emptied and
 * listed in `skipped` with their replies. `lost` counts replies the window no
 * longer kept (answered "outcome unknown", never re-run).
 */
export function skipLanded(input: AttemptInput, doc: Document): { input: AttemptInput; lost: number } {
  const byOrigin = new Map<string, number[]>();
  input.origins?.forEach((id, i) => {
    if (id !== undefined) byOrigin.set(id, [...(byOrigin.get(id) ?? []), i]);
  });
  const skipped = new Map<number, Reply[]>();
  let lost = 0;
  for (const [id, indexes] of byOrigin) {
    const rec = doc.hasCommit(id);
    if (!rec) continue;
    const stored = replayStored(rec, indexes.map((i) => input.sessions[i]));
    lost += stored.lost;
    indexes.forEach((i, k) => skipped.set(i, stored.replies[k] ?? []));
  }
  if (skipped.size === 0) return { input, lost };
  return { input: { ...input, sessions: input.sessions.map((s, i) => (skipped.has(i) ? [] : s)), skipped }, lost };
}

/** Replies of a batch that already landed: this invocation's own, if one of its attempts wrote it, else the stored ones. */
export function replayLanded(landed: CommitRecord, input: AttemptInput, stats: BatchStats): Reply[][] {
  stats.replayed = true;
  const own = input.sent.get(landed.a ?? '');
  if (own) return own;
  const stored = replayStored(landed, input.sessions);
  stats.repliesLost = stored.lost;
  return stored.replies;
}
