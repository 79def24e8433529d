/**
 * The serializability workload (issue 3): C clients on K proxies run seeded
 * random GET/SET/DEL/INCR/INCRBY/FLUSHALL (and SET … PX, PEXPIRE, PTTL on
 * the keys with TTLs) on a few hot keys while faults are injected; the
 * history is checked for linearizability against a register per key (INCR
 * and TTLs included, see test/checker/check.ts and expiry.ts).
 *
 *   const s = await runWorkload({ ...DEFAULTS, seed: 1, seconds: 10, faults: 'all' });
 *   s.linearizable === 'true'
 *
 * Keys rotate every rotateMs (Jepsen's independent keys): however long the
 * run, no key's history grows past what the checker searches quickly.
 *
 * "No acknowledged write lost": after the run, faults go off and every key
 * the run touched is read once more on fresh connections. Those reads join
 * the history after everything else, so the same check proves each final
 * value is a state the model allows at the end of the history.
 *
 * With --workload bank or list-append, the same cluster runs transactions
 * instead: see txn-drive.ts (issue 12).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { check } from '../checker/check';
import { HistoryRecorder, type History, type OpInput, type Operation } from '../checker/history';
import { formatReport, writeReport } from '../checker/report';
import { prng } from '../support/faults';
import { remoteCluster, startCluster, type Address, type Cluster } from './cluster';
import { WorkloadClient, commandOf, connectOnce, outputOf, type ClientContext } from './client';
import { familyKeys, familyReply } from './families';
import { FaultTrace } from './fault-trace';
import { clientSeed, processFaults, runAllClients } from './run-support';
import { driveTxn } from './txn-drive';
import { recheckTxn, type SavedTxnRun } from './txn-recheck';
import { DEFAULT_MAX_CLOCK_SKEW_MS } from '../../lambda/handler';
import { PROXY_KILL, checkerSkewMs, parseFaults, validate, type FaultClass, type WorkloadOptions } from './options';
import { distinctKeys, kindsOf, lastLine, summaryLines, tally, type Linearizable, type WorkloadSummary } from './summary';
import { encodeCommand } from '../support/resp-client';

export { DEFAULTS, type WorkloadOptions } from './options';
export { killTimes } from './run-support';
export type { WorkloadSummary } from './summary';

export async function runWorkload(opts: WorkloadOptions): Promise<WorkloadSummary> {
  validate(opts);
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const faults = parseFaults(opts.faults);
  const runId = randomBytes(4).toString('hex');
  const cluster: Cluster = opts.addrs
    ? remoteCluster(opts.addrs)
    : await startCluster({
        proxies: opts.proxies,
        seed: opts.seed,
        emulatorFaults: faults.emulator,
        splitTransactions: faults.splitTransactions,
        killable: faults.proxyKill,
        s3: opts.s3,
        documentKey: opts.s3 === 'rgw' ? `workload-${runId}/db.json` : 'db.json',
        password: opts.password,
        exactlyOnce: opts.exactlyOnce,
        executor: opts.executor,
        rgwTarget: opts.rgwTarget,
        handlerClock: opts.handlerClock,
        paging: { threshold: opts.pageThreshold, bytes: opts.pageBytes },
        // The writer-lease faults need the lease (and two proxies); the
        // transaction workloads run them not (yet), only --writer-lease.
        writerLease: opts.writerLease === true || ((opts.workload === 'register' || opts.workload === 'queue') && (faults.cluster?.length ?? 0) > 0),
        log,
      });
  try {
    return opts.workload === 'register' ? await drive(opts, cluster, runId, log) : await driveTxn(opts, cluster, runId, log);
  } finally {
    await cluster.close();
  }
}

async function drive(opts: WorkloadOptions, cluster: Cluster, runId: string, log: (l: string) => void): Promise<WorkloadSummary> {
  const faults = parseFaults(opts.faults);
  const emu = cluster.emulator;
  const trace = new FaultTrace();
  if (emu) trace.attach(emu.faults);
  const activeEmulatorFaults = emu ? emu.faults.active : [];
  // How far apart the handlers' clocks may be, for the checker's expiry windows.
  const injectedSkewMs = emu?.faults.clockSkewMs ?? 0;
  const clockSkewMs = opts.clockSkewMs ?? checkerSkewMs(opts.addrs ? DEFAULT_MAX_CLOCK_SKEW_MS + 1000 : injectedSkewMs);
  const broken = [emu?.faults.ignorePreconditions ? 'storage IGNORES preconditions' : '', emu?.faults.unsafeLocalExpiry ? 'handlers answer "expired" on their own clock WITHOUT committing it' : ''].filter(Boolean);
  log(
    `workload: seed=${opts.seed} seconds=${opts.seconds} proxies=${cluster.addresses.length} clients=${opts.clients} keys=${opts.keys} ` +
      `rotate=${opts.rotateMs / 1000}s faults=${opts.faults}${broken.length ? ` (${broken.join('; ')}: a broken mode)` : ''} ` +
      `storage=${cluster.storage} run=${runId}`,
  );
  if (opts.ttl) {
    log(
      `ttl: keys 2 and 3 of every ${Math.max(4, opts.keys)} get TTLs of ${opts.ttlMs[0]}-${opts.ttlMs[1]} ms; ` +
        `handler clocks ${injectedSkewMs ? `within ±${injectedSkewMs} ms (clock_skew)` : 'unskewed'}; the checker's skew bound S=${clockSkewMs} ms`,
    );
  }
  if (injectedSkewMs && opts.executor === 'in-process' && faults.proxyKill) {
    log('note: with --executor in-process, the killable proxy (a child process) runs on the real clock; the others get skewed clocks');
  }
  if (opts.s3 === 'rgw' && activeEmulatorFaults.some((f) => f.startsWith('s3_'))) {
    log('note: S3 faults are the emulator\'s; with --s3 rgw the handler talks to RGW, so only Lambda faults and proxy_kill fire');
  }

  const recorder = new HistoryRecorder();
  const t0 = performance.now();
  const deadline = t0 + opts.seconds * 1000;
  let aborted = false;
  const stopped = (): boolean => aborted || performance.now() >= deadline;
  let maxRotation = 0;
  const keysOf = (r: number): string[] => [...Array.from({ length: opts.keys }, (_, k) => `wl:${runId}:${r}:${k}`), ...(opts.types ? familyKeys(runId, r) : [])];
  const hotKeys = (): string[] => {
    const r = Math.floor((performance.now() - t0) / opts.rotateMs);
    maxRotation = Math.max(maxRotation, r);
    return keysOf(r);
  };
  const proxyOf = new Map<number, number>();
  const tls = opts.tls ? { rejectUnauthorized: !opts.tlsInsecure } : undefined;
  const ctx: ClientContext = {
    recorder,
    hotKeys,
    stopped,
    opTimeoutMs: opts.opTimeoutMs,
    flushallRate: opts.flushallRate,
    incr: opts.incr,
    ttl: opts.ttl,
    ttlMs: opts.ttlMs,
    thinkMs: opts.thinkMs,
    password: opts.password,
    tls,
    onOp: (id, proxy) => proxyOf.set(id, proxy),
  };
  const n = cluster.addresses.length;
  const clients = Array.from({ length: opts.clients }, (_, i) => new WorkloadClient(i, i % n, cluster.addresses[i % n], prng(clientSeed(opts.seed, i)), ctx));

  const progress = setInterval(() => {
    const t = tally(recorder.history());
    log(`progress: t=${((performance.now() - t0) / 1000).toFixed(0)}s ops=${recorder.size} ok=${t.ok} failed=${t.failed} awaiting-reply=${t.pending}`);
  }, 10_000);
  let killFailure: unknown;
  // Handled at once: a restart that fails must end the run, not crash the process as an unhandled rejection.
  const kills = processFaults({ seconds: opts.seconds, ...faults }, cluster, trace, t0, stopped, log, (e) => {
    killFailure = e;
    aborted = true;
  });
  const failure = await runAllClients(clients, () => (aborted = true));
  const runEnd = Math.min(performance.now(), deadline);
  const drained = performance.now();
  clearInterval(progress);
  await kills;
  if (failure) throw failure.error;
  if (killFailure) throw killFailure;

  const workloadOps = recorder.size;
  // Faults off; the killed proxy is back. What does each key hold now?
  emu?.faults.clear();
  await opts.beforeFinalReads?.(emu);
  const allKeys = Array.from({ length: maxRotation + 1 }, (_, r) => keysOf(r)).flat();
  const finalReads = await readFinal(cluster.addresses, allKeys, opts, tls, recorder, opts.clients);

  const history = recorder.history();
  const ops = history.slice(0, workloadOps);
  const result = check(history, { timeoutMs: opts.checkTimeoutMs, clockSkewMs });
  const t = tally(ops);
  const linearizable: Linearizable = result.result === 'ok' ? 'true' : result.result === 'illegal' ? 'false' : 'unknown';
  const errors = t.errors;
  const cs = clients.reduce((a, c) => ({ timeouts: a.timeouts + c.stats.timeouts, lost: a.lost + c.stats.connectionLost, malformed: a.malformed + c.stats.malformed }), { timeouts: 0, lost: 0, malformed: 0 });
  if (cs.timeouts) errors.timeout = cs.timeouts;
  if (cs.lost) errors['connection-lost'] = cs.lost;
  if (cs.malformed) errors.malformed = cs.malformed;

  const classes: FaultClass[] = [...activeEmulatorFaults, ...(faults.proxyKill ? [PROXY_KILL as FaultClass] : []), ...(cluster.lease ? (faults.cluster ?? []) : [])];
  const victim = (op: Operation, cls: FaultClass): boolean => cls !== PROXY_KILL || proxyOf.get(op.id) === 0;
  const exposure = trace.exposure(ops, drained, victim);
  const faultRows: WorkloadSummary['faults'] = {};
  for (const c of classes) faultRows[c] = { injected: trace.count(c), opsInFlight: exposure.get(c) ?? 0 };

  const summary: WorkloadSummary = {
    seed: opts.seed,
    ops: ops.length,
    ok: t.ok,
    failed: t.failed,
    pending: t.pending,
    keys: distinctKeys(ops),
    kinds: kindsOf(ops),
    linearizable,
    successRatio: ops.length ? t.ok / ops.length : 0,
    errors,
    faults: faultRows,
    finalReads,
    opsChecked: result.opsChecked,
    opsDropped: result.opsDropped,
    checkMs: result.elapsedMs,
    violations: result.violations.length,
    unknownKeys: [...result.perKey.values()].filter((k) => k.result === 'unknown').length,
    runMs: runEnd - t0,
    drainMs: drained - runEnd,
    emulator: emu?.stats.snapshot(),
    layout: cluster.layout?.(),
    clockSkewMs,
    lastLine: '',
  };
  if (injectedSkewMs && emu) {
    const offsets = [...emu.faults.clockInstances.values()].map((share) => Math.round(share * injectedSkewMs));
    summary.clocks = { instances: offsets.length, minMs: Math.min(...offsets, 0), maxMs: Math.max(...offsets, 0) };
  }
  if (linearizable !== 'true' || opts.reportDir) {
    const dir = opts.reportDir ?? mkdtempSync(join(tmpdir(), `valthree-workload-seed${opts.seed}-`));
    mkdirSync(dir, { recursive: true });
    summary.reportPath = writeReport(result, dir);
    summary.historyPath = join(dir, 'history.json');
    const { log: _log, password: _password, beforeFinalReads: _hook, rgwTarget: _rgw, handlerClock: _clock, ...shown } = opts;
    writeFileSync(summary.historyPath, JSON.stringify({ seed: opts.seed, options: shown, runId, clockSkewMs, history }, null, 1));
  }
  summary.lastLine = lastLine(summary);
  for (const l of summaryLines(summary)) log(l);
  return summary;
}

/**
 * One GET per key, spread over the proxies, each proxy on a fresh connection.
 * A read without an answer stays pending (the checker then ignores it); the
 * next key gets a new connection.
 */
