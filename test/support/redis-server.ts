/**
 * Debian's redis-server as the reference oracle: a throw-away instance on a
 * free loopback port, no persistence, stopped with the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface ReferenceRedis {
  port: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Starts redis-server and resolves once it accepts connections; fails clearly if it is not installed. */
export async function startRedisServer(): Promise<ReferenceRedis> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-redis-'));
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`cannot run redis-server (apt-get install -y redis-server): ${e.message}`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${out}`)));
    child.stdout?.on('data', () => {
      if (out.includes('Ready to accept connections')) resolve();
    });
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGKILL');
      }),
  };
}
