/**
 * A proxy in a child process that SIGKILL really kills: node runs the built
 * bundle itself (proxy-harness's proxyCommand), so the child is the proxy,
 * not a wrapper that a SIGKILL would take down while the proxy, orphaned,
 * kept its port. Unlike spawnProxy it keeps a long run's log bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { proxyCommand, ROOT } from '../support/proxy-harness';

export interface KillableProxy {
  port: number;
  child: ChildProcess;
  exited: Promise<number | string>;
  output(): string;
}

export async function spawnKillableProxy(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<KillableProxy> {
  const child = spawn(process.execPath, proxyCommand(args), {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // Keep the start of the log and its recent end (a long run logs every connection).
  const keep = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 64 * 1024) out = out.slice(0, 16 * 1024) + '\n…\n' + out.slice(-32 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`proxy did not start in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (): void => {
      const line = out.split('\n').find((l) => l.includes('"valthree listening"'));
      if (!line) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve((JSON.parse(line) as { port: number }).port);
    };
    child.stdout?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`proxy exited (${code}) before listening:\n${out}`));
    });
  });
  return { port, child, exited, output: () => out };
}

/**
 * A free port below the ephemeral range, for a proxy that gets restarted.
 * While it is down its clients keep reconnecting, and a connect to a free
 * port inside the ephemeral range can be given that very port as its source
 * (a TCP self-connect): the client then talks to itself and the restarted
 * proxy fails with EADDRINUSE. Source ports never come from below the range.
 */
export async function stablePort(host = '127.0.0.1'): Promise<number> {
  let low = 32768;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch {
    // not Linux: assume the IANA range's neighbour
  }
  const from = Math.max(1024, Math.min(low - 1, 20000) - 8000);
  for (let i = 0; i < 50; i++) {
    const port = from + Math.floor(Math.random() * (low - from));
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, host, () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  return 0;
}
