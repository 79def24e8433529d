/**
 * `npx tsx test/bench/memory.ts [connections]`: the resident memory of
 * valthree as `npm start` runs it (the built bundle, default flags, a fresh
 * data dir), idle, and then holding N idle client connections (default
 * 10,000, the default --maxclients). Reads VmRSS from /proc (Linux).
 *
 * Each connection is a plain TCP socket that has sent one PING and got its
 * PONG: a session the proxy has set up and served, now idle. Needs a file
 * descriptor limit above N on both sides (`ulimit -n`).
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnProxy } from '../support/proxy-harness';

const rssMiB = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('error', reject);
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', () => resolve(s));
  });
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'valthree-mem-'));
  const proxy = await spawnProxy(['--data-dir', join(dir, 'data')]);
  const pid = proxy.child.pid as number;
  const sockets: net.Socket[] = [];
  try {
    await settle(2000);
    const idle = rssMiB(pid);
    // In waves, so the listen backlog never overflows.
    for (let i = 0; i < n; i += 500) sockets.push(...(await Promise.all(Array.from({ length: Math.min(500, n - i) }, () => connect(proxy.port)))));
    await settle(2000);
    const held = rssMiB(pid);
    console.log(`valthree (npm start) RSS: idle ${idle.toFixed(1)} MiB; with ${n} idle connections ${held.toFixed(1)} MiB (${(((held - idle) * 1024 * 1024) / n / 1024).toFixed(1)} KiB per connection)`);
  } finally {
    for (const s of sockets) s.destroy();
    proxy.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(`memory: ${e.message}`);
    process.exit(1);
  },
);
