/** Builders that keep the spec tables short: one line per command, as Redis's own JSON reads. */
import type { CommandFlag, CommandGroup, CommandSpec, KeyFlag, KeySpec, ReplyShape } from './types';

/** One key at `index` (or a run of them to `lastKey`, relative; -1: to the end). */
export function key(flags: string, index = 1, lastKey = 0, step = 1): KeySpec {
  return { flags: flags.split(' ') as KeyFlag[], begin: { index }, find: { lastKey, step, limit: 0 } };
}

export interface Extra {
  keys?: KeySpec[];
  acl?: string[];
  subcommands?: CommandSpec[];
  groupAcl?: boolean;
}

export function spec(name: string, arity: number, flags: string, group: CommandGroup, since: string, reply: ReplyShape, summary: string, extra: Extra = {}): CommandSpec {
  return { name, arity, flags: flags ? (flags.split(' ') as CommandFlag[]) : [], keys: extra.keys ?? [], group, since, summary, reply, acl: extra.acl, subcommands: extra.subcommands, groupAcl: extra.groupAcl };
}

export const HANDSHAKE = 'noscript loading stale fast no_auth allow_busy';
export const ADMIN = 'admin noscript loading stale';

/** A subcommand of `parent`, in the parent's group. */
export function sub(parent: string, group: CommandGroup, name: string, arity: number, flags: string, reply: ReplyShape, summary: string): CommandSpec {
  return spec(`${parent}|${name}`, arity, flags, group, '2.0.0', reply, summary);
}

