/**
 * Wing & Gong's linearizability search with Lowe's memoisation, for one key's
 * register (the approach of Porcupine's checker.go, rewritten over typed
 * arrays because this runs in the test process and must stay fast).
 *
 * The history is a doubly linked list of call and return entries in time
 * order. The search walks it from the front: at a call entry it tries to
 * linearize that operation next (apply it to the model); if the model accepts
 * and the pair (set of linearized operations, model state) has not been seen
 * before, it removes ("lifts") the operation's two entries and starts again
 * from the front. Reaching a return entry means that operation's deadline
 * passed without it being linearized: undo the last choice and try the next
 * call after it. Seen pairs are cached, so no (set, state) is explored twice.
 *
 * On top of that, reductions that keep illegal histories (which must be
 * searched exhaustively) tractable when many operations have unknown outcome.
 * Each is argued where it is made and checked against a brute-force checker
 * in differential.test.ts:
 *  - symmetry: alike operations go in a fixed order (model.ts canonicalOrder);
 *  - forced reads: a read that can go next goes next, without branching;
 *  - needless open writes: ones no later operation could notice are skipped;
 *  - dominance: a failed node prunes nodes that only add open operations
 *    (memo.ts), and open candidates are tried last so that it applies.
 *
 * On a key with TTLs the model is expiry.ts's TimedModel (pass it as
 * `timed`): the virtual expiries are operations like the others, an expiry
 * whose TTL was replaced is a forced read (it can never change anything),
 * and needless open writes are skipped under stricter conditions (below).
 */
import type { TimedModel } from './expiry';
import { Memo } from './memo';
import { Kind, READ_KINDS, RegisterModel, type SearchOp } from './model';

export interface SearchLimits {
  /** Time (on `now`'s clock) after which the search gives up. */
  deadline: number;
  /** The clock, read once per 1024 steps (default performance.now). */
  now?: () => number;
  /** Memo table size after which the search gives up (memory bound). */
  maxCacheEntries: number;
}

export interface SearchOutcome {
  result: 'ok' | 'illegal' | 'unknown';
  /** Why an 'unknown': the time or memory bound. */
  reason?: 'timeout' | 'memory';
  /** Loop iterations: a machine-independent measure of work. */
  steps: number;
  cacheEntries: number;
  /** Longest linearization found (indices into ops, in order) and the state after it. */
  best: number[];
  bestState: number;
}

const NIL = -1;


