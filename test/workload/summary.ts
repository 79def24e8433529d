/** What a run found, and the lines that print it (the last line is fixed by issue 3). */
import type { History, Operation } from '../checker/history';
import type { StatsSnapshot } from '../support/emulator-stats';
import type { StoredLayout } from './cluster';
import { commandOf } from './client';
import { placeOf } from './families';
import { FAULT_CLASSES, type FaultClass, type WorkloadKind } from './options';

export type Linearizable = 'true' | 'false' | 'unknown';

export interface FaultRow {
  injected: number;
  /** Workload operations in flight when a fault of this class fired (transaction workloads: those checked). */
  opsInFlight: number;
  /** Transaction workloads: transactions checked that were in flight when a fault of this class fired. */
  txnsInFlight?: number;
}

/** What a transaction workload (bank, list-append) sent and what its checks found. */
export interface TxnSummary {
  /** Transactions begun (bank: transfer attempts and audits; list-append: the final reads apart). */
  total: number;
  /** By outcome: ok, aborted, unknown (bank also: refused, an overdraft the client or script declined). */
  outcomes: Record<string, number>;
  /** By how they were sent: cas-set, cas-incr, eval, mget, gets, multi… */
  byVia: Record<string, number>;
  /** Transactions the checks took into account (final reads included). */
  checked: number;
  /** Anomalies found, by kind, and the first few in words. */
  anomalies: Record<string, number>;
  examples: string[];
  /** One line on what the check covered (edges, audits…). */
  detail: string;
}

export interface WorkloadSummary {
  workload?: WorkloadKind;
  /** db.json's format and page objects after the run (emulator S3 only): format 4 means the run was paged. */
  layout?: StoredLayout;
  seed: number;
  /** Workload operations (the final reads are counted apart). */
  ops: number;
  ok: number;
  failed: number;
  pending: number;
  keys: number;
  /** Workload operations by command (INCRBY, SET … PX told apart). */
  kinds?: Record<string, number>;
  linearizable: Linearizable;
  /** ok / ops. */
  successRatio: number;
  /** Failed and pending operations by cause: TRYAGAIN, UNKNOWN, ERR…, timeout, connection-lost, malformed. */
  errors: Record<string, number>;
  faults: Partial<Record<FaultClass, FaultRow>>;
  finalReads: { keys: number; answered: number; withValue: number };
  /** Operations the checker considered (final reads included) and dropped. */
  opsChecked: number;
  opsDropped: number;
  checkMs: number;
  violations: number;
  /** Keys the checker could not decide in its budget. */
  unknownKeys: number;
  runMs: number;
  drainMs: number;
  emulator?: StatsSnapshot;
  /** Transaction workloads only. */
  txns?: TxnSummary;
  /** The checker's skew bound (ms): the slack of every expiry window. */
  clockSkewMs?: number;
  /** With clock_skew: how many handler clocks ran, and their offsets' range. */
  clocks?: { instances: number; minMs: number; maxMs: number };
  reportPath?: string;
  historyPath?: string;
  lastLine: string;
}

export function tally(ops: Operation[]): { ok: number; failed: number; pending: number; errors: Record<string, number> } {
  let ok = 0;
  let failed = 0;
  let pending = 0;
  const errors: Record<string, number> = {};
  for (const op of ops) {
    if (op.output.kind === 'pending') pending++;
    else if (op.output.kind === 'error') {
      failed++;
      const word = op.output.message.split(/\s/, 1)[0] || 'error';
      errors[word] = (errors[word] ?? 0) + 1;
    } else ok++;
  }
  return { ok, failed, pending, errors };
}

