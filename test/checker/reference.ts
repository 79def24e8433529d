/**
 * A brute-force linearizability checker straight from the definition, for
 * differential tests of check(): no memo, no symmetry or read reductions, no
 * trimming. Exponential; only for histories of a handful of operations.
 *
 * Per key (FLUSHALL projected onto every key as an unchecked delete, as in
 * check.ts): is there an order of all completed operations plus any subset of
 * the open ones, in which an operation never precedes one that returned
 * before it was called, and every output matches a register (INCR done as
 * Redis does it, on the value as a string)?
 */
import { isDropped, isOpen } from './check';
import { INT64_MAX, incrRejection, incremented, integerValue, intReply, type History, type Operation } from './history';

export function referenceCheck(history: History): 'ok' | 'illegal' {
  const live = history.filter((o) => !isDropped(o));
  const keys = new Set(live.flatMap((o) => (o.input.op === 'flushall' ? [] : [o.input.key])));
  for (const key of keys) {
    const ops = live.filter((o) => o.input.op === 'flushall' || o.input.key === key);
    if (!linearizable(ops)) return 'illegal';
  }
  return 'ok';
}

function retOf(o: Operation): number {
  return isOpen(o) ? Infinity : (o.ret as number);
}

/** The next state, or undefined if the register cannot produce this output. */
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
      // Straight from Redis's INCR: the new value, or an error and no change.
      const next = incremented(state);
      const rejected = incrRejection(o);
      if (rejected === 'not-integer') return state !== null && integerValue(state) === undefined ? { state } : undefined;
      if (rejected === 'overflow') return state === String(INT64_MAX) ? { state } : undefined;
      // Open: it took effect here; where INCR fails that is no effect at all,
      // which leaving it unplaced already covers.
      if (open) return next === undefined ? undefined : { state: next };
      return out.kind === 'int' && next !== undefined && intReply(out.n) === next ? { state: next } : undefined;
    }
  }
}

function linearizable(ops: Operation[]): boolean {
  const placed = new Array<boolean>(ops.length).fill(false);
  const go = (state: string | null): boolean => {
    if (ops.every((o, i) => placed[i] || isOpen(o))) return true;
    for (let i = 0; i < ops.length; i++) {
      if (placed[i]) continue;
      // ops[i] may go next only if no unplaced operation returned before its call.
      const blocked = ops.some((o, j) => !placed[j] && j !== i && retOf(o) < ops[i].call);
      if (blocked) continue;
      const r = apply(ops[i], state);
      if (!r) continue;
      placed[i] = true;
      const ok = go(r.state);
      placed[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return go(null);
}
