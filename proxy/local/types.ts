import type { WatchToken } from '../../lambda/contract';
import { SPECS, type CommandSpec } from '../../lambda/specs';
import type { Reply } from '../resp/reply';
import type { Metrics } from '../metrics';
import type { ScriptCache } from '../scripts';

/** What a connection carries between commands. */
export interface SessionState {
  readonly id: number;
  readonly addr: string;
  readonly createdAt: number;
  protocol: 2 | 3;
  /** The selected database (SELECT), 0–15: sent with every engine command. */
  db: number;
  authenticated: boolean;
  name: Buffer | null;
  libName: string | null;
  libVer: string | null;
  lastCommandAt: number;
  lastCommand: string;
  /** Bytes received and sent, commands answered (CLIENT LIST tot-net-in, tot-net-out, tot-cmds). */
  netIn: number;
  netOut: number;
  commands: number;
  /** Buffers right now, for CLIENT LIST (qbuf, omem) and tests of backpressure. */
  io(): ClientIo;
  /** MULTI's queue while a transaction is open; null outside one. */
  tx: OpenTransaction | null;
  /** What WATCH saw of each key (by database and key), until EXEC, DISCARD, UNWATCH or RESET. */
  watching: Map<string, WatchToken>;
}

/** A command queued after MULTI, to run at EXEC. */
export interface QueuedCommand {
  argv: Buffer[];
  name: string;
  /** The proxy's own command (SELECT, PING, CLIENT …), run when EXEC's reply is in; null: an engine command. */
  local: LocalCommand | null;
  write: boolean;
}

export interface OpenTransaction {
  queued: QueuedCommand[];
  /** A command was refused while queuing: EXEC answers EXECABORT (Redis's rule). */
  dirty: boolean;
  /** Encoded bytes of the queued engine commands. */
  bytes: number;
  /** The queue outgrew one request: EXEC answers EXECABORT saying so (the rest is not kept). */
  tooLarge: boolean;
}

export interface ClientIo {
  /** Request bytes received but not yet executed (queued and partial). */
  queryBuffer: number;
  /** Reply bytes written but not yet taken by the client's socket. */
  outputBuffer: number;
  /** Commands received and not yet answered (queued and in flight). */
  pipeline: number;
  /** Not reading from the socket: the pipeline limit was reached. */
  paused: boolean;
}

/** What local commands may read about the server. */
export interface ServerInfo {
  readonly version: string;
  readonly port: number;
  readonly requirepass: string | null;
  readonly maxclients: number;
  readonly timeoutSeconds: number;
  readonly maxDocumentBytes: number;
  readonly executor: string;
  readonly metrics: Metrics;
  /** This proxy's scripts (EVAL, SCRIPT LOAD), for EVALSHA. */
  readonly scripts: ScriptCache;
  clients(): readonly SessionState[];
}

export interface LocalResult {
  reply: Reply;
  /** QUIT: reply, then close; nothing after it runs. */
  close?: boolean;
}

/**
 * A command the proxy answers itself, without invoking the handler. Its spec
 * (arity, flags: `no_auth` allows it before AUTH) lives in the shared table.
 */
export interface LocalCommand {
  readonly spec: CommandSpec;
  run(args: Buffer[], s: SessionState, server: ServerInfo): Reply | LocalResult;
}

export function specOf(name: string): CommandSpec {
  const s = SPECS.get(name);
  if (!s) throw new Error(`no spec for local command '${name}' in lambda/specs/table.ts`);
  return s;
}
