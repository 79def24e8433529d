/** What a session is given: its server, its batcher, its limits. */
import type { Batcher } from '../batcher';
import type { ParkedClients } from '../blocking';
import type { LocalCommand, ServerInfo } from '../local';
import type { Logger } from '../log';
import type { ProtocolLimits } from '../resp/framer';

export interface SessionLimits {
  protocol: ProtocolLimits;
  /** Unexecuted request bytes before the socket is paused. */
  maxPendingBytes: number;
  /** Largest argument one command may carry to the handler (Lambda payload). */
  maxValueBytes: number;
  /** Most commands / bytes a session submits at once. */
  maxSubmitCommands: number;
  maxSubmitBytes: number;
  /** Test only: EXEC's commands leave one by one (the broken mode split-transactions). */
  unsafeSplitTransactions?: boolean;
}

export interface SessionContext {
  server: ServerInfo;
  batcher: Batcher;
  /** This proxy's blocked clients (BLPOP …): where a blocked command waits for a reason to retry. */
  parked: ParkedClients;
  limits: SessionLimits;
  log: Logger;
  idleTimeoutMs: number;
  /** The commands answered here; default LOCAL_COMMANDS (a test adds one that throws). */
  localCommands?: ReadonlyMap<string, LocalCommand>;
}
