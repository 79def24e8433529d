/**
 * A brute-force linearizability checker straight from the definition, for
 * differential tests of check(): no memo, no symmetry or read reductions, no
 * trimming. Exponential; only for histories of a handful of operations.
 *
 * Per key (FLUSHALL projected onto every key as an unchecked delete, as in
 * check.ts): is there an order of all completed operations plus any subset of
 * the open ones, in which an operation never precedes one that returned
 * before it was called, and every output matches a register (INCR done as
 * Redis does it, on the value as a string)? With TTLs, every operation that
 * sets one adds its expiry as one more item with the window of expiry.ts,
 * after that operation, deleting the key if that TTL is still the pending one.
 */
import { isDropped, isOpen } from './check';
import { expiryWindow } from './expiry';
import { incrRejection, incremented, integerValue, intReply, type History, type Operation } from './history';

export function referenceCheck(history: History, opts: { clockSkewMs?: number } = {}): 'ok' | 'illegal' {
  const live = history.filter((o) => !isDropped(o));
  const keys = new Set(live.flatMap((o) => (o.input.op === 'flushall' ? [] : [o.input.key])));
  for (const key of keys) {
    const ops = live.filter((o) => o.input.op === 'flushall' || o.input.key === key);
    if (!linearizable(ops, opts.clockSkewMs ?? 0)) return 'illegal';
  }
  return 'ok';
}

function retOf(o: Operation): number {
  return isOpen(o) ? Infinity : (o.ret as number);
}

interface State {
  value: string | null;
  /** The item whose TTL is pending, or -1. */
  owner: number;
}

/** The next value, or undefined if the register cannot produce this output. */
function apply(o: Operation, state: string | null): { state: string | null } | undefined {
  const open = isOpen(o);
  const out = o.output;
  switch (o.input.op) {
    case 'get':
      return out.kind === 'value' && out.value === state ? { state } : undefined;
    case 'set':
      return open || out.kind === 'ok' ? { state: o.input.value } : undefined;
    case 'del':
      if (open) return { state: null };
      return out.kind === 'int' && out.n === (state === null ? 0 : 1) ? { state: null } : undefined;
    case 'flushall':
      return open || out.kind === 'ok' ? { state: null } : undefined;
    case 'incr': {
      // Straight from Redis's INCR/INCRBY: the new value, or an error and no change.
      const by = o.input.by ?? 1;
      const next = incremented(state, by);
      const rejected = incrRejection(o);
      const n = state === null ? 0n : integerValue(state);
      if (rejected === 'not-integer') return n === undefined ? { state } : undefined;
      if (rejected === 'overflow') return n !== undefined && next === undefined ? { state } : undefined;
      // Open: it took effect here; where INCR fails that is no effect at all,
      // which leaving it unplaced already covers.
      if (open) return next === undefined ? undefined : { state: next };
      return out.kind === 'int' && next !== undefined && intReply(out.n) === next ? { state: next } : undefined;
    }
    case 'pexpire':
      // Open on an absent key: no effect, the same as leaving it unplaced.
      if (open) return state === null ? undefined : { state };
      return out.kind === 'int' && out.n === (state === null ? 0 : 1) ? { state } : undefined;
    case 'pttl':
      return { state };
  }
}

/** An operation of the key, or the expiry of the TTL item `of` set (window [call, ret]). */
interface Item {
  op?: Operation;
  of?: number;
  call: number;
  ret: number;
}

/** The next state after item i, straight from the definition (expiry.ts's header). */
function step(items: Item[], i: number, s: State): State | undefined {
  const it = items[i];
  if (it.op === undefined) return s.owner === it.of ? { value: null, owner: -1 } : s;
  const o = it.op;
  const r = apply(o, s.value);
  if (!r) return undefined;
  switch (o.input.op) {
    case 'set':
      return { value: r.state, owner: o.input.px === undefined ? -1 : i };
    case 'pexpire':
      return { value: r.state, owner: r.state === null ? -1 : i };
    case 'pttl': {
      const n = o.output.kind === 'int' ? Number(o.output.n) : NaN;
      if (n === -2) return s.value === null ? s : undefined;
      if (n === -1) return s.value !== null && s.owner < 0 ? s : undefined;
      const owner = s.owner >= 0 ? items[s.owner].op : undefined;
      const ttl = owner?.input.op === 'set' ? owner.input.px : owner?.input.op === 'pexpire' ? owner.input.ms : undefined;
      return s.value !== null && ttl !== undefined && n >= 0 && n <= ttl ? s : undefined;
    }
    case 'incr':
      return { value: r.state, owner: s.value === null ? -1 : s.owner };
    case 'get':
      return s;
    default:
      return { value: r.state, owner: -1 };
  }
}

function linearizable(ops: Operation[], skewMs: number): boolean {
  const items: Item[] = ops.map((op) => ({ op, call: op.call, ret: retOf(op) }));
  ops.forEach((o, i) => {
    const ttl = o.input.op === 'set' ? o.input.px : o.input.op === 'pexpire' ? o.input.ms : undefined;
    if (ttl === undefined) return;
    const { lo, hi } = expiryWindow(o.call, retOf(o), ttl, skewMs);
    items.push({ of: i, call: lo, ret: hi });
  });
  const placed = new Array<boolean>(items.length).fill(false);
  const go = (state: State): boolean => {
    if (items.every((it, i) => placed[i] || it.ret === Infinity)) return true;
    for (let i = 0; i < items.length; i++) {
      if (placed[i]) continue;
      // An expiry comes after its TTL's operation.
      const of = items[i].of;
      if (of !== undefined && !placed[of]) continue;
      // items[i] may go next only if no unplaced item returned before its call.
      const blocked = items.some((it, j) => !placed[j] && j !== i && it.ret < items[i].call);
      if (blocked) continue;
      const r = step(items, i, state);
      if (!r) continue;
      placed[i] = true;
      const ok = go(r);
      placed[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return go({ value: null, owner: -1 });
}
