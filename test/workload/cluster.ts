/**
 * The cluster a workload runs against: the emulator (S3 + Lambda Invoke
 * running the real handler), optionally with a Ceph RGW as the handler's S3,
 * and K proxies using the Lambda executor. Or, with --addrs, someone else's
 * cluster, which this file only names.
 *
 * Proxies run in this process, except the one that the proxy_kill fault
 * SIGKILLs: it is a child process, restarted on the same port, so that its
 * clients reconnect to the address they know (as behind an NLB).
 */
import type { ChildProcess } from 'node:child_process';
import { openStorage } from '../../lambda/config';
import { storageSettings } from '../../proxy/app';
import { parseArgs } from '../../proxy/config';
import { InProcessExecutor } from '../../proxy/executors/in-process';
import { lambdaEnv } from '../e2e/backends';
import { startEmulator, type Emulator, type FunctionS3 } from '../support/emulator';
import { crashPoint, type FaultConfig } from '../support/faults';
import { startProxy, type RunningProxy } from '../support/proxy-harness';
import { startRgw } from '../support/rgw';
import { spawnKillableProxy, stablePort, type KillableProxy } from './child-proxy';
import { LeaseCluster } from './lease-cluster';

export interface Address {
  host: string;
  port: number;
}

export interface ClusterOptions {
  proxies: number;
  seed: number;
  /** The emulator's fault spec (proxy_kill excluded). */
  emulatorFaults: Pick<FaultConfig, 'rates' | 'ignorePreconditions' | 'unsafeLocalExpiry' | 'unsafeIgnoreWatch'>;
  /** The broken mode split-transactions: every proxy gets --unsafe-split-transactions. */
  splitTransactions?: boolean;
  /** Run proxy 0 as a child process that can be killed. */
  killable: boolean;
  s3: 'emulator' | 'rgw';
  /** Object key of the document (unique per run: an RGW bucket may be shared). */
  documentKey: string;
  password?: string;
  /** false: no commit-window resolution, no re-sent invokes (see --no-exactly-once). */
  exactlyOnce?: boolean;
  /**
   * 'lambda' (default): proxies invoke the handler through the emulator's Invoke API.
   * 'in-process': each proxy runs the handler itself against the S3 directly
   * (`npm start` with --bucket), as several such servers on one bucket would.
   */
  executor?: 'lambda' | 'in-process';
  /** Test hook: the handlers' clocks by instance (default: the fault injector's, clock_skew). */
  handlerClock?: (instance: number) => () => number;
  /**
   * Several proxies take part in the writer lease (--internal-port): one
   * commits, the others forward their writes to it.
   * Off by default (--writer-lease, or a cluster fault, turns it on). Every
   * proxy is then a child process (test/workload/lease-cluster.ts).
   */
  writerLease?: boolean;
  /** With s3 'rgw': use this RGW instead of finding or booting one. */
  rgwTarget?: FunctionS3;
  /** Every handler's paging knobs (VALTHREE_PAGE_THRESHOLD / _BYTES); absent: the product's defaults. */
  paging?: { threshold: number; bytes: number };
  log: (line: string) => void;
}

/** What the run left in storage: db.json's format and how many page objects it has. */
export interface StoredLayout {
  format: number | 'none';
  pages: number;
}

export interface Cluster {
  addresses: Address[];
  emulator?: Emulator;
  /** Where the handler's S3 is, for the summary. */
  storage: string;
  /** SIGKILL the killable proxy and start it again on its port; resolves when it listens. */
  killAndRestart(): Promise<void>;
  /** With the writer lease: the proxies as children, for writer_kill, lease_steal and forward_drop. */
  lease?: LeaseCluster;
  /** db.json's format and page count now (the emulator's S3 only). */
  layout?(): StoredLayout;
  close(): Promise<void>;
}

/** Proxy flags: the Lambda executor over the emulator's Invoke API. */
function proxyArgs(emu: Emulator, password?: string, exactlyOnce = true): string[] {
  return ['--function', emu.functionName, ...(password ? ['--requirepass', password] : []), ...(exactlyOnce ? [] : ['--ambiguous-retries', '0'])];
}

