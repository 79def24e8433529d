/** SINTER, SUNION, SDIFF, their STORE forms, and SINTERCARD. */
import { FieldMap, SetValue } from '../../document';
import { CommandError, SYNTAX_ERROR } from '../../errors';
import { parseInteger } from '../args';
import type { Keyspace } from '../context';
import { int, specOf, type Command } from '../types';
import { setReply } from './members';

type Op = 'inter' | 'union' | 'diff';

/** Every key's set (absent: empty), each type-checked first, as Redis 7.0 does before computing anything. */
function setsOf(db: Keyspace, keys: readonly Buffer[]): (SetValue | undefined)[] {
  return keys.map((k) => db.read(k, 'set'));
}

/** The members of the operation over `sets`, in the first set's iteration order (intersection, difference) or by first appearance (union). */
function compute(op: Op, sets: (SetValue | undefined)[], limit = Infinity): string[] {
  const out: string[] = [];
  if (op === 'union') {
    const seen = new Set<string>();
    for (const s of sets) if (s) for (const m of s.members.keys()) if (!seen.has(m)) seen.add(m), out.push(m);
    return out;
  }
  const [first, ...rest] = sets;
  if (first === undefined) return out;
  if (op === 'inter') {
    if (rest.some((s) => s === undefined)) return out;
    // Walk the smallest set, as Redis does: the work follows the smallest input.
    const all = [first, ...(rest as SetValue[])].sort((a, b) => a.size - b.size);
    for (const m of all[0].members.keys()) {
      if (all.every((s, i) => i === 0 || s.has(m))) out.push(m);
      if (out.length >= limit) break;
    }
    return out;
  }
  for (const m of first.members.keys()) if (!rest.some((s) => s?.has(m))) out.push(m);
  return out;
}

function readOnly(name: string, op: Op): Command {
  return {
    spec: specOf(name),
    run(args, { db }) {
      return setReply(compute(op, setsOf(db, args.rest())));
    },
  };
}

/** The STORE form: the result replaces the destination (type and TTL dropped); an empty one removes it. */
function store(name: string, op: Op): Command {
  return {
    spec: specOf(name),
    run(args, { db }) {
      const dst = args.key();
      const members = compute(op, setsOf(db, args.rest()));
      db.replace(dst, new SetValue(FieldMap.from(members.map((m): [string, true] => [m, true]))));
      return int(members.length);
    },
  };
}

export const sinter = readOnly('sinter', 'inter');
export const sunion = readOnly('sunion', 'union');
export const sdiff = readOnly('sdiff', 'diff');
export const sinterstore = store('sinterstore', 'inter');
export const sunionstore = store('sunionstore', 'union');
export const sdiffstore = store('sdiffstore', 'diff');

/** SINTERCARD numkeys key [key ...] [LIMIT limit]: the intersection's size, counting stops at the limit (0: none). */
export const sintercard: Command = {
  spec: specOf('sintercard'),
  run(args, { db }) {
    const numkeys = parseInteger(args.next());
    if (numkeys === null || numkeys <= 0n) throw new CommandError('ERR numkeys should be greater than 0');
    if (numkeys > BigInt(args.left)) throw new CommandError("ERR Number of keys can't be greater than number of args");
    const keys = Array.from({ length: Number(numkeys) }, () => args.key());
    let limit = 0n;
    while (args.left > 0) {
      if (args.word() !== 'limit' || args.left === 0) throw new CommandError(SYNTAX_ERROR);
      const n = parseInteger(args.next());
      if (n === null || n < 0n) throw new CommandError("ERR LIMIT can't be negative");
      limit = n;
    }
    return int(compute('inter', setsOf(db, keys), limit === 0n ? Infinity : Number(limit)).length);
  },
};
