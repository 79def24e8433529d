/** What a session records about each command it answers: counters, and a debug line. */
import type { SessionState } from '../local';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { Reply } from '../resp/reply';

export interface Accounting {
  state: SessionState;
  metrics: Metrics;
  log: Logger;
  /** Per-command debug logs: decided once, not asked of the logger per command. */
  debug: boolean;
}

/**
 * Counts a command, and logs it at debug: its name (known commands only),
 * argument count and size, never the arguments themselves.
 */
export function account(a: Accounting, name: string, usec: number, reply: Reply, argv: Buffer[]): void {
  const s = a.state;
  s.lastCommand = name;
  s.commands++;
  const prefix = reply.t === 'error' ? reply.v.split(' ', 1)[0] : null;
  a.metrics.recordCommand(name, usec, prefix);
  if (prefix === 'WRONGPASS') a.log.info({ client: s.id, addr: s.addr }, 'authentication failed');
  if (a.debug) {
    a.log.debug({ client: s.id, cmd: name, argc: argv.length, bytes: argv.reduce((n, x) => n + x.length, 0), usec: Math.round(usec), error: prefix ?? undefined }, 'command');
  }
}

/** Logs (with the stack) and counts an unexpected exception that closes a connection. */
export function reportInternalError(a: Accounting, e: unknown): void {
  a.metrics.internalErrors++;
  const err = e instanceof Error ? e : new Error(`non-Error thrown: ${String(e).slice(0, 200)}`);
  a.log.error({ client: a.state.id, err }, 'internal error, closing connection');
}
