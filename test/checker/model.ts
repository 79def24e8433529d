/**
 * The per-key register model the search runs, compiled to small integers:
 * state 0 is "absent", any other number a value (check.ts interns them).
 */

/** Register model operations, compiled to small integers. */
export enum Kind {
  Get = 0, // arg: expected state (0 = absent)
  Set = 1, // arg: state written
  Del = 2, // arg: expected count (0/1), or -1 when not checked (open, FLUSHALL)
  Never = 3, // an output the model can never produce (e.g. SET answering an integer)
}

export interface SearchOp {
  kind: Kind;
  arg: number;
  call: number;
  /** Infinity for operations that stay open until the end of the history. */
  ret: number;
  /** Operations that must be linearized before this one (see canonicalOrder). */
  after?: number[];
}

/** Returns the next state, or -1 when the model forbids the operation here. */
export function step(kind: Kind, arg: number, state: number): number {
  switch (kind) {
    case Kind.Get:
      return state === arg ? state : -1;
    case Kind.Set:
      return arg;
    case Kind.Del:
      return arg < 0 || arg === (state !== 0 ? 1 : 0) ? 0 : -1;
    default:
      return -1;
  }
}

/**
 * Symmetry reduction. Operations with the same (kind, arg) act identically on
 * the model, so they are interchangeable: if A and B are alike and A's
 * interval starts and ends no later than B's (call_A <= call_B, ret_A <=
 * ret_B), any linearization that puts B before A stays valid with the two
 * swapped (A takes B's earlier point, B takes A's later one). Repeating such
 * swaps removes every such inversion, so the search may require A before B
 * without losing a linearization. It matters for open operations: k alike
 * open writes would otherwise give 2^k linearized subsets to memoise, and
 * now give k + 1. Only the immediate predecessors are listed; the rest
 * follows because the linearized set stays closed under this order.
 */
export function canonicalOrder(ops: SearchOp[]): void {
  const classes = new Map<string, number[]>();
  ops.forEach((o, i) => {
    const c = `${o.kind}:${o.arg}`;
    const list = classes.get(c);
    if (list) list.push(i);
    else classes.set(c, [i]);
  });
  const before = (a: number, b: number): boolean => {
    const x = ops[a];
    const y = ops[b];
    if (x.call !== y.call) return x.call < y.call && x.ret <= y.ret;
    if (x.ret !== y.ret) return x.ret < y.ret;
    return a < b;
  };
  for (const members of classes.values()) {
    if (members.length < 2) continue;
    // Lexicographic (call, ret, index), descending: a sweep keeps only the
    // maximal predecessors (those with a larger ret than any later one).
    members.sort((a, b) => ops[b].call - ops[a].call || cmpRet(ops[b].ret, ops[a].ret) || b - a);
    for (const b of members) {
      let maxRet = -Infinity;
      const after: number[] = [];
      for (const a of members) {
        if (a === b || !before(a, b)) continue;
        if (ops[a].ret > maxRet) {
          after.push(a);
          maxRet = ops[a].ret;
        }
      }
      if (after.length) ops[b].after = after;
    }
  }
}

function cmpRet(x: number, y: number): number {
  return x === y ? 0 : x < y ? -1 : 1;
}
