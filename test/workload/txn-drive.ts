/**
 * The transaction workloads' run (issue 12): bank and list-append — and the
 * queue workload (issue 14), which has the same shape — on the
 * same cluster, faults, proxy kills and summary as the register workload
 * (workload.ts). C clients on K proxies run seeded transactions until
 * --seconds (or --ops transactions); then faults go off, every key is read
 * once more (queue: every list drained), and the workload's checks run on the whole history.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MAX_CLOCK_SKEW_MS } from '../../lambda/handler';
import { appendRun } from './append-run';
import { bankRun } from './bank-run';
import { queueRun } from './queue-run';
import type { Cluster } from './cluster';
import { FaultTrace } from './fault-trace';
import { PROXY_KILL, checkerSkewMs, parseFaults, type FaultClass, type WorkloadOptions } from './options';
import { processFaults, runAllClients } from './run-support';
import { lastLine, summaryLines, type WorkloadSummary } from './summary';
import type { Interval, RunEnv, TxnRun, TxnVerdict } from './txn-run';

function brokenModes(cluster: Cluster, split: boolean): string[] {
  const f = cluster.emulator?.faults;
  return [
    f?.ignorePreconditions ? 'storage IGNORES preconditions' : '',
    f?.unsafeLocalExpiry ? 'handlers answer "expired" on their own clock WITHOUT committing it' : '',
    f?.unsafeIgnoreWatch ? 'handlers IGNORE WATCH' : '',
    split ? "proxies SPLIT transactions (MULTI's commands sent one by one)" : '',
  ].filter(Boolean);
}

function announce(opts: WorkloadOptions, cluster: Cluster, runId: string, split: boolean, log: (l: string) => void): void {
  const broken = brokenModes(cluster, split);
  const size = opts.workload === 'bank' ? `accounts=${opts.accounts}` : opts.workload === 'queue' ? `lists=${opts.keys}` : `keys=${opts.keys} txn-ops=${opts.txnOps}`;
  log(
    `workload ${opts.workload}: seed=${opts.seed} seconds=${opts.seconds}${opts.maxTxns ? ` ops=${opts.maxTxns}` : ''} proxies=${cluster.addresses.length} clients=${opts.clients} ${size} ` +
      `rotate=${opts.rotateMs / 1000}s faults=${opts.faults}${broken.length ? ` (${broken.join('; ')}: a broken mode)` : ''} storage=${cluster.storage} run=${runId}`,
  );
}

/** Runs the clients (and the proxy kills) to the end of the run and the last replies. */
async function runClients(opts: WorkloadOptions, cluster: Cluster, runId: string, trace: FaultTrace, clockSkewMs: number, log: (l: string) => void): Promise<{ run: TxnRun; runMs: number; drained: number; drainMs: number }> {
  const t0 = performance.now();
  const deadline = t0 + opts.seconds * 1000;
  let aborted = false;
  let maxRotation = 0;
  let count = (): number => 0;
  const stopped = (): boolean => aborted || performance.now() >= deadline || (opts.maxTxns !== undefined && count() >= opts.maxTxns);
  const env: RunEnv = {
    opts,
    runId,
    addresses: cluster.addresses,
    tls: opts.tls ? { rejectUnauthorized: !opts.tlsInsecure } : undefined,
    stopped,
    rotation: () => (maxRotation = Math.max(maxRotation, Math.floor((performance.now() - t0) / opts.rotateMs))),
    maxRotation: () => maxRotation,
    clockSkewMs,
  };
  const run = opts.workload === 'bank' ? bankRun(env) : opts.workload === 'queue' ? queueRun(env) : appendRun(env);
  count = run.count;
  const progress = setInterval(() => log(`progress: t=${((performance.now() - t0) / 1000).toFixed(0)}s transactions=${run.count()}`), 10_000);
  let killFailure: unknown;
  const kills = processFaults({ seconds: opts.seconds, ...parseFaults(opts.faults) }, cluster, trace, t0, stopped, log, (e) => {
    killFailure = e;
    aborted = true;
  });
  const failure = await runAllClients(run.clients, () => (aborted = true));
  const runEnd = Math.min(performance.now(), deadline);
  const drained = performance.now();
  clearInterval(progress);
  aborted = true; // an --ops budget ends the kill loop too
  await kills;
  if (failure) throw failure.error;
  if (killFailure) throw killFailure;
  return { run, runMs: runEnd - t0, drained, drainMs: drained - runEnd };
}

