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

/**
 * A name as the client sent it, looked up without making a string of it
 * (every request's first argument, several times on its way): by a hash of
 * its bytes, ASCII letters folded to lower case, then compared byte by byte.
 * Spec names are ASCII, so folding only ASCII finds exactly what
 * toLowerCase() would.
 */
function foldedHash(b: Buffer): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    h = Math.imul(h ^ (c >= 0x41 && c <= 0x5a ? c | 0x20 : c), 0x01000193);
  }
  return h >>> 0;
}

const BY_HASH = new Map<number, { spec: CommandSpec; bytes: Buffer }>();
let LONGEST = 0;
for (const spec of SPECS.values()) {
  const bytes = Buffer.from(spec.name, 'latin1');
  const h = foldedHash(bytes);
  // Two names on one hash would hide one of them: refuse to load rather than misroute.
  if (BY_HASH.has(h)) throw new Error(`command names ${spec.name} and ${BY_HASH.get(h)?.spec.name} share a lookup hash`);
  BY_HASH.set(h, { spec, bytes });
  LONGEST = Math.max(LONGEST, bytes.length);
}

function lookupBytes(b: Buffer): CommandSpec | undefined {
  if (b.length > LONGEST || b.length === 0) return undefined;
  const e = BY_HASH.get(foldedHash(b));
  if (!e || e.bytes.length !== b.length) return undefined;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== e.bytes[i]) return undefined;
  }
  return e.spec;
}

export function lookupSpec(name: Buffer | string): CommandSpec | undefined {
  if (typeof name !== 'string') return lookupBytes(name);
  return BY_SPELLING.get(name) ?? SPECS.get(name.toLowerCase());
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