async function readFinal(
  addresses: Address[],
  keys: string[],
  opts: WorkloadOptions,
  tls: ClientContext['tls'],
  recorder: HistoryRecorder,
  firstClientId: number,
): Promise<WorkloadSummary['finalReads']> {
  const out = { keys: keys.length, answered: 0, withValue: 0 };
  await Promise.all(
    addresses.map(async (addr, p) => {
      const mine = keys.filter((_, i) => i % addresses.length === p);
      let conn: Awaited<ReturnType<typeof connectOnce>> | null = null;
      for (const key of mine) {
        conn ??= await connectOnce(addr, { tls, password: opts.password, opTimeoutMs: opts.opTimeoutMs }, 5000).catch(() => null);
        if (!conn) continue;
        const read: OpInput = { op: 'get', key };
        const h = recorder.begin(firstClientId + p, read);
        const n = conn.replies.length;
        conn.write(encodeCommand(commandOf(read)));
        try {
          await conn.waitForReplies(n + 1, opts.opTimeoutMs);
        } catch {
          conn.close();
          conn = null;
          continue;
        }
        const o = outputOf(familyReply(read, conn.replies[n]));
        if ('error' in o) {
          recorder.fail(h, o.error);
          continue;
        }
        recorder.end(h, o);
        out.answered++;
        if (o.kind === 'value' && o.value !== null) out.withValue++;
      }
      conn?.close();
    }),
  );
  return out;
}

