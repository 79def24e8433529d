/**
 * Which members a range names, as redis-server 7.0.15 picks them: by rank
 * (ZRANGE, ZREMRANGEBYRANK), by score (BYSCORE, ZCOUNT, ZREMRANGEBYSCORE) or
 * by member bytes (BYLEX, ZLEXCOUNT, ZREMRANGEBYLEX). Every selection is a
 * run of consecutive ranks, found by binary search over the set's order.
 *
 * Lexicographic ranges assume every member has the same score (Redis's
 * documented contract). When they do not, Redis walks its listpack from one
 * end (a set of up to 128 members) and the answer depends on that walk;
 * this module walks the same way, so small sets answer as Redis does, and
 * binary-searches only when the scores are all equal (first = last score),
 * where the walk and the search agree.
 */
import { CommandError } from '../../errors';
import { gteMin, lteMax, type ScoreRange } from './score';
import type { ZItem, ZSetValue } from './zset';

/** Ranks [from, to) in ascending order. */
export interface Run {
  from: number;
  to: number;
}

const EMPTY: Run = { from: 0, to: 0 };

/** ZRANGE start stop: negative indexes count from the end; REV counts from the highest score. */
export function rankRun(size: number, start: number, end: number, rev: boolean): Run {
  if (start < 0) start += size;
  if (end < 0) end += size;
  if (start < 0) start = 0;
  if (start > end || start >= size) return EMPTY;
  if (end >= size) end = size - 1;
  return rev ? { from: size - 1 - end, to: size - start } : { from: start, to: end + 1 };
}

export function scoreRun(z: ZSetValue, r: ScoreRange): Run {
  const from = z.order.bound((x) => !gteMin(x.s, r));
  const to = z.order.bound((x) => lteMax(x.s, r));
  return from < to ? { from, to } : EMPTY;
}

// ---------------------------------------------------------------- lex

/** A lex bound: `-` / `+` (below / above everything), `[x` inclusive, `(x` exclusive. */
export type LexBound = { kind: 'min' } | { kind: 'max' } | { kind: 'value'; value: string; exclusive: boolean };

export interface LexRange {
  min: LexBound;
  max: LexBound;
}

export const NOT_LEX_RANGE = 'ERR min or max not valid string range item';

function parseLexBound(b: Buffer): LexBound | null {
  // '+' and '-' alone; Redis reads a C string, so "+\0..." counts as alone.
  const alone = b.length === 1 || b[1] === 0;
  switch (b[0]) {
    case 0x2b:
      return alone ? { kind: 'max' } : null;
    case 0x2d:
      return alone ? { kind: 'min' } : null;
    case 0x28:
    case 0x5b:
      return { kind: 'value', value: b.subarray(1).toString('latin1'), exclusive: b[0] === 0x28 };
    default:
      return null;
  }
}

export function parseLexRange(min: Buffer, max: Buffer): LexRange {
  const lo = parseLexBound(min);
  const hi = parseLexBound(max);
  if (!lo || !hi) throw new CommandError(NOT_LEX_RANGE);
  return { min: lo, max: hi };
}

/** sdscmplex: '-' below and '+' above every string, else byte order. */
function cmpBound(a: LexBound, b: LexBound): number {
  const rank = (x: LexBound) => (x.kind === 'min' ? 0 : x.kind === 'value' ? 1 : 2);
  if (a.kind !== 'value' || b.kind !== 'value') return rank(a) - rank(b);
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

function lexGteMin(m: string, r: LexRange): boolean {
  const b = r.min;
  if (b.kind !== 'value') return b.kind === 'min';
  return b.exclusive ? m > b.value : m >= b.value;
}

function lexLteMax(m: string, r: LexRange): boolean {
  const b = r.max;
  if (b.kind !== 'value') return b.kind === 'max';
  return b.exclusive ? m < b.value : m <= b.value;
}

/** zzlIsInLexRange: a range that can hold nothing, or a set entirely outside it. */
function lexMayHit(z: ZSetValue, r: LexRange): boolean {
  const cmp = cmpBound(r.min, r.max);
  // '-' and '+' count as exclusive bounds (zslParseLexRangeItem sets ex for them).
  const exclusive = (b: LexBound) => b.kind !== 'value' || b.exclusive;
  if (cmp > 0 || (cmp === 0 && (exclusive(r.min) || exclusive(r.max)))) return false;
  const first = z.order.first;
  const last = z.order.last;
  return first !== undefined && last !== undefined && lexGteMin(last.m, r) && lexLteMax(first.m, r);
}

/** The members a lex range selects, walking from the lowest (forward) or the highest (rev) rank. */
export function lexRun(z: ZSetValue, r: LexRange, rev: boolean): Run {
  if (!lexMayHit(z, r)) return EMPTY;
  const first = z.order.first as ZItem;
  const last = z.order.last as ZItem;
  if (first.s === last.s) {
    // One score: the order is member order, and the walk is a binary search.
    const from = z.order.bound((x) => !lexGteMin(x.m, r));
    const to = z.order.bound((x) => lexLteMax(x.m, r));
    return from < to ? { from, to } : EMPTY;
  }
  return rev ? walkDown(z, r) : walkUp(z, r);
}

/** zzlFirstInLexRange and the forward walk: the first member ≥ min, then on while ≤ max. */
function walkUp(z: ZSetValue, r: LexRange): Run {
  let i = 0;
  const it = z.order.range();
  let cur = it.next();
  while (!cur.done && !lexGteMin(cur.value.m, r)) {
    cur = it.next();
    i++;
  }
  if (cur.done || !lexLteMax(cur.value.m, r)) return EMPTY;
  const from = i;
  while (!cur.done && lexLteMax(cur.value.m, r)) {
    cur = it.next();
    i++;
  }
  return { from, to: i };
}

/** zzlLastInLexRange and the backward walk: the last member ≤ max, then back while ≥ min. */
function walkDown(z: ZSetValue, r: LexRange): Run {
  let i = z.size - 1;
  const it = z.order.reverse();
  let cur = it.next();
  while (!cur.done && !lexLteMax(cur.value.m, r)) {
    cur = it.next();
    i--;
  }
  if (cur.done || !lexGteMin(cur.value.m, r)) return EMPTY;
  const to = i + 1;
  while (!cur.done && lexGteMin(cur.value.m, r)) {
    cur = it.next();
    i--;
  }
  return { from: i + 1, to };
}

// ---------------------------------------------------------------- LIMIT

/**
 * LIMIT offset count over a run, counted from the end the walk starts at:
 * a negative offset skips everything (Redis's `while (offset--)` runs off
 * the end), a negative count means no limit.
 */
export function limitRun(run: Run, rev: boolean, offset: number, count: number): Run {
  if (offset < 0) return EMPTY;
  const n = Math.max(0, Math.min(run.to - run.from - offset, count < 0 ? Infinity : count));
  if (n === 0) return EMPTY;
  return rev ? { from: run.to - offset - n, to: run.to - offset } : { from: run.from + offset, to: run.from + offset + n };
}

/** The items of a run in the order the command walks it. */
export function itemsOf(z: ZSetValue, run: Run, rev: boolean): IterableIterator<ZItem> {
  return rev ? z.order.reverse(run.to - 1, run.from) : z.order.range(run.from, run.to);
}
