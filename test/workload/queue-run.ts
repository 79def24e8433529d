/**
 * The queue workload's run (issue 14): clients LPUSH unique elements and
 * RPOP/BRPOP them from --keys lists; after the run, faults off, every list
 * is drained; then each list must have behaved as a linearizable FIFO queue
 * (checker/queue.ts): nothing popped twice, nothing acknowledged lost,
 * nothing popped out of order, no pop answered "empty" over an element.
 */
import { checkQueues, type QueueOp } from '../checker/queue';
import { prng } from '../support/faults';
import { QueueClient, type QueueContext } from './queue-client';
import { connContext, countBy, perProxy, spreadClients, type Interval, type RunEnv, type TxnRun, type TxnVerdict } from './txn-run';

/** BRPOP's timeouts: below, at and above the default block poll (1 s), fractional as clients send them. */
export const BLOCK_SECONDS = [0.05, 0.3, 1.5] as const;

/** How long the drain may take, faults off. */
const DRAIN_MS = 60_000;

export function queueRun(env: RunEnv): TxnRun {
  const { opts } = env;
  const ops: QueueOp[] = [];
  const queues = Array.from({ length: opts.keys }, (_, k) => `queue:${env.runId}:${k}`);
  const ctx = (stopped: () => boolean): QueueContext => ({
    ops,
    now: () => performance.now(),
    queues,
    blockSeconds: BLOCK_SECONDS,
    ...connContext(env, stopped),
  });
  const clients = spreadClients(env, (id, proxy, addr, rand) => new QueueClient(id, proxy, addr, rand, ctx(env.stopped)));
  let workload = 0;
  return {
    clients,
    count: () => ops.length,
    async finalReads() {
      workload = ops.length;
      const until = performance.now() + DRAIN_MS;
      await perProxy(env.addresses, queues, async (addr, p, mine) => {
        const c = new QueueClient(opts.clients + p, p, addr, prng(p), ctx(() => performance.now() > until));
        for (const q of mine) await c.drain(q, until);
        c.close();
      });
      const drains = ops.slice(workload);
      const answered = new Set(drains.filter((o) => o.outcome === 'ok' && o.value === null).map((o) => o.queue));
      return { keys: queues.length, answered: answered.size, withValue: drains.filter((o) => o.outcome === 'ok' && o.value !== null).length };
    },
    check: () => verdict(ops, workload),
  };
}

function verdict(ops: QueueOp[], workload: number): TxnVerdict {
  const t0 = performance.now();
  const r = checkQueues(ops);
  const checkMs = performance.now() - t0;
  const run = ops.slice(0, workload);
  const outcomes = countBy(run, (o) => o.outcome);
  const checked: Interval[] = ops;
  return {
    linearizable: r.valid ? 'true' : 'false',
    txns: {
      total: run.length,
      outcomes,
      byVia: countBy(run, (o) => (o.via === 'lpush' ? 'lpush' : `${o.via}-${o.value === null ? 'empty' : 'element'}`)),
      checked: ops.length,
      anomalies: countBy(r.violations, (v) => v.kind),
      examples: r.violations.slice(0, 5).map((v) => v.message),
      detail: `${r.pushes} pushes and ${r.pops} pops (drain included) over ${r.queues} lists, each checked as a FIFO queue`,
    },
    counts: {
      ops: run.length,
      ok: outcomes.ok ?? 0,
      failed: outcomes.failed ?? 0,
      pending: outcomes.unknown ?? 0,
      keys: r.queues,
      errors: countBy(run.filter((o) => o.error), (o) => (o.error as string).split(/\s/, 1)[0] || 'error'),
      kinds: countBy(run, (o) => o.via.toUpperCase()),
    },
    opsChecked: ops.length,
    opsDropped: 0,
    violations: r.violations.length,
    unknownKeys: 0,
    checkMs,
    checkedOps: checked.slice(0, workload),
    checkedTxns: checked.slice(0, workload),
    report: r.violations.map((v) => v.message).join('\n'),
    history: { queueOps: ops },
  };
}
