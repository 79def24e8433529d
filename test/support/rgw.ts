/**
 * A throw-away one-node Ceph (mon + memstore OSD + radosgw) on 127.0.0.1, so
 * that tests can run against a real S3 implementation offline.
 *
 *   const rgw = await startRgw();   // ~1-2 s
 *   ... rgw.endpoint, rgw.accessKeyId, rgw.secretAccessKey, rgw.bucket ...
 *   await rgw.stop();
 *
 * Every daemon runs from one temp dir given in one ceph.conf (CEPH_CONF) and is
 * stopped by PID: by stop(), on process exit, on SIGINT/SIGTERM, and - if this
 * process dies by SIGKILL - by a small detached watchdog that notices the
 * parent is gone. Memstore keeps no data on disk, so SIGKILL loses nothing.
 *
 * CLI: `npx tsx test/support/rgw.ts [--port N] [--bucket B]` boots, prints the
 * endpoint and credentials as shell exports, and runs until killed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, appendFileSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { S3Client, CreateBucketCommand } from '@aws-sdk/client-s3';

/** Debian packages that provide the binaries below. */
export const CEPH_PACKAGES = ['ceph-mon', 'ceph-osd', 'radosgw', 'ceph-common'] as const;
const BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph'] as const;

export class CephMissingError extends Error {}

export interface RgwOptions {
  /** HTTP port of radosgw (0 or absent: a free one). */
  port?: number;
  /** Bucket to create (default "valthree-test"). */
  bucket?: string;
  /** Give up booting after this long. */
  bootTimeoutMs?: number;
  /** Keep the temp dir (logs) after stop(), for debugging. */
  keepDir?: boolean;
}

export interface Rgw {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  /** The temp dir with ceph.conf and the daemons' logs. */
  dir: string;
  pids: number[];
  /** Milliseconds the boot took. */
  bootMs: number;
  stop(): Promise<void>;
}

/** Names of the Ceph binaries that are not on PATH (empty when all are). */
export function missingCephBinaries(): string[] {
  const dirs = (process.env.PATH ?? '').split(delimiter);
  return BINARIES.filter((b) => !dirs.some((d) => d && existsSync(join(d, b))));
}

/** Throws at once, naming the Debian packages, when Ceph is not installed. */
export function assertCephInstalled(): void {
  const missing = missingCephBinaries();
  if (missing.length > 0) {
    throw new CephMissingError(
      `Ceph is not installed (missing: ${missing.join(', ')}). The S3 tests run against a real Ceph RADOS Gateway; ` +
        `install it with: apt-get install -y --no-install-recommends ${CEPH_PACKAGES.join(' ')}`,
    );
  }
}

