/**
 * Starts valthree proxies for tests: in this process (fast, the default) or
 * as a child process (for signals, crashes and restarts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import pino from 'pino';
import { parseArgs, type Settings } from '../../proxy/config';
import { buildExecutor, buildServer } from '../../proxy/app';
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
  const settings: Settings = parseArgs(['--port', '0', ...args], opts.env ?? {});
  const executor = opts.executor ?? buildExecutor(settings, opts.env ?? process.env);
  await executor.ready();
  const server = buildServer(settings, executor, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
  const port = await server.listen();
  return { port, server, close: () => server.shutdown() };
}

export interface ChildProxy {
  port: number;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
}

/** Runs `tsx proxy/main.ts` and waits until it listens. */
export async function spawnProxy(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 20000): Promise<ChildProxy> {
  // `node --import tsx`, not the tsx CLI: the CLI runs the proxy as a grandchild,
  // which a SIGKILL of the child would leave running (and holding its port).
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'proxy/main.ts'), '--port', '0', ...args], {
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
