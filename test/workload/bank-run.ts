/**
 * The bank workload's run: clients, a new bank per rotation (accounts are
 * offsets from INITIAL, so a bank needs no set-up), the final audits, and
 * the checks: bank.ts on the transfers and audits, and the per-key
 * linearizability check on every command inside them.
 */
import { checkBank, type BankAudit, type BankTransfer } from '../checker/bank';
import { check, isDropped } from '../checker/check';
import { HistoryRecorder } from '../checker/history';
import { formatReport } from '../checker/report';
import { prng } from '../support/faults';
import { BankClient, type BankContext } from './bank-client';
import { distinctKeys, kindsOf, tally } from './summary';
import { connContext, countBy, perProxy, spreadClients, type RunEnv, type TxnRun, type TxnVerdict } from './txn-run';

/** Every account's balance at the start. */
export const INITIAL = 100;
/** Transfers move 1..MAX_AMOUNT: a few can overdraw an account, which must be refused. */
export const MAX_AMOUNT = 30;
const CAS_RETRIES = 5;

export function bankRun(env: RunEnv): TxnRun {
  const { opts } = env;
  const recorder = new HistoryRecorder();
  const transfers: BankTransfer[] = [];
  const audits: BankAudit[] = [];
  const banks: Record<string, string[]> = {};
  let nextId = 0;
  const bankOf = (r: number): { name: string; accounts: string[] } => {
    const name = `bank:${env.runId}:${r}`;
    banks[name] ??= Array.from({ length: opts.accounts }, (_, k) => `${name}:${k}`);
    return { name, accounts: banks[name] };
  };
  const ctx = (stopped: () => boolean): BankContext => ({
    recorder,
    transfers,
    audits,
    nextId: () => nextId++,
    now: () => performance.now(),
    bank: () => bankOf(env.rotation()),
    initial: INITIAL,
    maxAmount: MAX_AMOUNT,
    casRetries: CAS_RETRIES,
    ...connContext(env, stopped),
  });
  const clients = spreadClients(env, (id, proxy, addr, rand) => new BankClient(id, proxy, addr, rand, ctx(env.stopped)));
  let workload = { ops: 0, transfers: 0, audits: 0 };
  return {
    clients,
    count: () => transfers.length + audits.length,
    async finalReads() {
      workload = { ops: recorder.size, transfers: transfers.length, audits: audits.length };
      const until = performance.now() + 60_000;
      const names = Object.keys(banks);
      await perProxy(env.addresses, names, async (addr, p, mine) => {
        const c = new BankClient(opts.clients + p, p, addr, prng(p), ctx(() => performance.now() > until));
        for (const name of mine) await c.audit(name, banks[name], 'final');
        c.close();
      });
      const finals = audits.slice(workload.audits);
      const values = finals.flatMap((a) => a.values ?? []);
      return { keys: names.length * opts.accounts, answered: values.length, withValue: values.filter((v) => v !== null).length };
    },
    check: () => verdict(env, recorder, { initial: INITIAL, banks, transfers, audits }, workload),
  };
}

function verdict(env: RunEnv, recorder: HistoryRecorder, h: Parameters<typeof checkBank>[0], workload: { ops: number; transfers: number; audits: number }): TxnVerdict {
  const history = recorder.history();
  const ops = history.slice(0, workload.ops);
  const perKey = check(history, { timeoutMs: env.opts.checkTimeoutMs, clockSkewMs: env.clockSkewMs });
  const bank = checkBank(h);
  const linearizable = perKey.result === 'illegal' || !bank.valid ? 'false' : perKey.result === 'unknown' ? 'unknown' : 'true';
  const txns = [...h.transfers.slice(0, workload.transfers), ...h.audits.slice(0, workload.audits)];
  const checkedTxns = txns.filter((t) => t.outcome !== 'aborted');
  const anomalies = countBy(bank.anomalies, (a) => a.kind);
  if (perKey.violations.length) anomalies['not-linearizable-key'] = perKey.violations.length;
  const t = tally(ops);
  const report = [...bank.anomalies.map((a) => a.message), '', formatReport(perKey)].join('\n');
  return {
    linearizable,
    txns: {
      total: txns.length,
      outcomes: countBy(txns, (x) => x.outcome),
      byVia: { ...countBy(h.transfers.slice(0, workload.transfers), (x) => x.via), ...countBy(h.audits.slice(0, workload.audits), (x) => `audit-${x.via}`) },
      checked: checkedTxns.length + (h.audits.length - workload.audits),
      anomalies,
      examples: [...bank.anomalies.slice(0, 4).map((a) => a.message), ...perKey.violations.slice(0, 2).map((v) => `key ${v.key} is not linearizable (see the report)`)],
      detail: `${bank.auditsChecked} audits checked (totals, overdrafts, every balance against the transfers); transfers ${Object.entries(bank.transfers).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    },
    counts: { ops: ops.length, ok: t.ok, failed: t.failed, pending: t.pending, keys: distinctKeys(ops), errors: t.errors, kinds: kindsOf(ops) },
    opsChecked: perKey.opsChecked,
    opsDropped: perKey.opsDropped,
    violations: perKey.violations.length,
    unknownKeys: [...perKey.perKey.values()].filter((k) => k.result === 'unknown').length,
    checkMs: perKey.elapsedMs,
    checkedOps: ops.filter((o) => !isDropped(o)),
    checkedTxns,
    report,
    history: { bank: h, ops: history },
  };
}
