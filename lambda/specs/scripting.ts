/**
 * Lua scripting (Redis's @scripting group), as redis-server 7.0.15's COMMAND
 * INFO prints them. EVAL's keys are a count argument (numkeys at index 2, the
 * keys after it): Redis flags them RW for EVAL and RO for EVAL_RO because it
 * cannot tell what the script does with them. EVAL is not flagged `write` in
 * Redis, yet its script may write: `mayWrite` makes valthree treat it as a
 * write (exactly-once replay, the proxy's write queue); EVAL_RO stays a read.
 */
import { spec, sub } from './build';
import type { CommandSpec, KeySpec } from './types';

const G = 'scripting';
const numkeys = (flags: string): KeySpec => ({ flags: flags.split(' ') as KeySpec['flags'], begin: { index: 2 }, find: { keyNumIdx: 0, firstKey: 1, step: 1 } });
const EVAL_FLAGS = 'noscript stale skip_monitor no_mandatory_keys movablekeys';
const RO_FLAGS = `readonly ${EVAL_FLAGS}`;
const script = (name: string, arity: number, flags: string, reply: CommandSpec['reply'], summary: string) => sub('script', G, name, arity, flags, reply, summary);

/** Run by the engine: EVAL and EVAL_RO carry the script's body; SCRIPT LOAD compiles one. */
export const SCRIPTING_SPECS: readonly CommandSpec[] = [
  { ...spec('eval', -3, EVAL_FLAGS, G, '2.6.0', 'any', 'Executes a server-side Lua script.', { keys: [numkeys('RW access update')] }), mayWrite: true },
  spec('eval_ro', -3, RO_FLAGS, G, '7.0.0', 'any', 'Executes a read-only server-side Lua script.', { keys: [numkeys('RO access')] }),
  spec('script', -2, '', G, '2.6.0', 'any', 'A container for Lua scripts management commands.', {
    subcommands: [
      script('load', 3, 'noscript stale', 'bulk', 'Loads a server-side Lua script to the script cache.'),
      script('exists', -3, 'noscript', 'array', 'Determines whether server-side Lua scripts exist in the script cache.'),
      script('flush', -2, 'noscript', 'status', 'Removes all server-side Lua scripts from the script cache.'),
      script('kill', 2, 'noscript allow_busy', 'status', 'Terminates a server-side Lua script during execution.'),
    ],
  }),
];

/**
 * EVALSHA and EVALSHA_RO, for the proxy: it keeps the script cache (per proxy,
 * as Redis's is per server) and sends a cached script to the engine as EVAL /
 * EVAL_RO with its body; an unknown SHA is answered NOSCRIPT there.
 */
export const SCRIPT_PROXY_SPECS: readonly CommandSpec[] = [
  { ...spec('evalsha', -3, EVAL_FLAGS, G, '2.6.0', 'any', 'Executes a server-side Lua script by SHA1 digest.', { keys: [numkeys('RW access update')] }), mayWrite: true },
  spec('evalsha_ro', -3, RO_FLAGS, G, '7.0.0', 'any', 'Executes a read-only server-side Lua script by SHA1 digest.', { keys: [numkeys('RO access')] }),
];
