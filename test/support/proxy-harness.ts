/**
 * Starts valthree proxies for tests: in this process (fast, the default) or
 * as a child process (for signals, crashes and restarts).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import pino from 'pino';
import { parseArgs, type ProxySettings } from '../../proxy/config';
import { buildExecutor, buildServer } from '../../proxy/app';
import { ClusterNode } from '../../proxy/cluster/node';
import type { Executor } from '../../proxy/executors/types';
import type { ValthreeServer } from '../../proxy/server';

export const ROOT = path.resolve(__dirname, '../..');

export interface RunningProxy {
  port: number;
  server: ValthreeServer;
  close(): Promise<void>;
}

/** Flags as on the command line, e.g. ['--data-dir', dir]; port 0 unless given. */
export async function startProxy(args: string[], opts: { executor?: Executor; env?: NodeJS.ProcessEnv } = {}): Promise<RunningProxy> {
  const settings: ProxySettings = parseArgs(['--port', '0', ...args], opts.env ?? {});
  const executor = opts.executor ?? buildExecutor(settings, opts.env ?? process.env);
  await executor.ready();
  const server = buildServer(settings, executor, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
  const port = await server.listen();
  return { port, server, close: () => server.shutdown() };
}

export interface ClusterProxy extends RunningProxy {
  node: ClusterNode;
}

/**
 * A proxy that takes part in a cluster (as `--internal-port` makes it, but on
 * any free internal port), its flags' lease and forward settings applied.
 * Resolves once it has its first view of the lease: started one after the
 * other, the first holds it and the others forward to it.
 */
export async function startClusterProxy(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<ClusterProxy> {
  const s: ProxySettings = parseArgs(['--port', '0', ...args], opts.env ?? {});
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const base = buildExecutor(s, opts.env ?? process.env);
  await base.ready();
  const node = new ClusterNode(base, { internalPort: 0, host: '127.0.0.1', leaseMs: s.leaseMs, forwardDeadlineMs: s.forwardDeadlineMs, forwardSkewMs: s.forwardSkewMs, secret: s.requirepass ?? null }, log);
  const server = buildServer(s, node.forwarder, log);
  const port = await server.listen();
  await node.start(server);
  return { port, server, node, close: () => node.stop().then(() => server.shutdown()) };
}

export interface ChildProxy {
  port: number;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
}

let bundle: string | undefined;

/**
 * The shipped bundle, dist/proxy.js, rebuilt first if a source changed (the
 * check `npm start` makes, ~0.1 s). Child proxies run it rather than the
 * sources through tsx: that is what users and the image run, and it starts
 * in about a third of the time.
 */
export function builtProxy(): string {
  if (bundle === undefined) {
    execFileSync(process.execPath, [path.join(ROOT, 'proxy/build.mjs'), '--if-stale'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    bundle = path.join(ROOT, 'dist/proxy.js');
  }
  return bundle;
}

/**
 * `node` arguments that run a proxy as `npm start` does. Node itself runs
 * the proxy (no wrapper process), so a signal to the child reaches the proxy.
 */
export function proxyCommand(args: string[]): string[] {
  return ['--enable-source-maps', builtProxy(), '--port', '0', ...args];
}

/** Runs the built proxy (as `npm start` does) and waits until it listens. */
export function spawnProxy(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 20000): Promise<ChildProxy> {
  return spawnListening(proxyCommand(args), env, timeoutMs);
}

/** Runs `node <nodeArgs>`, a proxy however it is started, and waits until it listens. */
export async function spawnListening(nodeArgs: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 20000): Promise<ChildProxy> {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`proxy did not start in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      const line = out.split('\n').find((l) => l.includes('"valthree listening"'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`proxy exited (${code}) before listening:\n${out}`));
    });
  });
  return { port, child, output: () => out, exited };
}
