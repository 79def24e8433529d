/**
 * The command table, by name. Data only: the proxy imports this (never the
 * command code), so a command's arity, flags and keys are written once.
 */
import { ENGINE_SPECS, PROXY_SPECS } from './table';
import type { CommandSpec } from './types';

export * from './types';
export { ENGINE_SPECS, PROXY_SPECS } from './table';

export const SPECS: ReadonlyMap<string, CommandSpec> = new Map([...ENGINE_SPECS, ...PROXY_SPECS].map((s) => [s.name, s]));

/**
 * Names as clients usually spell them (lower or upper case) map straight to
 * their spec, so the hot path allocates no lowered copy.
 */
const BY_SPELLING = new Map<string, CommandSpec>();
for (const s of SPECS.values()) {
  BY_SPELLING.set(s.name, s);
  BY_SPELLING.set(s.name.toUpperCase(), s);
}

export function lookupSpec(name: Buffer | string): CommandSpec | undefined {
  const n = typeof name === 'string' ? name : name.toString('latin1');
  return BY_SPELLING.get(n) ?? SPECS.get(n.toLowerCase());
}

const GROUP_CATEGORY: Record<CommandSpec['group'], string | null> = {
  string: '@string',
  generic: '@keyspace',
  connection: '@connection',
  server: null,
  transactions: '@transaction',
  scripting: '@scripting',
  hash: '@hash',
  set: '@set',
  list: '@list',
  'sorted-set': '@sortedset',
  stream: '@stream',
};

/** ACL categories as COMMAND INFO prints them: derived from flags and group, plus the spec's own. */
export function aclCategories(spec: CommandSpec): string[] {
  const out: string[] = [];
  if (spec.flags.includes('write')) out.push('@write');
  // As Redis's setImplicitACLCategories: a read-only script command is not @read.
  if (spec.flags.includes('readonly') && spec.group !== 'scripting') out.push('@read');
  if (spec.flags.includes('admin')) out.push('@admin', '@dangerous');
  // A container (CLIENT, CONFIG) has only its subcommands' categories.
  const group = (spec.subcommands && spec.flags.length === 0) || spec.groupAcl === false ? null : GROUP_CATEGORY[spec.group];
  if (group) out.push(group);
  out.push(spec.flags.includes('fast') ? '@fast' : '@slow');
  for (const a of spec.acl ?? []) if (!out.includes(a)) out.push(a);
  return out.sort((a, b) => ACL_ORDER.indexOf(a) - ACL_ORDER.indexOf(b));
}

/** Redis prints categories in the order of its category bits. */
const ACL_ORDER = ['@keyspace', '@read', '@write', '@set', '@sortedset', '@list', '@hash', '@string', '@bitmap', '@hyperloglog', '@geo', '@stream', '@pubsub', '@admin', '@fast', '@slow', '@blocking', '@dangerous', '@connection', '@transaction', '@scripting'];