/** The broken mode's flag (a test-only proxy option). */
const SPLIT_FLAG = ['--unsafe-split-transactions'];

/** A Ceph RGW: the one jest's global setup booted (VALTHREE_TEST_RGW_*), else a private one. */
async function openRgw(log: (l: string) => void): Promise<{ s3: FunctionS3; stop(): Promise<void> }> {
  const env = process.env;
  if (env.VALTHREE_TEST_RGW_ENDPOINT) {
    return {
      s3: {
        endpoint: env.VALTHREE_TEST_RGW_ENDPOINT,
        bucket: env.VALTHREE_TEST_RGW_BUCKET ?? 'valthree-test',
        region: env.VALTHREE_TEST_RGW_REGION ?? 'us-east-1',
        credentials: { accessKeyId: env.VALTHREE_TEST_RGW_ACCESS_KEY ?? '', secretAccessKey: env.VALTHREE_TEST_RGW_SECRET_KEY ?? '' },
      },
      stop: async () => undefined,
    };
  }
  const rgw = await startRgw();
  log(`Ceph RGW ${rgw.endpoint} up in ${rgw.bootMs} ms`);
  return {
    s3: { endpoint: rgw.endpoint, bucket: rgw.bucket, region: rgw.region, credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey } },
    stop: () => rgw.stop(),
  };
}

/** db.json's format (its `format` field; 1 before it had one) and its page objects, read in the emulator's memory. */
function storedLayout(emu: Emulator, key: string): StoredLayout {
  const objects = emu.s3.buckets.get(emu.bucket) ?? new Map();
  const root = objects.get(key);
  const format = root ? ((JSON.parse(root.body.toString('utf8')) as { format?: number }).format ?? 1) : 'none';
  const prefix = `${key}.pages/`;
  return { format, pages: [...objects.keys()].filter((k) => k.startsWith(prefix)).length };
}

