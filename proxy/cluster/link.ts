/**
 * The internal link between the proxies of one cluster: JSON messages, one
 * per line, over TCP (TLS where the client port uses TLS). A follower sends
 * its write batches (the handler's own BatchRequest) to the writer, which
 * answers with the BatchResponse, or says it dropped the batch unsent.
 *
 * The first message on a connection is the shared secret (the AUTH password):
 * the writer folds what it is sent into commits on db.json, so nobody else
 * may speak on this port.
 *
 * Once a follower is authenticated, the writer also tells it the change marks
 * of every commit it lands (`changed`: its own batches and the forwards it
 * folded in), so the follower's blocked clients wake on writes made through
 * any proxy of the cluster. Each side ignores a message type it does not
 * know, so proxies of different versions still talk: a follower that does not
 * know `changed` waits on its block poll, as before.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { EVERYTHING } from '../../lambda/changes';
import type { BatchRequest, BatchResponse, ChangeMarks, LeaseState } from '../../lambda/contract';
import { checkChanged } from '../executors/validate';

export type LinkMessage =
  | { t: 'auth'; secret: string }
  /** `changes`: this writer sends `changed` for every commit, so its answers' marks reached the follower before them. */
  | { t: 'ready'; changes?: true }
  /** A follower's write batch; the writer drops it unsent once `deadline` (Unix ms) has passed. */
  | { t: 'fwd'; n: number; deadline: number; req: BatchRequest }
  /** With the writer's view of the lease, so a follower need not claim while it forwards. */
  | { t: 'res'; n: number; res: BatchResponse; lease?: LeaseState }
  /** Never sent to the handler by the writer: the follower may send it itself at once. */
  | { t: 'dropped'; n: number; reason: string }
  /** What a commit of the writer changed (at most MAX_MARKS_PER_COMMIT marks, else `*`: a few KB at most); no `n`, so older followers drop it. */
  | { t: 'changed'; marks: ChangeMarks };

/** A batch is at most one Lambda payload; a line longer than this is not a message. */
const MAX_LINE_BYTES = 8 * 1024 * 1024;

/** Calls `onMessage` for every line that parses as an object; ends the socket on an oversized line. */
export function readLines(socket: Socket, onMessage: (m: Record<string, unknown>) => void): void {
  let buffered: Buffer[] = [];
  let size = 0;
  socket.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const line = Buffer.concat([...buffered, chunk.subarray(start, nl)]).toString('utf8');
      buffered = [];
      size = 0;
      start = nl + 1;
      let m: unknown;
      try {
        m = JSON.parse(line);
      } catch {
        socket.destroy();
        return;
      }
      if (typeof m === 'object' && m !== null && !Array.isArray(m)) onMessage(m as Record<string, unknown>);
      else socket.destroy();
      if (socket.destroyed) return;
    }
    const rest = chunk.subarray(start);
    size += rest.length;
    if (size > MAX_LINE_BYTES) socket.destroy();
    else if (rest.length > 0) buffered.push(rest);
  });
}

export function send(socket: Socket, m: LinkMessage): boolean {
  if (socket.destroyed || !socket.writable) return false;
  socket.write(JSON.stringify(m) + '\n');
  return true;
}

/** Constant-time comparison of the secret (hashes first, so lengths do not leak either). */
export function secretMatches(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(given), h(expected));
}

/** The marks of a `changed` message; malformed ones read as "anything may have changed": a spurious wake-up, never a lost one. */
export function changedMarks(m: Record<string, unknown>): ChangeMarks {
  return Array.isArray(m.marks) && checkChanged(m.marks) === null ? (m.marks as ChangeMarks) : [EVERYTHING];
}

/** A forwarded batch as the writer takes it: the shape the handler checks, so one bad forward cannot fail a whole commit. */
export function checkForward(m: Record<string, unknown>): { n: number; deadline: number; req: BatchRequest } | null {
  const req = m.req as Partial<BatchRequest> | null;
  if (!Number.isSafeInteger(m.n) || typeof m.deadline !== 'number' || typeof req !== 'object' || req === null) return null;
  if (req.v !== 1 || typeof req.batchId !== 'string' || req.batchId.length === 0 || req.batchId.length > 128 || req.lease !== undefined) return null;
  if (!Array.isArray(req.sessions) || req.sessions.length === 0) return null;
  for (const s of req.sessions) {
    if (typeof s?.id !== 'string' || !Array.isArray(s.commands) || s.origin !== undefined) return null;
    if (s.db !== undefined && !(Number.isInteger(s.db) && s.db >= 0 && s.db < 16)) return null;
    for (const c of s.commands) if (!Array.isArray(c) || c.some((a) => typeof a !== 'string')) return null;
  }
  return { n: m.n as number, deadline: m.deadline, req: req as BatchRequest };
}
