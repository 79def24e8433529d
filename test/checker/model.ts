/**
 * The per-key register model the search runs, compiled to small integers:
 * state 0 is "absent", any other number a value (RegisterModel interns them).
 * On a key with expiring values the search runs expiry.ts's TimedModel,
 * whose states pair such a value with the operation whose TTL is pending.
 */
import { INT64_MAX, INT64_MIN, integerValue } from './history';

/** Register model operations, compiled to small integers. */
export enum Kind {
  Get = 0, // arg: expected state (0 = absent)
  Set = 1, // arg: state written
  Del = 2, // arg: expected count (0/1), or -1 when not checked (open, FLUSHALL)
  Never = 3, // an output the model can never produce (e.g. SET answering an integer)
  IncrOk = 4, // INCR(BY) that answered an integer n; arg: the state it read (n - by; for n = by absent works too)
  IncrNotInt = 5, // INCR(BY) that answered "value is not an integer": the key holds a non-integer; no change
  IncrOpen = 6, // INCR(BY) of unknown outcome: adds `by` where it would succeed; arg -1
  IncrOverflow = 7, // INCRBY (by != 1) that answered "would overflow": the key holds an integer n with n + by out of range
  // Expiry (expiry.ts's TimedModel only):
  SetTtl = 8, // SET … PX: arg: state written; its TTL is pending until its Expire runs
  Pexpire = 9, // PEXPIRE that answered 1: the key is live; its TTL becomes this operation's
  PexpireOpen = 10, // PEXPIRE of unknown outcome: as Pexpire where the key is live
  Expire = 11, // virtual: the deadline of operation `arg` passes (deletes the key if that TTL still applies)
  LiveNoTtl = 12, // PTTL answering -1: the key is live without a TTL
  LiveTtl = 13, // PTTL answering n >= 0 (arg): live, with a pending TTL of at least n ms
}

/** Kinds that never change the state (GET, DEL answering 0 is compiled as Del 0, PTTL). */
export const READ_KINDS: ReadonlySet<Kind> = new Set([Kind.Get, Kind.IncrNotInt, Kind.IncrOverflow, Kind.LiveNoTtl, Kind.LiveTtl]);

/** Kinds that make their own operation the key's pending TTL (or are a TTL's expiry): never alike. */
export const TTL_KINDS: ReadonlySet<Kind> = new Set([Kind.SetTtl, Kind.Pexpire, Kind.PexpireOpen, Kind.Expire]);

export interface SearchOp {
  kind: Kind;
  arg: number;
  call: number;
  /** Infinity for operations that stay open until the end of the history. */
  ret: number;
  /** Operations that must be linearized before this one (see canonicalOrder). */
  after?: number[];
  /** INCR(BY)'s increment (default 1). */
  by?: number;
  /** SET … PX / PEXPIRE: the TTL in ms. */
  ttl?: number;
}

/** The state shared by values nothing can observe (with INCR around: the non-integers among them). */
export const SHARED = 1;
/** With INCR around: the state shared by integers that nothing can observe, nor any count INCR makes from them. */
export const SHARED_INTEGER = 2;

/**
 * A register's values as states. State 0 is absent; states 1 and 2 are
 * shared by values the caller (check.ts) found nothing can tell apart: 1 for
 * non-integers (or any value, on a key without INCR), 2 for integers; every
 * other value gets a state of its own. Integers that INCR makes are interned
 * on demand, so an INCR's result is a state like any other and the memo keys
 * on it.
 */
export class RegisterModel {
  private readonly ids = new Map<string, number>();
  /** Per state: its value (undefined for the shared ones). */
  private readonly values: (string | null | undefined)[] = [null, undefined, undefined];
  /** Per state: the integer INCR reads there (undefined: not an integer); state 2's is unknown but exists. */
  private readonly ints: (bigint | undefined)[] = [undefined, undefined, undefined];
  /** INCR's successor per state, computed once: -2 not yet, -1 INCR fails there. */
  private succ = new Int32Array(64).fill(-2);
  /** INCRBY's, for increments other than 1: "state:by" → state or -1. */
  private readonly succBy = new Map<string, number>();
  /** The state of "0", once interned: INCR answering 1 reads it or absent. */
  private zero = -1;

