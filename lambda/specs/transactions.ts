/**
 * MULTI, EXEC, DISCARD, WATCH, UNWATCH as redis-server 7.0.15's COMMAND INFO
 * prints them. WATCH runs in the engine (it reads where the keys are in the
 * document's history); the proxy answers the others, and EXEC leaves it as one
 * engine command carrying the whole transaction (lambda/contract.ts).
 */
import { key, spec } from './build';
import type { CommandSpec } from './types';

const CONTROL = 'noscript loading stale fast allow_busy';

export const WATCH_SPECS: readonly CommandSpec[] = [
  spec('watch', -2, CONTROL, 'transactions', '2.2.0', 'status', 'Monitors changes to keys to determine the execution of a transaction.', { keys: [key('RO', 1, -1)] }),
];

export const TRANSACTION_PROXY_SPECS: readonly CommandSpec[] = [
  spec('multi', 1, CONTROL, 'transactions', '1.2.0', 'status', 'Starts a transaction.'),
  spec('exec', 1, 'noscript loading stale skip_slowlog', 'transactions', '1.2.0', 'array', 'Executes all commands in a transaction.'),
  spec('discard', 1, CONTROL, 'transactions', '2.0.0', 'status', 'Discards a transaction.'),
  spec('unwatch', 1, CONTROL, 'transactions', '2.2.0', 'status', 'Forgets about watched keys of a transaction.'),
];
