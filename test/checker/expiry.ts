/**
 * Expiry in the register model: keys written with a TTL (SET … PX, PEXPIRE)
 * vanish at a deadline that the servers' clocks decide, so the checker needs
 * to know how far those clocks can be from the one the history is recorded on.
 *
 * The server's rule (lambda/attempt.ts): a batch runs at the clock
 * b = max(document clock, the handler's own clock); a write with TTL t sets
 * the deadline d = b_w + t, and a batch sees the key gone once b > d; a batch
 * that saw a key gone on its own clock commits that clock. Let `skewMs` (S)
 * bound how far two clocks can disagree beyond the real time between their
 * readings: every handler clock lies within [real - lag, real + lead], and
 * S = lead + lag (plus a margin for the recorder's clock). Then, for a TTL set
 * by operation W (called at c_w, answered at r_w):
 *  - no batch sees it expired before real time c_w + t - S: such a batch has
 *    b <= real + lead while d >= c_w - lag + t;
 *  - every batch that starts after r_w + t + S sees it expired (if the TTL
 *    still applies): its b >= real - lag > r_w + lead + t >= d, because
 *    b_w <= r_w + lead (the document clock is some earlier handler's clock);
 *  - once one batch saw it expired, every later batch does: the document's
 *    clock (which every later batch runs at least at) has passed d, or that
 *    batch committed its own clock to make it so.
 *
 * So the expiry is a "virtual delete" E_W that the linearization may place
 * anywhere inside the window [c_w + t - S, r_w + t + S], after W: an
 * operation with that interval, in the same search as the real ones. It must
 * come before every operation called after the window ends, and after every
 * one that returned before it starts; a read that saw the key gone has E_W
 * (or a DEL…) before it, so the value cannot come back after it. E_W deletes
 * the key only if W's TTL is still the pending one: a later SET (with or
 * without PX), DEL, FLUSHALL or PEXPIRE replaced it, and INCR/INCRBY keep it.
 * An open W (outcome unknown) may take effect late: its window has no end.
 *
 * The model's state is the pair (value, owner): the register's value state
 * (model.ts) and the operation whose TTL is pending (-1: none). PTTL and
 * PEXPIRE observe it: PTTL -1 says "live, no TTL", n >= 0 "live, a TTL of at
 * least n ms left" (n can be no more than the owner's TTL: a batch that sees
 * the owner's write runs at a clock no earlier than the owner's), -2 and
 * PEXPIRE answering 0 "absent".
 */
import { Kind, type RegisterModel, type SearchOp } from './model';

/** The window of the expiry of a TTL set by an operation called at `call`, answered at `ret` (Infinity: open). */
export function expiryWindow(call: number, ret: number, ttl: number, skewMs: number): { lo: number; hi: number } {
  return { lo: Math.max(call, call + ttl - skewMs), hi: ret === Infinity ? Infinity : ret + ttl + skewMs };
}

/**
 * Appends the virtual Expire operation of every TTL-setting operation of a
 * key's compiled sub-history; `lastRet` is the latest return of a completed
 * operation. An expiry that cannot come before any completed operation (it
 * starts after all of them) is left out: placing it last changes nothing
 * anyone saw. One whose window ends after all of them is open: "never" and
 * "after everything" are the same.
 */
export function addExpiries(ops: SearchOp[], skewMs: number, lastRet: number): void {
  const n = ops.length;
  for (let w = 0; w < n; w++) {
    const o = ops[w];
    if (o.kind !== Kind.SetTtl && o.kind !== Kind.Pexpire && o.kind !== Kind.PexpireOpen) continue;
    const { lo, hi } = expiryWindow(o.call, o.ret, o.ttl as number, skewMs);
    if (lo > lastRet) continue;
    ops.push({ kind: Kind.Expire, arg: w, call: lo, ret: hi >= lastRet ? Infinity : hi, after: [w] });
  }
}

/** Whether a compiled key needs the timed model. */
export function isTimed(ops: SearchOp[]): boolean {
  return ops.some((o) => o.kind >= Kind.SetTtl);
}

/**
 * The register with pending TTLs: states are interned (value state, owner)
 * pairs; state 0 is (absent, none).
 */
export class TimedModel {
  private readonly ids = new Map<number, number>();
  private readonly valueOfState: number[] = [0];
  private readonly ownerOfState: number[] = [-1];
  private readonly stride: number;

  constructor(readonly register: RegisterModel, private readonly ops: SearchOp[]) {
    this.stride = ops.length + 1;
    this.ids.set(0, 0);
  }

  state(value: number, owner: number): number {
    const k = value * this.stride + owner + 1;
    let id = this.ids.get(k);
    if (id === undefined) {
      id = this.valueOfState.length;
      this.ids.set(k, id);
      this.valueOfState.push(value);
      this.ownerOfState.push(owner);
    }
    return id;
  }

  value(state: number): number {
    return this.valueOfState[state];
  }

  /** The operation whose TTL is pending, or -1. */
  owner(state: number): number {
    return this.ownerOfState[state];
  }

  /** Whether operation i, an Expire, would change nothing here, and never will: its TTL was replaced. */
  spentExpiry(i: number, state: number): boolean {
    const o = this.ops[i];
    return o.kind === Kind.Expire && this.ownerOfState[state] !== o.arg;
  }

  /** The state after operation i, or -1 when the model forbids it here. */
  step(i: number, state: number): number {
    const o = this.ops[i];
    const v = this.valueOfState[state];
    const w = this.ownerOfState[state];
    switch (o.kind) {
      case Kind.SetTtl:
        return this.state(o.arg, i);
      case Kind.Pexpire:
      case Kind.PexpireOpen:
        // An open one on an absent key does nothing: the same as never happening.
        return v !== 0 ? this.state(v, i) : -1;
      case Kind.Expire:
        return w === o.arg ? 0 : state;
      case Kind.LiveNoTtl:
        return v !== 0 && w < 0 ? state : -1;
      case Kind.LiveTtl:
        return v !== 0 && w >= 0 && o.arg <= (this.ops[w].ttl as number) ? state : -1;
      case Kind.Set:
      case Kind.Del: {
        // A new value without PX, or a delete: no TTL any more.
        const next = this.register.step(o.kind, o.arg, v, o.by);
        return next < 0 ? -1 : this.state(next, -1);
      }
      default: {
        // Reads keep everything; INCR/INCRBY keep the TTL (an absent key has none).
        const next = this.register.step(o.kind, o.arg, v, o.by);
        return next < 0 ? -1 : next === v ? state : this.state(next, v === 0 ? -1 : w);
      }
    }
  }
}