export function remoteCluster(addrs: string[]): Cluster {
  return {
    addresses: addrs.map((a) => {
      const i = a.lastIndexOf(':');
      return { host: a.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(a.slice(i + 1)) };
    }),
    storage: 'the remote cluster\'s',
    killAndRestart: () => Promise.reject(new Error('cannot kill the proxies of a remote cluster')),
    close: async () => undefined,
  };
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const closers: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    const pagingEnv = o.paging ? { VALTHREE_PAGE_THRESHOLD: String(o.paging.threshold), VALTHREE_PAGE_BYTES: String(o.paging.bytes) } : {};
    let functionS3: FunctionS3 | undefined;
    if (o.s3 === 'rgw') {
      const rgw = o.rgwTarget ? { s3: o.rgwTarget, stop: async () => undefined } : await openRgw(o.log);
      closers.push(() => rgw.stop());
      functionS3 = rgw.s3;
    }
    const emu = await startEmulator({
      seed: o.seed,
      faults: { ...o.emulatorFaults, seed: o.seed },
      functionS3,
      // A little base latency and jitter so that concurrent requests overlap
      // the way they do over a network (the s3_latency fault adds more).
      latency: { s3GetMs: 2, s3PutMs: 4, invokeMs: 2, jitterMs: 3 },
      function: {
        key: o.documentKey,
        // The broken mode exists to show the checker catches lost updates;
        // the safety check would (rightly) refuse to write at all.
        safetyCheck: !o.emulatorFaults.ignorePreconditions,
        env: { ...(o.exactlyOnce === false ? { VALTHREE_EXACTLY_ONCE: '0' } : {}), ...pagingEnv },
        ...(o.handlerClock ? { clock: o.handlerClock } : {}),
      },
    });
    closers.push(() => emu.close());
    const layout = functionS3 ? undefined : () => storedLayout(emu, o.documentKey);
    const s3 = functionS3 ?? { endpoint: emu.endpoint, bucket: emu.bucket, region: emu.region, credentials: emu.credentials };
    const inProcess = o.executor === 'in-process';
    const env = inProcess
      ? {
          AWS_ENDPOINT_URL: s3.endpoint,
          AWS_REGION: s3.region,
          AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
          ...(o.exactlyOnce === false ? { VALTHREE_EXACTLY_ONCE: '0' } : {}),
          ...(o.emulatorFaults.ignorePreconditions ? { VALTHREE_UNSAFE_STORAGE: '1' } : {}),
          ...pagingEnv,
        }
      : lambdaEnv(emu);
    const args = (): string[] => [
      ...(inProcess ? ['--bucket', s3.bucket, '--key', o.documentKey, ...(o.password ? ['--requirepass', o.password] : [])] : proxyArgs(emu, o.password, o.exactlyOnce)),
      ...(o.splitTransactions ? SPLIT_FLAG : []),
    ];
    const addresses: Address[] = [];
    let child: KillableProxy | undefined;
    // A child outlives a parent that exits or is interrupted without
    // cleanup: kill it then (as rgw.ts does for Ceph), and re-raise a signal.
    const onExit = (): void => {
      child?.child.kill('SIGKILL');
    };
    const onSignal = (sig: NodeJS.Signals): void => {
      onExit();
      unhook();
      process.kill(process.pid, sig);
    };
    const unhook = (): void => {
      process.off('exit', onExit);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    process.on('exit', onExit);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    closers.push(async () => {
      unhook();
      if (child) await stopChild(child.child, child.exited);
    });
    // In-process handlers get the fault injector's clocks (clock_skew),
    // broken-expiry and broken-watch, one clock per proxy (instance i): what `npm start`
    // builds, with HandlerOptions.now added. The killable proxy is a child
    // process running the bundle, which has no such hook: its clock is real.
    const executorFor = (i: number): InProcessExecutor => {
      const { store, options, checkStorage } = openStorage(storageSettings(parseArgs(['--port', '0', ...args()], env), env));
      return new InProcessExecutor(
        store,
        { ...options, now: (o.handlerClock ?? ((n: number) => emu.faults.clock(n)))(i), unsafeLocalExpiry: emu.faults.unsafeLocalExpiry, unsafeIgnoreWatch: emu.faults.unsafeIgnoreWatch, afterPageUploads: () => crashPoint(emu.faults) },
        checkStorage,
      );
    };
    if (o.writerLease === true && o.proxies > 1) {
      const lc = new LeaseCluster(args, env, s3, o.documentKey, o.seed);
      closers.push(() => lc.close());
      await lc.start(o.proxies);
      return {
        addresses: lc.ports.map((port) => ({ host: '127.0.0.1', port })),
        emulator: emu,
        storage: functionS3 ? `Ceph RGW at ${functionS3.endpoint}` : `emulator S3 at ${emu.endpoint}`,
        layout,
        killAndRestart: () => lc.killAndRestart(0),
        lease: lc,
        close,
      };
    }
    for (let i = 0; i < o.proxies; i++) {
      if (i === 0 && o.killable) {
        child = await spawnKillableProxy(['--port', String(await stablePort()), ...args()], env);
        addresses.push({ host: '127.0.0.1', port: child.port });
        continue;
      }
      const p: RunningProxy = await startProxy(args(), { env, ...(inProcess ? { executor: executorFor(i) } : {}) });
      closers.push(() => p.close());
      addresses.push({ host: '127.0.0.1', port: p.port });
    }
    return {
      addresses,
      emulator: emu,
      storage: functionS3 ? `Ceph RGW at ${functionS3.endpoint}` : `emulator S3 at ${emu.endpoint}`,
      layout,
      async killAndRestart() {
        if (!child) throw new Error('no killable proxy (proxy_kill is off)');
        const port = child.port;
        child.child.kill('SIGKILL');
        await child.exited;
        // Same port, so clients find it where they left it.
        child = await spawnKillableProxy(['--port', String(port), ...args()], env);
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

async function stopChild(c: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
