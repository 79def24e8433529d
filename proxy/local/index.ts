/**
 * Commands the proxy answers itself, without a Lambda invocation: the
 * connection handshake of real clients (HELLO, AUTH, CLIENT, SELECT, INFO,
 * COMMAND, CONFIG GET) and PING/ECHO/QUIT/RESET. They are barriers inside a
 * pipeline: the session runs them only after everything before them.
 */
import { auth } from './auth';
import { command } from './command';
import { client, echo, hello, ping, quit, reset, select } from './connection';
import { config, info } from './introspection';
import { script } from './scripts';
import { discard, multi, unwatch } from './transactions';
import type { LocalCommand } from './types';

export type { LocalCommand, LocalResult, OpenTransaction, QueuedCommand, ServerInfo, SessionState } from './types';

export const LOCAL_COMMANDS: ReadonlyMap<string, LocalCommand> = new Map(
  [auth, hello, ping, echo, select, quit, reset, client, info, config, command, multi, discard, unwatch, script].map((c) => [c.spec.name, c]),
);
