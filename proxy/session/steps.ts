/** What a session does with a request, decided by classify.ts. */
import type { LocalCommand, QueuedCommand, ServerInfo } from '../local';
import type { Reply } from '../resp/reply';

/**
 * A request to answer here. Either `reply` is already known (an error decided
 * at classification) or `cmd` runs when the step is consumed, never before.
 */
export interface LocalStep {
  kind: 'local';
  argv: Buffer[];
  /** What metrics and logs see (never an unknown word: see classify). */
  name: string;
  cmd: LocalCommand | null;
  reply: Reply | null;
  /** What runs when the step is consumed, when it is no plain command (a transaction's queuing). */
  action?: (server: ServerInfo) => Reply;
}

export interface RemoteStep {
  kind: 'remote';
  argv: Buffer[];
  name: string;
  write: boolean;
  /** A blocking command (BLPOP …): it ends its run, so nothing after it runs before it is answered. */
  blocks?: boolean;
  /** What is sent instead of argv (EXEC: the whole transaction as one engine command). */
  payload?: Buffer[];
  /** EXEC: how its reply is assembled (proxy/session/transaction.ts). */
  exec?: ExecPlan;
}

export type Step = LocalStep | RemoteStep;

/** The limits classification enforces, so that no request too big for one Lambda payload is ever submitted. */
export interface ClassifyLimits {
  maxValueBytes: number;
  maxSubmitBytes: number;
}

/** What EXEC's reply is made of: the queued commands, in order (proxy/session/transaction.ts). */
export interface ExecPlan {
  queued: QueuedCommand[];
}
