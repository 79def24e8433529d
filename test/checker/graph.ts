/**
 * The dependency graph between transactions (Adya's DSG, as Jepsen's Elle
 * builds it) and the search for cycles in it.
 *
 * Edges carry kinds: ww (T1 wrote a version T2 overwrote), wr (T2 read what
 * T1 wrote), rw (T1 read a version T2 overwrote: an anti-dependency) and rt
 * (T1 completed before T2 began: real time, for strict serializability). A
 * serializable history has no cycle of ww/wr/rw edges; a strictly
 * serializable one has none with rt edges either.
 *
 * A cycle is reported in the weakest class that explains it, trying edge
 * sets from the narrowest up (Elle's order): G0 (ww only), G1c (ww + wr),
 * G-single (exactly one rw), G2 (any rw), then the same with rt edges
 * allowed ("-realtime"). Within a class the cycle is a shortest one (BFS).
 */

export type EdgeKind = 'ww' | 'wr' | 'rw' | 'rt';

const BIT: Record<EdgeKind, number> = { ww: 1, wr: 2, rw: 4, rt: 8 };

export interface CycleStep {
  from: number;
  to: number;
  /** The kinds the edge has (a step may be both ww and rt, say); the first one is the one the cycle's class used. */
  kinds: EdgeKind[];
  /** The key that made the data edge (absent for rt). */
  key?: string;
}

export type CycleClass = 'G0' | 'G1c' | 'G-single' | 'G2' | 'G0-realtime' | 'G1c-realtime' | 'G-single-realtime' | 'G2-realtime';

export interface Cycle {
  class: CycleClass;
  steps: CycleStep[];
}

export class DependencyGraph {
  /** from → to → kind bits. */
  private readonly out = new Map<number, Map<number, number>>();
  /** "from>to>kind" → the key of the first data edge of that kind. */
  private readonly keys = new Map<string, string>();
  private edgeCount = 0;

  add(from: number, to: number, kind: EdgeKind, key?: string): void {
    if (from === to) return;
    let m = this.out.get(from);
    if (!m) this.out.set(from, (m = new Map()));
    const bits = m.get(to) ?? 0;
    if (!(bits & BIT[kind])) this.edgeCount++;
    m.set(to, bits | BIT[kind]);
    if (key !== undefined && !this.keys.has(`${from}>${to}>${kind}`)) this.keys.set(`${from}>${to}>${kind}`, key);
  }

  get edges(): number {
    return this.edgeCount;
  }

  nodes(): number[] {
    const s = new Set<number>();
    for (const [from, m] of this.out) {
      s.add(from);
      for (const to of m.keys()) s.add(to);
    }
    return [...s].sort((a, b) => a - b);
  }

  /** Strongly connected components with more than one node (iterative Tarjan). */
  components(): number[][] {
    const index = new Map<number, number>();
    const low = new Map<number, number>();
    const onStack = new Set<number>();
    const stack: number[] = [];
    const out: number[][] = [];
    let next = 0;
    for (const root of this.nodes()) {
      if (index.has(root)) continue;
      const work: { v: number; it: Iterator<number> }[] = [];
      const enter = (v: number): void => {
        index.set(v, next);
        low.set(v, next++);
        stack.push(v);
        onStack.add(v);
        work.push({ v, it: (this.out.get(v)?.keys() ?? [].values())[Symbol.iterator]() });
      };
      enter(root);
      while (work.length) {
        const top = work[work.length - 1];
        const n = top.it.next();
        if (!n.done) {
          const w = n.value;
          if (!index.has(w)) enter(w);
          else if (onStack.has(w)) low.set(top.v, Math.min(low.get(top.v) as number, index.get(w) as number));
          continue;
        }
        work.pop();
        if (work.length) {
          const parent = work[work.length - 1].v;
          low.set(parent, Math.min(low.get(parent) as number, low.get(top.v) as number));
        }
        if (low.get(top.v) !== index.get(top.v)) continue;
        const comp: number[] = [];
        let w: number;
        do {
          w = stack.pop() as number;
          onStack.delete(w);
          comp.push(w);
        } while (w !== top.v);
        if (comp.length > 1) out.push(comp.sort((a, b) => a - b));
      }
    }
    return out;
  }

  /** One cycle per non-trivial component, in the weakest class that has one. */
  cycles(maxTries = 5000): Cycle[] {
    return this.components().map((c) => this.explain(new Set(c), maxTries));
  }

