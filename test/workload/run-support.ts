/**
 * What every workload's run does besides its clients: seeds per client, and
 * the proxy_kill fault's schedule and loop.
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
export async function killLoop(cluster: Cluster, trace: FaultTrace, at: number[], t0: number, stopped: () => boolean, log: (l: string) => void): Promise<void> {
  for (const ms of at) {
    // In short steps: a run that ends early (an --ops budget) ends the loop too.
    while (!stopped() && performance.now() < t0 + ms) await sleep(Math.min(100, t0 + ms - performance.now()));
    if (stopped()) return;
    trace.add(PROXY_KILL);
    const k0 = performance.now();
    await cluster.killAndRestart();
    log(`proxy_kill: proxy 0 killed at t=${(ms / 1000).toFixed(1)}s (SIGKILL) and listening again after ${((performance.now() - k0) / 1000).toFixed(1)} s`);
  }
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