/** Operations by command as sent: GET, SET, SET PX, INCR, INCRBY, PEXPIRE, PTTL, DEL, FLUSHALL; HSET, ZINCRBY … on aggregate registers. */
export function kindsOf(ops: Operation[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { input: i } of ops) {
    const inAggregate = i.op !== 'flushall' && placeOf(i.key) ? commandOf(i)[0] : undefined;
    const k = inAggregate ?? (i.op === 'set' && i.px !== undefined ? 'SET PX' : i.op === 'incr' && i.by !== undefined ? 'INCRBY' : i.op.toUpperCase());
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

const counts = (m: Record<string, number>): string =>
  Object.entries(m)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}=${v}`)
    .join(' ') || 'none';

function txnLines(t: TxnSummary, noun: string): string[] {
  const lines = [`${noun}: ${t.total} (${counts(t.outcomes)}) sent as ${counts(t.byVia)}; ${t.checked} checked; ${t.detail}`];
  lines.push(`anomalies: ${counts(t.anomalies)}`);
  for (const e of t.examples) lines.push(`  ${e.split('\n').join('\n  ')}`);
  return lines;
}

export function distinctKeys(history: History): number {
  return new Set(history.filter((o) => o.key !== undefined).map((o) => o.key)).size;
}

export function lastLine(s: Pick<WorkloadSummary, 'ops' | 'ok' | 'failed' | 'pending' | 'keys' | 'linearizable' | 'seed'>): string {
  return `ops=${s.ops} ok=${s.ok} failed=${s.failed} pending=${s.pending} keys=${s.keys} linearizable=${s.linearizable} seed=${s.seed}`;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

export function summaryLines(s: WorkloadSummary): string[] {
  const lines: string[] = [];
  const secs = s.runMs / 1000;
  lines.push(`run: ${secs.toFixed(1)} s of operations (${(s.ops / Math.max(secs, 0.001)).toFixed(0)} ops/s) + ${(s.drainMs / 1000).toFixed(1)} s for the last replies`);
  if (s.kinds) lines.push(`commands: ${Object.entries(s.kinds).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const errs = Object.entries(s.errors).sort((a, b) => b[1] - a[1]);
  lines.push(`not ok: ${errs.length ? errs.map(([k, v]) => `${k}=${v}`).join(' ') : 'none'}`);
  const rows = FAULT_CLASSES.filter((c) => s.faults[c]);
  if (rows.length) {
    const txn = s.txns !== undefined;
    lines.push(txn ? 'faults: class  injected  ops checked / transactions checked in flight when injected' : 'faults: class  injected  ops in flight when injected');
    for (const c of rows) {
      const r = s.faults[c] as FaultRow;
      lines.push(`  ${c.padEnd(18)} ${String(r.injected).padStart(7)}  ${String(r.opsInFlight).padStart(7)}${txn ? `  ${String(r.txnsInFlight ?? 0).padStart(7)}` : ''}`);
    }
  }
  if (s.txns) lines.push(...txnLines(s.txns, s.workload === 'queue' ? 'operations' : 'transactions'));
  if (s.clocks) {
    const ms = (n: number): string => `${n > 0 ? '+' : ''}${n}`;
    lines.push(`clocks: ${s.clocks.instances} handler clocks, offsets ${ms(s.clocks.minMs)}..${ms(s.clocks.maxMs)} ms; the checker's skew bound ${s.clockSkewMs} ms`);
  }
  if (s.layout) lines.push(`layout: db.json format ${s.layout.format}, ${s.layout.pages} page objects${s.layout.format === 4 ? ' (paged)' : ''}`);
  if (s.emulator) {
    const e = s.emulator;
    // With RGW underneath, the emulator sees the invokes but none of the S3 requests.
    const s3 = e.s3Gets + e.s3Puts > 0 ? ` s3Gets=${e.s3Gets} (304: ${e.s3NotModified}) s3Puts=${e.s3Puts} applied=${e.s3PutsApplied} conflicts=${e.s3Conflicts} 5xx=${e.s3Errors5xx}` : '';
    lines.push(`emulator: invocations=${e.invocations} throttles=${e.throttles} functionErrors=${e.functionErrors}${s3}`);
  }
  lines.push(
    s.workload === 'queue'
      ? `drain (faults off, fresh connections): ${s.finalReads.keys} lists, ${s.finalReads.answered} drained to empty, ${s.finalReads.withValue} elements popped`
      : `final reads (faults off, fresh connections): ${s.finalReads.keys} keys, ${s.finalReads.answered} answered, ${s.finalReads.withValue} hold a value`,
  );
  if (s.workload === 'list-append') {
    lines.push(`check: ${s.opsChecked} reads and appends checked over ${s.keys} keys in ${s.checkMs.toFixed(0)} ms; anomalies: ${s.violations}`);
  } else if (s.workload === 'queue') {
    lines.push(`check: ${s.opsChecked} pushes and pops checked over ${s.keys} lists in ${s.checkMs.toFixed(0)} ms; violations: ${s.violations}`);
  } else {
    lines.push(
      `check: ${s.opsChecked} operations checked (${s.opsDropped} dropped: not applied, or unanswered GETs) over ${s.keys} keys in ${s.checkMs.toFixed(0)} ms; ` +
        `violations: ${s.violations} keys${s.unknownKeys ? `, undecided: ${s.unknownKeys} keys` : ''}`,
    );
  }
  lines.push(`success ratio: ${pct(s.successRatio)} (ok ${s.ok} of ${s.ops})`);
  if (s.reportPath) lines.push(`report: ${s.reportPath}`);
  if (s.historyPath) lines.push(`history: ${s.historyPath}`);
  lines.push(s.lastLine);
  return lines;
}
