/**
 * The list-append workload's run: clients on keys that rotate, a read of
 * every key after the run (each its own transaction, so a lost append
 * shows), and the Elle-style check (list-append.ts).
 */
import { checkListAppend } from '../checker/list-append';
import type { AppendTxn } from '../checker/txn';
import { prng } from '../support/faults';
import { AppendClient, isStreamKey, type AppendContext } from './append-client';
import { connContext, countBy, perProxy, spreadClients, type Interval, type RunEnv, type TxnRun, type TxnVerdict } from './txn-run';

export function appendRun(env: RunEnv): TxnRun {
  const { opts } = env;
  const txns: AppendTxn[] = [];
  // With the types on, every other key is a stream (append-client.ts).
  const keysOf = (r: number): string[] => Array.from({ length: opts.keys }, (_, k) => `${opts.types && k % 2 === 1 ? 'lx' : 'la'}:${env.runId}:${r}:${k}`);
  const ctx = (stopped: () => boolean): AppendContext => ({
    txns,
    now: () => performance.now(),
    hotKeys: () => keysOf(env.rotation()),
    maxOps: opts.txnOps,
    ...connContext(env, stopped),
  });
  const clients = spreadClients(env, (id, proxy, addr, rand) => new AppendClient(id, proxy, addr, rand, ctx(env.stopped)));
  let workload = 0;
  return {
    clients,
    count: () => txns.length,
    async finalReads() {
      workload = txns.length;
      const until = performance.now() + 60_000;
      const keys = Array.from({ length: env.maxRotation() + 1 }, (_, r) => keysOf(r)).flat();
      await perProxy(env.addresses, keys, async (addr, p, mine) => {
        const c = new AppendClient(opts.clients + p, p, addr, prng(p), ctx(() => performance.now() > until));
        for (const key of mine) await c.finalRead(key);
        c.close();
      });
      const finals = txns.slice(workload);
      const values = finals.flatMap((t) => (t.outcome === 'ok' ? t.ops : [])).map((o) => (o.f === 'read' ? o.value : undefined));
      return { keys: keys.length, answered: values.length, withValue: values.filter((v) => v !== null && v !== undefined).length };
    },
    check: () => verdict(txns, workload),
  };
}

function verdict(txns: AppendTxn[], workload: number): TxnVerdict {
  const t0 = performance.now();
  const r = checkListAppend(txns);
  const checkMs = performance.now() - t0;
  const run = txns.slice(0, workload);
  const inGraph = new Set(r.checkedIds);
  const checkedTxns = run.filter((t) => inGraph.has(t.id));
  // One interval per read or append, for the per-fault-class counts of operations.
  const checkedOps: Interval[] = checkedTxns.flatMap((t) => t.ops.map(() => t));
  const outcomes = countBy(run, (t) => t.outcome);
  const anomalies = countBy(r.anomalies, (a) => (a.kind === 'cycle' ? `cycle-${a.cycle?.class}` : a.kind));
  return {
    linearizable: r.valid ? 'true' : 'false',
    txns: {
      total: run.length,
      outcomes,
      byVia: countBy(run, (t) => t.via),
      checked: r.txnsChecked,
      anomalies,
      examples: r.anomalies.slice(0, 5).map((a) => a.message),
      detail: `${r.opsChecked} reads and appends over ${r.keys} keys (${run.flatMap((t) => t.ops).filter((o) => isStreamKey(o.key)).length} on streams); ${r.edges} dependency edges (ww, wr, rw, real time), acyclic: ${!r.anomalies.some((a) => a.kind === 'cycle')}`,
    },
    counts: {
      ops: run.length,
      ok: outcomes.ok ?? 0,
      failed: outcomes.aborted ?? 0,
      pending: outcomes.unknown ?? 0,
      keys: r.keys,
      errors: countBy(run.filter((t) => t.error), (t) => (t.error as string).split(/\s/, 1)[0] || 'error'),
      kinds: countBy(run, (t) => t.via.toUpperCase()),
    },
    opsChecked: r.opsChecked,
    opsDropped: 0,
    violations: r.anomalies.length,
    unknownKeys: 0,
    checkMs,
    checkedOps,
    checkedTxns,
    report: r.anomalies.map((a) => a.message).join('\n\n'),
    history: { txns },
  };
}
