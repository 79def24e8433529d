/**
 * Exactly-once replies: what a commit keeps of its replies, and how a batch
 * that an earlier attempt or invocation committed is answered again.
 */
import { failureReply, type WireReply } from './contract';
import type { CommitRecord, StoredReplies } from './document';
import { writes } from './request';

/**
 * What a commit keeps of its replies: the writes' small fixed-shape replies
 * (status, error, integer); reads are not kept, and a write reply of any
 * other shape is kept as null (answered "outcome unknown" on replay).
 */
export function storedReplies(sessions: Buffer[][][], replies: WireReply[][]): StoredReplies {
  return replies.map((rs, i) =>
    rs.map((r, j) => {
      if (!writes(sessions[i][j])) return null;
      if (r.t === 'simple') return `+${r.v}`;
      if (r.t === 'error') return `-${r.v}`;
      // Kept as a number only where JSON keeps every digit.
      if (r.t === 'int' && typeof r.v === 'number') return r.v;
      return null;
    }),
  );
}

/**
 * Replies of a batch that an earlier invocation committed. Write replies come
 * from the commit record; reads were not kept. Once a record is old enough to
 * have lost its replies, even how many commands it covered is unknown, so
 * every command is answered "outcome unknown" (never re-run: that would apply
 * the batch twice).
 */
export function replayStored(rec: CommitRecord, sessions: Buffer[][][]): WireReply[][] {
  const lost = failureReply({ kind: 'unknown', message: 'the batch was committed by an earlier attempt whose replies were not kept' });
  if (rec.r.length === 0) return sessions.map((cmds) => cmds.map(() => lost));
  return sessions.map((_, i) =>
    (rec.r[i] ?? []).map((x): WireReply => {
      if (typeof x === 'number') return { t: 'int', v: x };
      if (typeof x === 'string') return x.startsWith('+') ? { t: 'simple', v: x.slice(1) } : { t: 'error', v: x.slice(1) };
      return lost;
    }),
  );
}