export async function startRgw(opts: RgwOptions = {}): Promise<Rgw> {
  assertCephInstalled();
  const started = Date.now();
  const deadline = started + (opts.bootTimeoutMs ?? 60_000);
  const dir = mkdtempSync(join(tmpdir(), 'valthree-ceph-'));
  const monPort = await freePort();
  const rgwPort = opts.port || (await freePort());
  const conf = join(dir, 'ceph.conf');
  writeFileSync(conf, cephConf(dir, monPort, rgwPort));
  const env = { ...process.env, CEPH_CONF: conf };
  const children: ChildProcess[] = [];
  const pidFile = join(dir, 'daemon-pids');
  writeFileSync(pidFile, '');

  const killAllSync = (): void => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid) tryKill(c.pid);
  };
  const onExit = (): void => {
    killAllSync();
    if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    onExit();
    // Let the default action (exit) happen, as if we had not been listening.
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.kill(process.pid, sig);
  };
  process.on('exit', onExit);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const watchdog = startWatchdog(pidFile, opts.keepDir ? null : dir);

  const daemon = (name: string, args: string[]): ChildProcess => {
    const out = openSync(join(dir, `${name}.out`), 'a');
    const child = spawn(args[0], args.slice(1), { env, stdio: ['ignore', out, out] });
    closeSync(out);
    children.push(child);
    if (child.pid) appendFileSync(pidFile, `${child.pid}\n`);
    child.on('error', () => undefined); // reported through the exit check below
    return child;
  };
  const run = (args: string[]): string => {
    const r = spawnSync(args[0], args.slice(1), { env, encoding: 'utf8', timeout: Math.max(1000, deadline - Date.now()) });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || '').trim().slice(-2000)}`);
    return r.stdout;
  };

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    // radosgw first: nothing talks to a half-stopped cluster.
    for (const c of [...children].reverse()) await killAndWait(c, 10_000);
    if (watchdog.pid) tryKill(watchdog.pid);
    // A daemon slow to die may still be writing its log: retry ENOTEMPTY/EBUSY.
    if (!opts.keepDir) rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  };

  try {
    run(['ceph-mon', '--mkfs', '-i', 'a', '--keyring', '/dev/null']);
    const mon = daemon('mon.a', ['ceph-mon', '-i', 'a', '-f']);
    run(['ceph', '--connect-timeout', '20', 'osd', 'create']);
    run(['ceph', 'osd', 'crush', 'add', 'osd.0', '1', 'root=default']);
    mkdirSync(join(dir, 'osd.0'));
    run(['ceph-osd', '-i', '0', '--mkfs']);
    const osd = daemon('osd.0', ['ceph-osd', '-i', '0', '-f']);
    mkdirSync(join(dir, 'rgw'));
    const gw = daemon('rgw', ['radosgw', '-n', 'client.rgw', '-f']);
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await waitForHttp(endpoint, deadline, () => {
      for (const [c, name] of [[mon, 'mon.a'], [osd, 'osd.0'], [gw, 'rgw']] as const) {
        if (c.exitCode !== null || c.signalCode !== null) {
          throw new Error(`ceph daemon ${name} exited (${c.exitCode ?? c.signalCode}) while booting: ${tail(join(dir, `${name}.out`))}`);
        }
      }
    });
    const accessKeyId = `VT${randomBytes(9).toString('hex').toUpperCase()}`;
    const secretAccessKey = randomBytes(20).toString('base64url');
    run(['radosgw-admin', 'user', 'create', '--uid=valthree', '--display-name=valthree tests', `--access-key=${accessKeyId}`, `--secret=${secretAccessKey}`]);
    const bucket = opts.bucket ?? 'valthree-test';
    const region = 'us-east-1';
    const s3 = new S3Client({ endpoint, region, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    } finally {
      s3.destroy();
    }
    const pids = children.map((c) => c.pid).filter((p): p is number => p !== undefined);
    return { endpoint, region, accessKeyId, secretAccessKey, bucket, dir, pids, bootMs: Date.now() - started, stop };
  } catch (e) {
    const logs = ['mon.a.log', 'osd.0.log', 'client.rgw.log'].map((f) => `--- ${f}: ${tail(join(dir, f), 600)}`).join('\n');
    await stop();
    throw new Error(`booting Ceph RGW failed: ${(e as Error).message}\n${logs}`);
  }
}

function cephConf(dir: string, monPort: number, rgwPort: number): string {
  // Why each setting: see "A real S3 on this machine" in the design notes.
  return `[global]
fsid = ${randomUUIDv4()}
mon host = 127.0.0.1:${monPort}
mon initial members = a
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
run dir = ${dir}
admin socket = ${dir}/$name.asok
pid file = ${dir}/$name.pid
log file = ${dir}/$name.log
crash dir = ${dir}/crash
log to stderr = false
err to stderr = false

[mon]
mon data = ${dir}/mon.$id
# Default 1 s: radosgw's first start would take ~13 s, one pool per second.
paxos propose interval = 0.05
paxos min wait = 0.01

