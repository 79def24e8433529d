/**
 * What every workload's run does besides its clients: seeds per client, and
 * the process faults' schedule and loop (proxy_kill; writer_kill and
 * lease_steal when the proxies hold the writer lease).
 */
import type { Cluster } from './cluster';
import type { FaultTrace } from './fault-trace';
import { PROXY_KILL } from './options';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Independent streams per client from one seed. */
export function clientSeed(seed: number, client: number): number {
  return (seed ^ Math.imul(client + 1, 0x9e3779b1)) >>> 0;
}

/** When the process fault fires: evenly inside the run, one kill per ~20 s (at least one). */
export function killTimes(seconds: number): number[] {
  const n = Math.max(1, Math.floor(seconds / 20));
  return Array.from({ length: n }, (_, i) => ((i + 1) * seconds * 1000) / (n + 1));
}

/** SIGKILL proxy 0 at the given offsets and start it again; counts as the proxy_kill fault. */
export function killLoop(cluster: Cluster, trace: FaultTrace, at: number[], t0: number, stopped: () => boolean, log: (l: string) => void): Promise<void> {
  return faultLoop(cluster, trace, at.map((ms) => ({ at: ms, what: PROXY_KILL })), t0, stopped, log);
}

export type ProcessFault = typeof PROXY_KILL | 'writer_kill' | 'lease_steal';

/** When the process faults fire: proxy_kill as killTimes; writer_kill and lease_steal (writer lease) twice and three times a run, in between. */
export function faultSchedule(seconds: number, proxyKill: boolean, cluster: readonly string[]): { at: number; what: ProcessFault }[] {
  const ms = seconds * 1000;
  const events: { at: number; what: ProcessFault }[] = proxyKill ? killTimes(seconds).map((at) => ({ at, what: PROXY_KILL })) : [];
  if (cluster.includes('writer_kill')) events.push(...[0.35, 0.7].map((f) => ({ at: f * ms, what: 'writer_kill' as const })));
  if (cluster.includes('lease_steal')) events.push(...[0.2, 0.55, 0.8].map((f) => ({ at: f * ms, what: 'lease_steal' as const })));
  return events.sort((a, b) => a.at - b.at);
}

/** Runs the process faults one after another (a restart never overlaps another kill); each counts as its class. */
export async function faultLoop(cluster: Cluster, trace: FaultTrace, events: { at: number; what: ProcessFault }[], t0: number, stopped: () => boolean, log: (l: string) => void): Promise<void> {
  for (const { at: ms, what } of events) {
    // In short steps: a run that ends early (an --ops budget) ends the loop too.
    while (!stopped() && performance.now() < t0 + ms) await sleep(Math.min(100, t0 + ms - performance.now()));
    if (stopped()) return;
    const k0 = performance.now();
    const t = (ms / 1000).toFixed(1);
    const took = () => ((performance.now() - k0) / 1000).toFixed(1);
    if (what === PROXY_KILL) {
      trace.add(PROXY_KILL);
      await cluster.killAndRestart();
      log(`proxy_kill: proxy 0 killed at t=${t}s (SIGKILL) and listening again after ${took()} s`);
    } else if (what === 'writer_kill' && cluster.lease) {
      trace.add('writer_kill');
      const w = await cluster.lease.killWriter();
      log(w < 0 ? `writer_kill: nobody held the lease at t=${t}s` : `writer_kill: proxy ${w}, the lease holder, killed at t=${t}s (SIGKILL) and listening again after ${took()} s`);
    } else if (what === 'lease_steal' && cluster.lease) {
      trace.add('lease_steal');
      const w = cluster.lease.writer();
      const thief = await cluster.lease.stealLease();
      log(`lease_steal: at t=${t}s proxy ${thief} written into the lease held by proxy ${w}`);
    }
  }
}

/**
 * Starts the run's process faults: proxy_kill, and with the writer lease
 * writer_kill, lease_steal (faultLoop) and forward_drop (the internal links
 * misbehave for most of the run, and are sound again before the final
 * reads). The promise ends with the loop; it never rejects: a restart that
 * fails is handed to `onFailure`, which must end the run.
 */
export function processFaults(
  run: { seconds: number; proxyKill: boolean; cluster?: readonly string[] },
  cluster: Cluster,
  trace: FaultTrace,
  t0: number,
  stopped: () => boolean,
  log: (l: string) => void,
  onFailure: (e: unknown) => void,
): Promise<void> {
  const lease = cluster.lease;
  const leaseFaults = lease ? (run.cluster ?? []) : [];
  if (lease && leaseFaults.includes('forward_drop')) {
    lease.onLinkFault = () => trace.add('forward_drop');
    setTimeout(() => (lease.forwardDrop = true), run.seconds * 100).unref();
    setTimeout(() => (lease.forwardDrop = false), run.seconds * 900).unref();
  }
  if (!run.proxyKill && !lease) return Promise.resolve();
  return faultLoop(cluster, trace, faultSchedule(run.seconds, run.proxyKill, leaseFaults), t0, stopped, log).catch(onFailure);
}

/**
 * Runs every client to its end. The first to fail (a wrong password) calls
 * `abort`, which stops the others; its error is returned, not thrown, so the
 * caller can first wait for what else it started (the kill loop).
 */
export async function runAllClients(clients: readonly { run(): Promise<unknown> }[], abort: () => void): Promise<{ error: unknown } | null> {
  const results = await Promise.allSettled(
    clients.map((c) =>
      c.run().catch((e: unknown) => {
        abort();
        throw e;
      }),
    ),
  );
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  return failure ? { error: failure.reason } : null;
}
