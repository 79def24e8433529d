/** `npm run bench -- --workload ping`: the proxy's PING rate against redis-server's (moved out of bench.ts as is). */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtProxy } from '../support/proxy-harness';
import type { BenchOptions } from './options';

/** A free TCP port on loopback (for processes that must be told theirs). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * redis-benchmark PING -P 16 against a proxy and against redis-server on this
 * machine. The proxy runs as it ships: proxy/build.mjs's bundle on plain node,
 * as `npm start` and the image run it (tsx's loader costs throughput).
 */
export async function pingBench(o: BenchOptions): Promise<void> {
  const n = String(o.pingRequests);
  const rps = (port: number) => {
    const out = execFileSync('redis-benchmark', ['-p', String(port), '-t', 'ping', '-P', '16', '-n', n, '-c', '50', '-q'], { encoding: 'utf8' });
    return [...out.matchAll(/(PING_\w+): ([\d.]+) requests per second/g)].map((m) => [m[1], Number(m[2])] as const);
  };
  const dir = mkdtempSync(join(tmpdir(), 'valthree-ping-'));
  const proxyPort = await freePort();
  const proxy = spawn(process.execPath, ['--enable-source-maps', builtProxy(), '--port', String(proxyPort), '--data-dir', join(dir, 'data'), '--log-level', 'warn'], { stdio: 'ignore' });
  const redisPort = await freePort();
  const redis = spawn('redis-server', ['--port', String(redisPort), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const ours = rps(proxyPort);
    const theirs = rps(redisPort);
    console.log('workload   valthree-proxy rps   redis-server rps   ratio');
    for (const [name, v] of ours) {
      const r = theirs.find(([t]) => t === name)?.[1] ?? 0;
      console.log(`${name.padEnd(11)}${v.toFixed(0).padStart(18)}${r.toFixed(0).padStart(19)}${(v / r).toFixed(2).padStart(8)}`);
    }
    if (o.json) console.log(JSON.stringify({ workload: 'ping', pipeline: 16, results: ours.map(([name, v]) => ({ name, proxy_rps: v, redis_rps: theirs.find(([t]) => t === name)?.[1] ?? 0 })) }));
  } finally {
    proxy.kill('SIGKILL');
    redis.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
