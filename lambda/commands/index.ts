import type { Command } from './types';
import { get } from './get';
import { set } from './set';
import { del } from './del';
import { flushall } from './flushall';
import { ping } from './ping';

export type { Command } from './types';
export { unknownCommandError, arityError, arityOk } from './types';

/** Every command the engine executes. A new command is one module plus one line here. */
export const COMMANDS: ReadonlyMap<string, Command> = new Map([get, set, del, flushall, ping].map((c) => [c.name, c]));

export function lookupCommand(name: Buffer | string): Command | undefined {
  const n = typeof name === 'string' ? name : name.toString('latin1');
  return COMMANDS.get(n.toLowerCase());
}