  private explain(comp: Set<number>, maxTries: number): Cycle {
    const plain: [CycleClass, CycleClass, CycleClass, CycleClass] = ['G0', 'G1c', 'G-single', 'G2'];
    const realtime: [CycleClass, CycleClass, CycleClass, CycleClass] = ['G0-realtime', 'G1c-realtime', 'G-single-realtime', 'G2-realtime'];
    for (const [names, rt] of [[plain, 0], [realtime, BIT.rt]] as const) {
      const ww = BIT.ww | rt;
      const wwr = ww | BIT.wr;
      let steps = this.anyCycle(comp, ww);
      if (steps) return { class: names[0], steps };
      steps = this.anyCycle(comp, wwr);
      if (steps) return { class: names[1], steps };
      steps = this.singleRw(comp, wwr, maxTries);
      if (steps) return { class: names[2], steps };
      steps = this.anyCycle(comp, wwr | BIT.rw);
      if (steps) return { class: names[3], steps };
    }
    // A component always has a cycle over all its edges.
    throw new Error('component without a cycle');
  }

  /** Shortest path from `from` to `to` inside comp over edges with any of `mask`; the nodes after `from`. */
  private path(comp: Set<number>, mask: number, from: number, to: number): number[] | undefined {
    const prev = new Map<number, number>([[from, from]]);
    let frontier = [from];
    while (frontier.length) {
      const nextFrontier: number[] = [];
      for (const v of frontier) {
        for (const [w, bits] of this.out.get(v) ?? []) {
          if (!(bits & mask) || !comp.has(w)) continue;
          if (w === to) {
            const p = [to];
            for (let u = v; u !== from; u = prev.get(u) as number) p.push(u);
            return p.reverse();
          }
          if (prev.has(w)) continue;
          prev.set(w, v);
          nextFrontier.push(w);
        }
      }
      frontier = nextFrontier;
    }
    return undefined;
  }

  /** A shortest cycle through any node of comp using only edges in `mask`. */
  private anyCycle(comp: Set<number>, mask: number): CycleStep[] | undefined {
    let best: number[] | undefined;
    for (const v of comp) {
      const p = this.path(comp, mask, v, v);
      if (p && (!best || p.length < best.length - 1)) best = [v, ...p];
      if (best && best.length === 3) break;
    }
    return best && this.stepsOf(best, mask);
  }

  /** A cycle with exactly one rw edge, the rest in `mask`. */
  private singleRw(comp: Set<number>, mask: number, maxTries: number): CycleStep[] | undefined {
    let tries = 0;
    for (const v of comp) {
      for (const [w, bits] of this.out.get(v) ?? []) {
        if (!(bits & BIT.rw) || !comp.has(w)) continue;
        if (++tries > maxTries) return undefined;
        const back = this.path(comp, mask, w, v);
        if (back) return [this.step(v, w, BIT.rw), ...this.stepsOf([w, ...back], mask)];
      }
    }
    return undefined;
  }

  private stepsOf(nodes: number[], mask: number): CycleStep[] {
    const steps: CycleStep[] = [];
    for (let i = 0; i + 1 < nodes.length; i++) steps.push(this.step(nodes[i], nodes[i + 1], mask));
    return steps;
  }

  private step(from: number, to: number, preferred: number): CycleStep {
    const bits = this.out.get(from)?.get(to) ?? 0;
    const order: EdgeKind[] = ['ww', 'wr', 'rw', 'rt'];
    const used = order.filter((k) => bits & BIT[k] & preferred);
    const kinds = [...used, ...order.filter((k) => bits & BIT[k] && !used.includes(k))];
    const s: CycleStep = { from, to, kinds };
    const dataKind = kinds.find((k) => k !== 'rt');
    const key = dataKind && this.keys.get(`${from}>${to}>${dataKind}`);
    if (key !== undefined) s.key = key;
    return s;
  }
}

/**
 * Real-time edges without the quadratic blow-up (Elle's approach): T1 → T2
 * when T1 returned before T2 was called, listing only T1s on the "frontier"
 * (completed, and not themselves followed in real time by another completed
 * one before T2's call); the rest follow by transitivity.
 *  - `ret` undefined: the transaction never completed (unknown outcome): it
 *    may have taken effect at any time after its call, so it only receives
 *    edges.
 */
export function addRealtimeEdges(g: DependencyGraph, txns: { id: number; call: number; ret?: number }[]): void {
  type Ev = { t: number; type: 0 | 1; id: number; call: number };
  const events: Ev[] = [];
  for (const t of txns) {
    events.push({ t: t.call, type: 1, id: t.id, call: t.call });
    if (t.ret !== undefined) events.push({ t: t.ret, type: 0, id: t.id, call: t.call });
  }
  // At equal times a completion is not "before" a call: calls first.
  events.sort((a, b) => a.t - b.t || b.type - a.type);
  let frontier: { id: number; ret: number }[] = [];
  for (const e of events) {
    if (e.type === 1) {
      for (const f of frontier) if (f.ret < e.t) g.add(f.id, e.id, 'rt');
      continue;
    }
    // e completes: whatever completed before e was called now precedes e.
    frontier = frontier.filter((f) => !(f.ret < e.call));
    frontier.push({ id: e.id, ret: e.t });
  }
}