export function search(ops: SearchOp[], limits: SearchLimits, model: RegisterModel = new RegisterModel(), timed?: TimedModel): SearchOutcome {
  const step = timed ? (op: number, state: number): number => timed.step(op, state) : (op: number, state: number): number => model.step(ops[op].kind, ops[op].arg, state, ops[op].by);
  const n = ops.length;
  // Entry 0 is the list head; entries 1..: calls and (finite) returns. Open
  // operations have no return entry: nothing forces them in.
  const order: { t: number; isCall: boolean; op: number }[] = [];
  let remaining = 0; // operations that must be linearized (finite return)
  for (let i = 0; i < n; i++) {
    order.push({ t: ops[i].call, isCall: true, op: i });
    if (ops[i].ret !== Infinity) {
      order.push({ t: ops[i].ret, isCall: false, op: i });
      remaining++;
    }
  }
  // Equal times: calls first, i.e. touching intervals count as concurrent.
  // Millisecond clocks cannot order them, and concurrent is the side that
  // can never produce a false violation.
  order.sort((a, b) => a.t - b.t || (a.isCall === b.isCall ? a.op - b.op : a.isCall ? -1 : 1));

  const size = order.length + 1;
  const next = new Int32Array(size);
  const prev = new Int32Array(size);
  const entryOp = new Int32Array(size);
  const isCall = new Uint8Array(size);
  const match = new Int32Array(size).fill(NIL); // call entry -> its return entry
  const callEntryOf = new Int32Array(n);
  for (let e = 0; e < size; e++) {
    next[e] = e + 1 < size ? e + 1 : NIL;
    prev[e] = e - 1;
  }
  order.forEach((x, i) => {
    const e = i + 1;
    entryOp[e] = x.op;
    isCall[e] = x.isCall ? 1 : 0;
    if (x.isCall) callEntryOf[x.op] = e;
    else match[callEntryOf[x.op]] = e;
  });
  const lift = (e: number): void => {
    next[prev[e]] = next[e];
    if (next[e] !== NIL) prev[next[e]] = prev[e];
    const r = match[e];
    if (r !== NIL) {
      next[prev[r]] = next[r];
      if (next[r] !== NIL) prev[next[r]] = prev[r];
    }
  };
  const unlift = (e: number): void => {
    const r = match[e];
    if (r !== NIL) {
      next[prev[r]] = r;
      if (next[r] !== NIL) prev[next[r]] = r;
    }
    next[prev[e]] = e;
    if (next[e] !== NIL) prev[next[e]] = e;
  };

  let depth = 0; // operations linearized on the current path
  let state = 0; // every key starts absent
  const memo = new Memo(n, (op) => ops[op].ret === Infinity);
  const afterStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) afterStart[i + 1] = afterStart[i] + (ops[i].after?.length ?? 0);
  const afterList = new Int32Array(afterStart[n]);
  ops.forEach((o, i) => o.after?.forEach((a, j) => (afterList[afterStart[i] + j] = a)));
  /** Whether every operation that must precede op (canonicalOrder) is linearized. */
  const ready = (op: number): boolean => {
    for (let j = afterStart[op]; j < afterStart[op + 1]; j++) if (!memo.has(afterList[j])) return false;
    return true;
  };
  // Read-like: never changes the state when the model accepts it (GET, DEL
  // answering 0, INCR answering "not an integer"; one answering "would
  // overflow" is compiled as a GET). If one can go next, it may as well go
  // next: in any valid continuation it can be moved to the front (everything
  // that had to precede it already has, and removing it changes no state).
  // So such a node has that single child, which removes the branching over
  // subsets of concurrent reads.
  const readLike = Uint8Array.from(ops, (o) => (READ_KINDS.has(o.kind) || (o.kind === Kind.Del && o.arg === 0) ? 1 : 0));
  // An expiry whose TTL was replaced (its operation placed, and the pending
  // TTL another's) changes nothing now or ever after: a read too.
  const spent = timed ? (op: number, state: number): boolean => timed.spentExpiry(op, state) : (): boolean => false;
  // Open writes that need not go next. A continuation that starts with one
  // of these stays valid without it (later alike open writes each shift one
  // slot earlier, which keeps the symmetry order), so skipping them loses
  // nothing, and without this every later node is multiplied by the subsets
  // of open writes placed so far:
  //  - an open DEL or FLUSHALL on an absent key changes nothing;
  //  - a "spent" open SET, whose value no unplaced completed GET returns, is
  //    seen by nothing after it: later operations overwrite it or would fail
  //    on its value, except a DEL answering 1 placed right after it. So it is
  //    needed only when the key is absent and such a DEL can go next.
  //    With INCR there are more ways to see a value, each ruled out too: a
  //    completed INCR whose reply is the value plus one reads it (its arg is
  //    that value: counted with the GETs); an INCR answering "not an
  //    integer" accepts any non-integer, so a non-integer SET stays needed
  //    while one is unplaced, unless the state without it is a non-integer
  //    too; open INCRs turn an integer v into v + 1, v + 2..., so an integer
  //    SET is spent only when nothing reads v nor any value the unplaced
  //    open INCRs can reach from it (they are then dropped from the
  //    continuation, or, on an absent key, kept for the DEL answering 1 that
  //    the rule above already covers);
  //  - a "spent" open INCR likewise: one whose result, and every value the
  //    other open INCRs can reach from it, nobody reads.
  // The integer cases follow chains of +1: with an increment other than 1 on
  // the key they are not used.
  // On a key with TTLs (timed) a present key can also be seen whatever its
  // value: by DEL answering 1, PEXPIRE answering 1, PTTL -1 or n ("presence"
  // operations). Take a continuation that starts with a spent open write X
  // at state (u, w): value u (0: absent), pending TTL w (-1: none). While the
  // key holds X's value (or what open INCRs make from it: the "stretch"),
  // the operations placed are writes (SET, DEL…, which accept any state and
  // end the stretch alike), open ones (which can be dropped), expiries, INCRs
  // answering "not an integer" (the value rule above) and presence
  // operations. Without X the key holds u instead, and:
  //  - an open INCR keeps the pending TTL: on a present key presence
  //    operations and expiries see the same as with it (same TTL, present
  //    until the same expiry), so only the value rule applies;
  //  - a SET without PX on a key present without a TTL: the same (no TTL on
  //    either side; a TTL given in the stretch by an open PEXPIRE is given
  //    without X too);
  //  - on an absent key, a SET, SET … PX or INCR is spent only when no
  //    presence operation can come in the stretch (u stays absent: open
  //    operations that would make it present are dropped; X's own expiry
  //    and any other one end the stretch absent on both sides);
  //  - a SET on a key with a pending TTL only when no presence operation can
  //    come in the stretch and no "not an integer" INCR is left: w's expiry
  //    may delete u meanwhile, which then nothing can tell.
  // A presence operation can come in the stretch only if it is called before
  // the first return in the list of an operation other than an expiry: the
  // only completed operations placed in the stretch before it are expiries
  // (the others are writes, which end it, or reads that fail on X's value).
  // A SET … PX on a present key is never skipped: its own expiry ends the
  // stretch absent, while u would stay.
  const unitIncrs = ops.every((o) => (o.kind !== Kind.IncrOk && o.kind !== Kind.IncrOpen && o.kind !== Kind.IncrOverflow) || (o.by ?? 1) === 1);
  let maxArg = 0;
  for (const o of ops) maxArg = Math.max(maxArg, o.arg);
  const readsLeft = new Int32Array(maxArg + 1); // per value: unplaced completed operations that read exactly it
  let notIntLeft = 0; // unplaced completed INCRs that answered "not an integer"
  let openIncrLeft = 0; // unplaced open INCRs
  const presence = Uint8Array.from(ops, (o) => (o.ret !== Infinity && ((o.kind === Kind.Del && o.arg === 1) || o.kind === Kind.Pexpire || o.kind === Kind.LiveNoTtl || o.kind === Kind.LiveTtl) ? 1 : 0));
  const account = (op: number, d: number): void => {
    const o = ops[op];
    if (o.ret === Infinity) {
      if (o.kind === Kind.IncrOpen) openIncrLeft += d;
      return;
    }
    if (o.kind === Kind.Get || o.kind === Kind.IncrOk) readsLeft[o.arg] += d;
    else if (o.kind === Kind.IncrNotInt) notIntLeft += d;
  };
  for (let i = 0; i < n; i++) account(i, 1);
  const del1Next = new Uint8Array(n + 1); // per node depth: a DEL answering 1 can go next
  const openNext = new Uint8Array(n + 1); // per node depth: an open operation can go next
  /** Whether no unplaced completed operation reads exactly state s (states made by INCR after compiling have no readers). */
  const unread = (s: number): boolean => s >= readsLeft.length || readsLeft[s] === 0;
  /** Whether nothing reads s, nor the values k more INCRs make from it. */
  const unreadChain = (s: number, k: number): boolean => {
    for (let j = 0; ; j++) {
      if (!unread(s)) return false;
      if (j === k) return true;
      s = model.successor(s);
      if (s < 0) return true; // INCR fails from here on: the chain ends
    }
  };
  /** Timed: whether a presence operation is called before the first return in the list that is not an expiry's. */
  const presenceNear = (): boolean => {
    for (let e = next[0]; e !== NIL; e = next[e]) {
      const op = entryOp[e];
      if (!isCall[e]) {
        if (ops[op].kind !== Kind.Expire) return false;
      } else if (presence[op]) return true;
    }
    return false;
  };
  const needless = (op: number): boolean => {
    const o = ops[op];
    if (o.ret !== Infinity) return false;
    if (o.kind === Kind.Del) return state === 0;
    if (timed) {
      // See above: which spent writes a key with TTLs can do without.
      const present = timed.value(state) !== 0;
      const ttl = timed.owner(state) >= 0;
      if (o.kind === Kind.SetTtl && present) return false;
      if (o.kind === Kind.Set && ttl && notIntLeft > 0) return false;
      if ((!present || (o.kind === Kind.Set && ttl)) && presenceNear()) return false;
    } else if (state === 0 && del1Next[depth] !== 0) return false;
    const value = timed ? timed.value(state) : state;
    if (o.kind === Kind.Set || o.kind === Kind.SetTtl) {
      if (model.isInteger(o.arg)) return unitIncrs && unreadChain(o.arg, openIncrLeft);
      return unread(o.arg) && (notIntLeft === 0 || model.notInteger(value));
    }
    if (o.kind === Kind.IncrOpen) {
      if (!unitIncrs) return false;
      const next = model.successor(value);
      return next >= 0 && unreadChain(next, openIncrLeft - 1);
    }
    return false;
  };

  let steps = 0;
  const now = limits.now ?? (() => performance.now());
  const completed = remaining;
  let bestPlaced = 0;
  let bestOrder: number[] = [];
  let bestState = 0;
  const outcome = (result: SearchOutcome['result'], reason?: SearchOutcome['reason']): SearchOutcome => ({
    result,
    reason,
    steps,
    cacheEntries: memo.size,
    best: bestOrder,
    bestState,
  });
  if (remaining === 0) return outcome('ok');

  const stackEntry = new Int32Array(n);
  const stackState = new Int32Array(n);
  const stackForced = new Uint8Array(n);
  const stackId = new Int32Array(n); // memo entry of the node each frame entered
  let entry = next[0];
  let fresh = true; // at a node not yet looked at
  // A node tries its completed candidates first and its open ones after: by
  // then the nodes without the open operation have failed, so the dominance
  // check prunes most of what lies below the open one.
  let openPass = false;
  for (;;) {
    if ((++steps & 1023) === 0) {
      if (now() > limits.deadline) return outcome('unknown', 'timeout');
      if (memo.size > limits.maxCacheEntries) return outcome('unknown', 'memory');
    }
    let forced = false;
    if (fresh) {
      fresh = false;
      // Candidates are the calls before the first return entry.
      del1Next[depth] = 0;
      openNext[depth] = 0;
      for (let e = next[0]; e !== NIL && isCall[e]; e = next[e]) {
        const op = entryOp[e];
        const o = ops[op];
        if ((readLike[op] || spent(op, state)) && ready(op) && step(op, state) >= 0) {
          entry = e;
          forced = true;
          break;
        }
        if (o.kind === Kind.Del && o.arg === 1 && ready(op)) del1Next[depth] = 1;
        if (o.ret === Infinity) openNext[depth] = 1;
      }
    }
    // Every unlinearized completed operation keeps its return entry in the
    // list, after its call, so the walk meets a return before the end.
    if (entry === NIL) throw new Error('linearizability search walked off the history');
    if (!isCall[entry] && !openPass && openNext[depth] === 1) {
      // Completed candidates done; now the open ones, from the front again.
      openPass = true;
      entry = next[0];
      continue;
    }
    let backtrack = !isCall[entry];
    if (!backtrack) {
      const op = entryOp[entry];
      const inPass = forced || (ops[op].ret === Infinity) === openPass;
      const ns = inPass && (forced || (ready(op) && !needless(op))) ? step(op, state) : -1;
      if (ns >= 0) {
        memo.toggle(op);
        const id = memo.add(ns);
        if (id >= 0 && memo.dominated(ns)) memo.markFailed(id);
        else if (id >= 0) {
          stackId[depth] = id;
          stackEntry[depth] = entry;
          stackState[depth] = state;
          stackForced[depth] = forced ? 1 : 0;
          depth++;
          state = ns;
          lift(entry);
          account(op, -1);
          // All completed operations placed: done. Open ones left over are
          // linearized last, where nothing observes them, which is the same
          // as "never took effect".
          const done = match[entry] !== NIL && --remaining === 0;
          // The best prefix is the one placing the most completed operations:
          // from it, no completed operation that may go next is accepted by the
          // model (one that is would lead to a node placing more, and that
          // node, or one equivalent to it, was visited), which is what makes
          // it an explanation. Counting open operations too would not be:
          // a node can be deep with open operations and still be a dead end
          // only because of the pruning.
          if (completed - remaining > bestPlaced) {
            bestPlaced = completed - remaining;
            bestOrder = Array.from(stackEntry.subarray(0, depth), (e) => entryOp[e]);
            bestState = state;
          }
          if (done) return outcome('ok');
          entry = next[0];
          fresh = true;
          openPass = false;
          continue;
        }
        memo.toggle(op);
      }
      // A forced read whose node was already explored: this node fails too.
      if (forced) backtrack = true;
      else entry = next[entry];
    }
    // A return entry: its operation had to be linearized by now. Undo the
    // last choice and try the next candidate after it; a forced choice was the
    // only one, so undo further.
    while (backtrack) {
      if (depth === 0) return outcome('illegal');
      depth--;
      memo.markFailed(stackId[depth]);
      entry = stackEntry[depth];
      state = stackState[depth];
      memo.toggle(entryOp[entry]);
      unlift(entry);
      account(entryOp[entry], 1);
      if (match[entry] !== NIL) remaining++;
      backtrack = stackForced[depth] === 1;
      openPass = ops[entryOp[entry]].ret === Infinity;
      entry = next[entry];
    }
  }
}