  /**
   * @param shared the shared state for a value (SHARED or SHARED_INTEGER),
   * or undefined when the value needs a state of its own. It is asked once
   * per value, for values INCR makes too.
   */
  constructor(private readonly shared: (value: string) => number | undefined = () => undefined) {}

  intern(value: string): number {
    let id = this.ids.get(value);
    if (id !== undefined) return id;
    const s = this.shared(value);
    if (s !== undefined) {
      this.ids.set(value, s);
      return s;
    }
    id = this.values.length;
    this.ids.set(value, id);
    this.values.push(value);
    this.ints.push(integerValue(value));
    if (value === '0') this.zero = id;
    return id;
  }

  /** The value of a state: null for absent, undefined for a shared state. */
  valueOf(state: number): string | null | undefined {
    return this.values[state];
  }

  /** Whether INCR would answer "not an integer" on this state. */
  notInteger(state: number): boolean {
    return state !== 0 && state !== SHARED_INTEGER && this.ints[state] === undefined;
  }

  isInteger(state: number): boolean {
    return state === SHARED_INTEGER || this.ints[state] !== undefined;
  }

  /** The integer a state holds (undefined: not an integer, or the shared one). */
  intOf(state: number): bigint | undefined {
    return this.ints[state];
  }

  /**
   * The state after a successful INCR (INCRBY by), or -1 where it answers an
   * error (and changes nothing). An integer nobody can observe stays one:
   * every value the key's increments can reach from it is unobserved too
   * (check.ts).
   */
  successor(state: number, by = 1): number {
    if (by !== 1) {
      const k = `${state}:${by}`;
      let next = this.succBy.get(k);
      if (next !== undefined) return next;
      if (state === SHARED_INTEGER) next = SHARED_INTEGER;
      else {
        const n = state === 0 ? 0n : this.ints[state];
        const m = n === undefined ? undefined : n + BigInt(by);
        next = m === undefined || m > INT64_MAX || m < INT64_MIN ? -1 : this.intern(String(m));
      }
      this.succBy.set(k, next);
      return next;
    }
    if (state >= this.succ.length) {
      const grown = new Int32Array(Math.max(state + 1, this.succ.length * 2)).fill(-2);
      grown.set(this.succ);
      this.succ = grown;
    }
    let next = this.succ[state];
    if (next !== -2) return next;
    if (state === 0) next = this.intern('1');
    else if (state === SHARED_INTEGER) next = SHARED_INTEGER;
    else {
      const n = this.ints[state];
      next = n === undefined || n === INT64_MAX ? -1 : this.intern(String(n + 1n));
    }
    this.succ[state] = next;
    return next;
  }

  /** Returns the next state, or -1 when the model forbids the operation here. */
  step(kind: Kind, arg: number, state: number, by = 1): number {
    switch (kind) {
      case Kind.Get:
        return state === arg ? state : -1;
      case Kind.Set:
        return arg;
      case Kind.Del:
        return arg < 0 || arg === (state !== 0 ? 1 : 0) ? 0 : -1;
      case Kind.IncrOk:
        return state === arg || (state === 0 && arg === this.zero) ? this.successor(state, by) : -1;
      case Kind.IncrNotInt:
        return this.notInteger(state) ? state : -1;
      case Kind.IncrOpen:
        // Where INCR fails it changes nothing: the same as never taking effect.
        return this.successor(state, by);
      case Kind.IncrOverflow: {
        // The shared integers are far from the ends of the range (check.ts): no increment overflows them.
        const n = state === 0 ? 0n : this.ints[state];
        if (n === undefined) return -1;
        const m = n + BigInt(by);
        return m > INT64_MAX || m < INT64_MIN ? state : -1;
      }
      default:
        return -1;
    }
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
    // A TTL belongs to its operation (its window is its own): never alike.
    if (TTL_KINDS.has(o.kind)) return;
    const c = `${o.kind}:${o.arg}:${o.by ?? 1}`;
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