[osd]
osd data = ${dir}/osd.$id
osd objectstore = memstore
public addr = 127.0.0.1
cluster addr = 127.0.0.1

[client.rgw]
# The default "secure" hangs with auth off (get_initial_auth_request returned -13).
ms mon client mode = crc
# Without tcp_nodelay every GET takes ~44 ms instead of ~1.3 ms.
rgw frontends = beast endpoint=127.0.0.1:${rgwPort} tcp_nodelay=1
rgw data = ${dir}/rgw
rgw enable usage log = false
`;
}

function randomUUIDv4(): string {
  const b = randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * A detached shell that outlives us: when our PID disappears (even by
 * SIGKILL, where no exit handler runs) it kills the daemons and removes the dir.
 */
function startWatchdog(pidFile: string, dir: string | null): ChildProcess {
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ` +
    `for p in $(cat '${pidFile}' 2>/dev/null); do kill -9 "$p" 2>/dev/null; done; ` +
    // SIGKILLed daemons take a moment (memstore frees its memory): remove the dir once they are gone.
    (dir ? `for p in $(cat '${pidFile}' 2>/dev/null); do n=0; while kill -0 "$p" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n+1)); done; done; rm -rf '${dir}'` : 'true');
  const w = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  w.unref();
  return w;
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

async function killAndWait(c: ChildProcess, timeoutMs: number): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null || !c.pid) return;
  const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
  tryKill(c.pid);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
  clearTimeout(timer);
}

async function waitForHttp(url: string, deadline: number, check: () => void): Promise<void> {
  for (;;) {
    check();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`radosgw did not answer on ${url} in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function tail(file: string, n = 1500): string {
  try {
    return readFileSync(file, 'utf8').slice(-n).trim();
  } catch {
    return '(no log)';
  }
}

// ---- CLI -------------------------------------------------------------------

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      'Usage: npx tsx test/support/rgw.ts [--port N] [--bucket NAME] [--keep-dir]\n' +
        'Boots a throw-away one-node Ceph RADOS Gateway on 127.0.0.1, prints the S3 endpoint and\n' +
        'credentials as shell exports, and runs until interrupted (Ctrl-C / SIGTERM stops every daemon).\n' +
        `Needs Debian packages: ${CEPH_PACKAGES.join(' ')}\n`,
    );
    return;
  }
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const rgw = await startRgw({ port: flag('--port') ? Number(flag('--port')) : undefined, bucket: flag('--bucket'), keepDir: argv.includes('--keep-dir') });
  // Exit whatever stop() meets: a rejection must not leave this process (and its daemons) hanging.
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return; // a second signal must not exit before the daemons are gone
    stopping = true;
    rgw.stop().then(
      () => process.exit(0),
      (e: Error) => {
        process.stderr.write(`rgw: stop failed: ${e.message}\n`);
        process.exit(1);
      },
    );
  };
  // Replace the handlers startRgw installed (they would exit at once) by adding
  // ours before removing theirs: Node closes a signal's watcher when its last
  // listener goes, and a SIGTERM that arrived meanwhile would be dropped.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const theirs = process.listeners(sig);
    process.once(sig, shutdown);
    for (const l of theirs) process.removeListener(sig, l);
  }
  // Only now say we are up: whoever reads this line may signal us at once.
  process.stdout.write(
    `# Ceph RGW up in ${rgw.bootMs} ms (logs: ${rgw.dir}; pids ${rgw.pids.join(' ')}); Ctrl-C stops it\n` +
      `export AWS_ENDPOINT_URL=${rgw.endpoint}\nexport AWS_ACCESS_KEY_ID=${rgw.accessKeyId}\n` +
      `export AWS_SECRET_ACCESS_KEY=${rgw.secretAccessKey}\nexport AWS_REGION=${rgw.region}\nexport VALTHREE_BUCKET=${rgw.bucket}\n`,
  );
  setInterval(() => undefined, 1 << 30);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: Error) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  });
}
