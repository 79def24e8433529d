import type { Reply } from '../contract';
import { SPECS, type CommandSpec } from '../specs';
import type { Args } from './args';
import type { CommandContext } from './context';

/**
 * One command: its spec (data the proxy also reads) and the code that parses
 * its arguments and applies itself to the snapshot. Arity is checked before
 * `run`; anything else wrong with the arguments is a CommandError.
 */
export interface Command {
  readonly spec: CommandSpec;
  run(args: Args, ctx: CommandContext): Reply;
}

/** The spec a command module implements; a module without one fails at load, not at run time. */
export function specOf(name: string): CommandSpec {
  const s = SPECS.get(name);
  if (!s) throw new Error(`no spec for command '${name}' in lambda/specs/table.ts`);
  return s;
}

export const OK: Reply = { t: 'simple', v: 'OK' };
export const NIL: Reply = { t: 'null' };
export const bulk = (b: Buffer): Reply => ({ t: 'bulk', v: b });
/** Integers beyond 2^53 travel as their decimal text, so no digit is lost. */
export const int = (n: number | bigint): Reply => ({ t: 'int', v: typeof n === 'bigint' && (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) ? n.toString() : Number(n) });
