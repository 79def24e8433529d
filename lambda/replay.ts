/**
 * Exactly-once replies: what a commit keeps of its replies, and how a batch
 * that an earlier attempt or invocation committed is answered again.
 */
import { failureReply, type Reply, type WireReply } from './contract';
import { fromWire, toWire } from './contract-wire';
import type { CommitRecord, StoredReplies, StoredReply } from './document';
import { writes } from './request';

/**
 * What one commit may keep of replies beyond the small fixed shapes (a
 * GETDEL's value, a SET … GET's old value): more is not kept, and a replay
 * of that command answers "outcome unknown". The window as a whole keeps at
 * most WindowPolicy.replyBytes.
 */
export const MAX_KEPT_REPLY_BYTES = 64 * 1024;

/**
 * What a commit keeps of its replies: every write's, within the budget
 * (status, error and integer replies compactly); reads are not kept.
 */
export function storedReplies(sessions: Buffer[][][], replies: Reply[][]): StoredReplies {
  let budget = MAX_KEPT_REPLY_BYTES;
  return replies.map((rs, i) =>
    rs.map((r, j): StoredReply => {
      if (!writes(sessions[i][j])) return null;
      if (r.t === 'simple') return `+${r.v}`;
      if (r.t === 'error') return `-${r.v}`;
      // Kept as a number only where JSON keeps every digit.
      if (r.t === 'int' && typeof r.v === 'number') return r.v;
      // Kept as the wire has it: the record may travel in db.json.
      const w = toWire(r);
      const size = JSON.stringify(w).length;
      if (size > budget) return null;
      budget -= size;
      return { w };
    }),
  );
}

/**
 * Replies of a batch that an earlier invocation committed. Write replies come
 * from the commit record; reads were not kept. Once a record is old enough to
 * have lost its replies, even how many commands it covered is unknown, so
 * every command is answered "outcome unknown" (never re-run: that would apply
 * the batch twice). Returns how many replies were lost that way.
 */
export function replayStored(rec: CommitRecord, sessions: Buffer[][][]): { replies: Reply[][]; lost: number } {
  const unknown = failureReply({ kind: 'unknown', message: 'the batch was committed by an earlier attempt whose replies were not kept' });
  let lost = 0;
  const gone = (): Reply => {
    lost++;
    return unknown;
  };
  if (rec.r.length === 0) return { replies: sessions.map((cmds) => cmds.map(gone)), lost };
  const replies = sessions.map((_, i) =>
    (rec.r[i] ?? []).map((x): Reply => {
      if (typeof x === 'number') return { t: 'int', v: x };
      if (typeof x === 'string') return x.startsWith('+') ? { t: 'simple', v: x.slice(1) } : { t: 'error', v: x.slice(1) };
      if (x !== null && typeof x === 'object') return fromWire(x.w as WireReply);
      return gone();
    }),
  );
  return { replies, lost };
}
