/**
 * The queue model's check (the workload's `--workload queue`): clients push
 * unique elements at the head of a few lists (LPUSH) and pop them at the
 * tail (RPOP, BRPOP), so each list must behave as a linearizable FIFO queue.
 *
 * Per list, over the recorded operations (call and return times on one
 * clock; an operation without a reply stays open to the end):
 *  - duplicate: an element popped twice (by acknowledged pops);
 *  - phantom: an element popped that no push of this list sent, or that a
 *    push that surely failed sent, or popped before its push was called;
 *  - lost: acknowledged pushes never popped (the run ends with a drain,
 *    faults off), more of them than there are pops without a reply on the
 *    list (each of which may have consumed one);
 *  - order: pushes a then b, a acknowledged before b was called, both
 *    popped, but b's pop returned before a's pop was called (FIFO broken in
 *    real time);
 *  - empty: a pop answered "nothing" while an element was surely in the
 *    list throughout: its push returned before the pop was called, and the
 *    pop that took it was called after this one returned.
 * Each rule only reports what no linearization of a FIFO queue allows, so
 * a finding is a real violation (the check is sound; it is not complete).
 */
export type QueueOutcome = 'ok' | 'failed' | 'unknown';

export interface QueueOp {
  id: number;
  client: number;
  kind: 'push' | 'pop';
  /** The list's key. */
  queue: string;
  /** push: the element; pop (ok): the element popped, null when the list was empty. */
  value: string | null;
  via: 'lpush' | 'rpop' | 'brpop' | 'drain';
  call: number;
  ret?: number;
  outcome: QueueOutcome;
  error?: string;
}

export interface QueueViolation {
  kind: 'duplicate' | 'phantom' | 'lost' | 'order' | 'empty';
  queue: string;
  message: string;
}

export interface QueueResult {
  valid: boolean;
  queues: number;
  pushes: number;
  pops: number;
  violations: QueueViolation[];
}

const end = (o: QueueOp): number => o.ret ?? Infinity;

export function checkQueues(ops: readonly QueueOp[]): QueueResult {
  const byQueue = new Map<string, QueueOp[]>();
  for (const o of ops) {
    if (!byQueue.has(o.queue)) byQueue.set(o.queue, []);
    (byQueue.get(o.queue) as QueueOp[]).push(o);
  }
  const violations: QueueViolation[] = [];
  for (const [queue, qops] of byQueue) violations.push(...checkOne(queue, qops));
  return {
    valid: violations.length === 0,
    queues: byQueue.size,
    pushes: ops.filter((o) => o.kind === 'push').length,
    pops: ops.filter((o) => o.kind === 'pop').length,
    violations,
  };
}

function checkOne(queue: string, ops: QueueOp[]): QueueViolation[] {
  const out: QueueViolation[] = [];
  const v = (kind: QueueViolation['kind'], message: string) => out.push({ kind, queue, message: `${queue}: ${message}` });
  const pushes = new Map<string, QueueOp>();
  for (const o of ops) if (o.kind === 'push' && o.value !== null) pushes.set(o.value, o);
  const popsOk = ops.filter((o) => o.kind === 'pop' && o.outcome === 'ok');
  const popOf = new Map<string, QueueOp>();
  for (const p of popsOk) {
    if (p.value === null) continue;
    const push = pushes.get(p.value);
    if (popOf.has(p.value)) v('duplicate', `${p.value} popped twice (ops ${popOf.get(p.value)?.id} and ${p.id})`);
    else popOf.set(p.value, p);
    if (!push) v('phantom', `${p.value} popped (op ${p.id}) but never pushed to this list`);
    else if (push.outcome === 'failed') v('phantom', `${p.value} popped (op ${p.id}) though its push (op ${push.id}) failed`);
    else if (end(p) < push.call) v('phantom', `${p.value} popped (op ${p.id}) before its push (op ${push.id}) was called`);
  }
  const unknownPops = ops.filter((o) => o.kind === 'pop' && o.outcome === 'unknown').length;
  const lost = [...pushes.values()].filter((p) => p.outcome === 'ok' && !popOf.has(p.value as string));
  if (lost.length > unknownPops) v('lost', `${lost.length} acknowledged pushes never popped (e.g. ${lost.slice(0, 3).map((p) => p.value).join(', ')}), only ${unknownPops} pops without a reply could have taken them`);
  // Real-time FIFO: among popped elements, pushes ordered by completion → pops not reversed.
  const popped = [...popOf.entries()].flatMap(([val, pop]) => (pushes.has(val) ? [{ push: pushes.get(val) as QueueOp, pop }] : []));
  popped.sort((a, b) => a.push.call - b.push.call);
  for (const a of popped) {
    for (const b of popped) {
      if (a.push.ret !== undefined && a.push.ret < b.push.call && end(b.pop) < a.pop.call) {
        v('order', `${a.push.value} was pushed before ${b.push.value} (ops ${a.push.id} < ${b.push.id}) but popped after it (ops ${a.pop.id} > ${b.pop.id})`);
      }
    }
  }
  for (const e of popsOk.filter((p) => p.value === null)) {
    const there = popped.find((x) => x.push.ret !== undefined && x.push.ret < e.call && x.pop.call > end(e));
    if (there) v('empty', `pop op ${e.id} found the list empty while ${there.push.value} was in it (pushed by op ${there.push.id}, popped later by op ${there.pop.id})`);
  }
  return out;
}