/**
 * Checks a history.json that a run saved, without a cluster: the same
 * verdict (and report, next to the file) for the same recorded history.
 */
export function recheck(file: string, log: (l: string) => void = (l) => process.stdout.write(`${l}\n`)): Pick<WorkloadSummary, 'linearizable' | 'lastLine'> {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { seed: number; history: History; clockSkewMs?: number; workload?: string };
  if (saved.workload === 'bank' || saved.workload === 'list-append' || saved.workload === 'queue') return recheckTxn(saved as unknown as SavedTxnRun, file, log);
  const result = check(saved.history, { timeoutMs: 600_000, clockSkewMs: saved.clockSkewMs ?? 0 });
  // Counts cover every operation in the file, the final reads included.
  const t = tally(saved.history);
  const linearizable: Linearizable = result.result === 'ok' ? 'true' : result.result === 'illegal' ? 'false' : 'unknown';
  // The overview only; each violating key's history goes to the report file.
  log(formatReport(result).split('\n\n')[0].trimEnd());
  if (result.result !== 'ok') log(`report: ${writeReport(result, dirname(file))}`);
  const line = lastLine({ ...t, ops: saved.history.length, keys: distinctKeys(saved.history), linearizable, seed: saved.seed });
  log(line);
  return { linearizable, lastLine: line };
}
