/**
 * ZUNION / ZINTER / ZDIFF numkeys key... [WEIGHTS w...] [AGGREGATE SUM|MIN|MAX]
 * [WITHSCORES], their …STORE forms, and ZINTERCARD numkeys key... [LIMIT n]
 * (Redis's zunionInterDiffGenericCommand). Inputs may be sorted sets or
 * plain sets (members scored 1), as in Redis. Keys are checked for their
 * type before the options are parsed, as Redis does.
 */
import type { Reply } from '../../contract';
import { CommandError, NOT_INTEGER, SYNTAX_ERROR, WRONG_TYPE } from '../../errors';
import { parseInteger, type Args } from '../args';
import type { CommandContext } from '../context';
import { int, specOf, type Command } from '../types';
import { parseScore } from './score';
import { itemsReply, zsetOf, type ZItem } from './zset';
import { zcompare } from '../../document-values';

type Op = 'union' | 'inter' | 'diff';
type Aggregate = 'sum' | 'min' | 'max';

export const WEIGHT_NOT_FLOAT = 'ERR weight value is not a float';
export const LIMIT_NEGATIVE = "ERR LIMIT can't be negative";
export const needsKey = (name: string): string => `ERR at least 1 input key is needed for '${name}' command`;

/** One input: a sorted set, a set (every score 1), or nothing (a missing key). */
interface Source {
  size: number;
  weight: number;
  score(m: string): number | undefined;
  entries(): Iterable<[string, number]>;
}

function source(ctx: CommandContext, key: Buffer): Source {
  const e = ctx.db.entry(key);
  if (e === undefined) return { size: 0, weight: 1, score: () => undefined, entries: () => [] };
  if (e.type === 'zset') return { size: e.value.size, weight: 1, score: (m) => e.value.score(m), entries: () => e.value.scores.entries() };
  if (e.type === 'set') {
    const members = e.value;
    return { size: members.size, weight: 1, score: (m) => (members.has(m) ? 1 : undefined), entries: () => [...members.members.keys()].map((m): [string, number] => [m, 1]) };
  }
  throw new CommandError(WRONG_TYPE);
}

/** Weight times score; inf × 0 is NaN, which Redis counts as 0. */
function weighted(w: number, s: number): number {
  const x = w * s;
  return Number.isNaN(x) ? 0 : x;
}

function aggregate(how: Aggregate, target: number, val: number): number {
  if (how === 'min') return val < target ? val : target;
  if (how === 'max') return val > target ? val : target;
  const sum = target + val;
  // inf + -inf: Redis keeps 0.
  return Number.isNaN(sum) ? 0 : sum;
}

interface Parsed {
  sources: Source[];
  how: Aggregate;
  withScores: boolean;
  limit: number;
}

/** numkeys and the keys, then the options this command takes. */
function parse(name: string, args: Args, ctx: CommandContext, op: Op, opts: { store: boolean; card: boolean }): Parsed {
  const n = parseInteger(args.next());
  if (n === null) throw new CommandError(NOT_INTEGER);
  if (n < 1n) throw new CommandError(needsKey(name));
  if (n > BigInt(args.left)) throw new CommandError(SYNTAX_ERROR);
  const sources = Array.from({ length: Number(n) }, () => source(ctx, args.key()));
  const p: Parsed = { sources, how: 'sum', withScores: false, limit: 0 };
  while (args.left > 0) {
    const w = args.word();
    const left = args.left + 1;
    if (op !== 'diff' && !opts.card && left >= sources.length + 1 && w === 'weights') {
      for (const s of sources) {
        const x = parseScore(args.next());
        if (x === null) throw new CommandError(WEIGHT_NOT_FLOAT);
        s.weight = x;
      }
    } else if (op !== 'diff' && !opts.card && left >= 2 && w === 'aggregate') {
      const a = args.word();
      if (a !== 'sum' && a !== 'min' && a !== 'max') throw new CommandError(SYNTAX_ERROR);
      p.how = a;
    } else if (!opts.store && !opts.card && w === 'withscores') {
      p.withScores = true;
    } else if (opts.card && left >= 2 && w === 'limit') {
      const l = parseInteger(args.next());
      if (l === null || l < 0n) throw new CommandError(LIMIT_NEGATIVE);
      p.limit = Number(l);
    } else throw new CommandError(SYNTAX_ERROR);
  }
  return p;
}

/** The combined members and scores; `limit` (ZINTERCARD) stops an intersection early. */
function combine(op: Op, p: Parsed): Map<string, number> {
  const out = new Map<string, number>();
  const [first, ...rest] = op === 'diff' ? p.sources : [...p.sources].sort((a, b) => a.size - b.size);
  if (op === 'diff') {
    for (const [m, s] of first.entries()) if (!rest.some((r) => r.score(m) !== undefined)) out.set(m, s);
  } else if (op === 'inter') {
    if (first.size === 0) return out;
    next: for (const [m, s] of first.entries()) {
      let score = weighted(first.weight, s);
      for (const r of rest) {
        const other = r.score(m);
        if (other === undefined) continue next;
        score = aggregate(p.how, score, weighted(r.weight, other));
      }
      out.set(m, score);
      if (p.limit > 0 && out.size >= p.limit) break;
    }
  } else {
    for (const src of [first, ...rest]) {
      for (const [m, s] of src.entries()) {
        const score = weighted(src.weight, s);
        const cur = out.get(m);
        out.set(m, cur === undefined ? score : aggregate(p.how, cur, score));
      }
    }
  }
  return out;
}

function sorted(result: Map<string, number>): ZItem[] {
  const items: ZItem[] = [];
  for (const [m, s] of result) items.push({ m, s });
  return items.sort(zcompare);
}

function storeCommand(name: string, op: Op): Command {
  return {
    spec: specOf(name),
    run(args, ctx) {
      const dst = args.key();
      const result = combine(op, parse(name, args, ctx, op, { store: true, card: false }));
      ctx.db.replace(dst, zsetOf(result));
      return int(result.size);
    },
  };
}

function replyCommand(name: string, op: Op): Command {
  return {
    spec: specOf(name),
    run(args, ctx): Reply {
      const p = parse(name, args, ctx, op, { store: false, card: false });
      return itemsReply(sorted(combine(op, p)), p.withScores);
    },
  };
}

export const zunionstore = storeCommand('zunionstore', 'union');
export const zinterstore = storeCommand('zinterstore', 'inter');
export const zdiffstore = storeCommand('zdiffstore', 'diff');
export const zunion = replyCommand('zunion', 'union');
export const zinter = replyCommand('zinter', 'inter');
export const zdiff = replyCommand('zdiff', 'diff');

export const zintercard: Command = {
  spec: specOf('zintercard'),
  run(args, ctx) {
    return int(combine('inter', parse('zintercard', args, ctx, 'inter', { store: false, card: true })).size);
  },
};
