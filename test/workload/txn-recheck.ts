/**
 * `--check FILE` for a bank, list-append or queue run's history.json: the same
 * checks on the saved history, without a cluster (the counts cover the
 * final reads too).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkBank, type BankHistory } from '../checker/bank';
import { check } from '../checker/check';
import type { History } from '../checker/history';
import { formatReport } from '../checker/report';
import { checkListAppend } from '../checker/list-append';
import type { AppendTxn } from '../checker/txn';
import { checkQueues, type QueueOp } from '../checker/queue';
import { distinctKeys, lastLine, tally, type Linearizable, type WorkloadSummary } from './summary';

export interface SavedTxnRun {
  seed: number;
  workload: 'bank' | 'list-append' | 'queue';
  clockSkewMs?: number;
  bank?: BankHistory;
  ops?: History;
  txns?: AppendTxn[];
  queueOps?: QueueOp[];
}

export function recheckTxn(saved: SavedTxnRun, file: string, log: (l: string) => void): Pick<WorkloadSummary, 'linearizable' | 'lastLine'> {
  let linearizable: Linearizable;
  let messages: string[];
  let counts: Pick<WorkloadSummary, 'ops' | 'ok' | 'failed' | 'pending' | 'keys'>;
  if (saved.workload === 'bank') {
    const ops = saved.ops ?? [];
    const perKey = check(ops, { timeoutMs: 600_000, clockSkewMs: saved.clockSkewMs ?? 0 });
    const bank = checkBank(saved.bank ?? { initial: 0, banks: {}, transfers: [], audits: [] });
    linearizable = perKey.result === 'illegal' || !bank.valid ? 'false' : perKey.result === 'unknown' ? 'unknown' : 'true';
    messages = [...bank.anomalies.map((a) => a.message), ...(perKey.result === 'ok' ? [] : [formatReport(perKey)])];
    log(`bank: ${bank.auditsChecked} audits checked, ${bank.anomalies.length} anomalies; per-key: ${perKey.opsChecked} operations, ${perKey.violations.length} keys not linearizable`);
    counts = { ...tally(ops), ops: ops.length, keys: distinctKeys(ops) };
  } else if (saved.workload === 'queue') {
    const ops = saved.queueOps ?? [];
    const r = checkQueues(ops);
    linearizable = r.valid ? 'true' : 'false';
    messages = r.violations.map((v) => v.message);
    log(`queue: ${r.pushes} pushes and ${r.pops} pops over ${r.queues} lists checked, ${r.violations.length} violations`);
    const by = (o: string): number => ops.filter((x) => x.outcome === o).length;
    counts = { ops: ops.length, ok: by('ok'), failed: by('failed'), pending: by('unknown'), keys: r.queues };
  } else {
    const txns = saved.txns ?? [];
    const r = checkListAppend(txns);
    linearizable = r.valid ? 'true' : 'false';
    messages = r.anomalies.map((a) => a.message);
    log(`list-append: ${r.txnsChecked} transactions checked, ${r.edges} edges, ${r.anomalies.length} anomalies`);
    const by = (o: string): number => txns.filter((t) => t.outcome === o).length;
    counts = { ops: txns.length, ok: by('ok'), failed: by('aborted'), pending: by('unknown'), keys: r.keys };
  }
  for (const m of messages.slice(0, 5)) log(`  ${m.split('\n').join('\n  ')}`);
  if (messages.length) {
    const report = join(dirname(file), 'report.txt');
    writeFileSync(report, `${messages.join('\n\n')}\n`);
    log(`report: ${report}`);
  }
  const line = lastLine({ ...counts, linearizable, seed: saved.seed });
  log(line);
  return { linearizable, lastLine: line };
}