export async function driveTxn(opts: WorkloadOptions, cluster: Cluster, runId: string, log: (l: string) => void): Promise<WorkloadSummary> {
  const faults = parseFaults(opts.faults);
  const emu = cluster.emulator;
  const trace = new FaultTrace();
  if (emu) trace.attach(emu.faults);
  const activeEmulatorFaults = emu ? emu.faults.active : [];
  const clockSkewMs = opts.clockSkewMs ?? checkerSkewMs(opts.addrs ? DEFAULT_MAX_CLOCK_SKEW_MS + 1000 : (emu?.faults.clockSkewMs ?? 0));
  announce(opts, cluster, runId, faults.splitTransactions === true, log);
  const { run, runMs, drained, drainMs } = await runClients(opts, cluster, runId, trace, clockSkewMs, log);

  emu?.faults.clear();
  await opts.beforeFinalReads?.(emu);
  const finalReads = await run.finalReads();
  const v = run.check();

  const classes: FaultClass[] = [...activeEmulatorFaults, ...(faults.proxyKill ? [PROXY_KILL as FaultClass] : []), ...(cluster.lease ? (faults.cluster ?? []) : [])];
  const n = cluster.addresses.length;
  const victim = (x: Interval, cls: FaultClass): boolean => cls !== PROXY_KILL || x.client % n === 0;
  const opsExposure = trace.exposure(v.checkedOps, drained, victim);
  const txnExposure = trace.exposure(v.checkedTxns, drained, victim);
  const faultRows: WorkloadSummary['faults'] = {};
  for (const c of classes) faultRows[c] = { injected: trace.count(c), opsInFlight: opsExposure.get(c) ?? 0, txnsInFlight: txnExposure.get(c) ?? 0 };

  const summary: WorkloadSummary = {
    workload: opts.workload,
    seed: opts.seed,
    ...v.counts,
    linearizable: v.linearizable,
    successRatio: v.counts.ops ? v.counts.ok / v.counts.ops : 0,
    faults: faultRows,
    finalReads,
    opsChecked: v.opsChecked,
    opsDropped: v.opsDropped,
    checkMs: v.checkMs,
    violations: v.violations,
    unknownKeys: v.unknownKeys,
    runMs,
    drainMs,
    emulator: emu?.stats.snapshot(),
    layout: cluster.layout?.(),
    clockSkewMs,
    txns: v.txns,
    lastLine: '',
  };
  const clientStats = run.clients.reduce((a, c) => ({ timeouts: a.timeouts + c.stats.timeouts, lost: a.lost + c.stats.connectionLost }), { timeouts: 0, lost: 0 });
  if (clientStats.timeouts) summary.errors.timeout = clientStats.timeouts;
  if (clientStats.lost) summary.errors['connection-lost'] = clientStats.lost;
  if (v.linearizable !== 'true' || opts.reportDir) writeFiles(opts, runId, clockSkewMs, v, summary);
  summary.lastLine = lastLine(summary);
  for (const l of summaryLines(summary)) log(l);
  return summary;
}

/** The report (every anomaly, the per-key report) and history.json, for --check. */
function writeFiles(opts: WorkloadOptions, runId: string, clockSkewMs: number, v: TxnVerdict, summary: WorkloadSummary): void {
  const dir = opts.reportDir ?? mkdtempSync(join(tmpdir(), `valthree-${opts.workload}-seed${opts.seed}-`));
  mkdirSync(dir, { recursive: true });
  summary.reportPath = join(dir, 'report.txt');
  writeFileSync(summary.reportPath, `${opts.workload} workload, seed ${opts.seed}: ${v.linearizable === 'true' ? 'no anomaly' : 'ANOMALIES'}\n\n${v.report}\n`);
  summary.historyPath = join(dir, 'history.json');
  const { log: _log, password: _password, beforeFinalReads: _hook, rgwTarget: _rgw, handlerClock: _clock, ...shown } = opts;
  writeFileSync(summary.historyPath, JSON.stringify({ seed: opts.seed, workload: opts.workload, options: shown, runId, clockSkewMs, ...(v.history as object) }, null, 1));
}
