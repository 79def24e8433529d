/**
 * What the driver (txn-drive.ts) needs from a transaction workload (bank,
 * list-append): its clients, its final reads, and its check.
 */
import type { ConnectionOptions } from 'node:tls';
import type { Address } from './cluster';
import type { WorkloadOptions } from './options';
import type { Linearizable, TxnSummary, WorkloadSummary } from './summary';
import { prng } from '../support/faults';
import { clientSeed } from './run-support';
import type { ConnContext, PipelineClient } from './txn-conn';

export interface RunEnv {
  opts: WorkloadOptions;
  runId: string;
  addresses: Address[];
  tls?: ConnectionOptions;
  stopped(): boolean;
  /** The rotation now (new keys, a new bank, every rotateMs). */
  rotation(): number;
  /** The highest rotation any client used. */
  maxRotation(): number;
  clockSkewMs: number;
}

/** Something with an interval, for the fault exposure counts. */
export interface Interval {
  client: number;
  call: number;
  ret?: number;
}

export interface TxnVerdict {
  linearizable: Linearizable;
  txns: TxnSummary;
  /** For the last line: ops, ok, failed, pending, keys. */
  counts: Pick<WorkloadSummary, 'ops' | 'ok' | 'failed' | 'pending' | 'keys' | 'errors' | 'kinds'>;
  /** The per-key check's figures (bank; list-append: its reads and appends). */
  opsChecked: number;
  opsDropped: number;
  violations: number;
  unknownKeys: number;
  checkMs: number;
  /** Workload operations and transactions the checks used, for the per-fault-class counts. */
  checkedOps: Interval[];
  checkedTxns: Interval[];
  /** The full report (anomalies, per-key violations) and what history.json holds. */
  report: string;
  history: unknown;
}

export interface TxnRun {
  clients: PipelineClient[];
  /** Transactions begun so far. */
  count(): number;
  /** After the run, faults off: every key (every bank) read once more. */
  finalReads(): Promise<WorkloadSummary['finalReads']>;
  check(): TxnVerdict;
}

/** What every client's connection takes from the run: when to stop, the timeout, AUTH, TLS. */
export function connContext(env: RunEnv, stopped: () => boolean): ConnContext {
  return { stopped, opTimeoutMs: env.opts.opTimeoutMs, thinkMs: env.opts.thinkMs, password: env.opts.password, tls: env.tls };
}

/** --clients clients, spread over the proxies in turn, each with its own stream of the seed. */
export function spreadClients<C>(env: RunEnv, make: (id: number, proxy: number, addr: Address, rand: () => number) => C): C[] {
  const n = env.addresses.length;
  return Array.from({ length: env.opts.clients }, (_, i) => make(i, i % n, env.addresses[i % n], prng(clientSeed(env.opts.seed, i))));
}

/** Spreads items over the proxies, one connection each, run in parallel. */
export async function perProxy<T>(addresses: Address[], items: T[], each: (addr: Address, p: number, mine: T[]) => Promise<void>): Promise<void> {
  await Promise.all(addresses.map((addr, p) => each(addr, p, items.filter((_, i) => i % addresses.length === p))));
}

export function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of items) out[key(t)] = (out[key(t)] ?? 0) + 1;
  return out;
}
