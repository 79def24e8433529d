/**
 * Measures the proxy's memory while one client pipelines a lot of SETs
 * without reading its replies:
 *
 *   npx tsx test/bench/backpressure.ts [--mb 100] [--value-bytes 64] [--keys 1000] [--read] [-- proxy flags...]
 *
 * The proxy runs as a child process (the harness's spawnProxy: `node
 * dist/proxy.js`, the bundle `npm start` runs, so the child's pid is the proxy
 * itself and its memory is the shipped code's) over a temporary data
 * directory; its RSS is sampled from /proc/<pid>/status every 20 ms and its
 * peak (VmHWM) read at the end.
 *
 * Phase 1: the client writes SETs and never reads. The proxy answers until its
 * replies fill the socket, then stops executing, its pipeline fills to
 * --max-pending-bytes, it stops reading, and the client's writes stall (TCP
 * flow control). Phase 2: the client reads; everything flows again until all
 * the SETs are written and answered (each reply checked to be +OK).
 * --read: the client reads from the start (a well-behaved pipeline), for comparison.
 *
 * Why memory is bounded (per connection; see /work/readme-parts/limits.md):
 *   queued requests      ≤ max-pending-bytes + the request that crossed it, counting
 *                          each request's bytes plus ~96 B of objects per argument
 *   a partial request    ≤ max(max-pending-bytes, proto-max-bulk-len + 64 KiB)
 *   one submission       ≤ 1024 commands, ≤ one Lambda payload (≈ 5.75 MiB base64)
 *   replies not yet sent ≤ one submission's replies (one Lambda response) or 64 KiB
 *                          of local replies, then the session waits for 'drain'
 * With defaults (16 MiB) that is ≈ 2 × 16 + 6 + 6 MiB of payload per stuck
 * connection, plus the JS objects per queued request; nothing grows with the
 * amount the client sends.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnProxy } from '../support/proxy-harness';
import { encodeCommand } from '../support/resp-client';

interface Options {
  mb: number;
  valueBytes: number;
  keys: number;
  read: boolean;
  proxyArgs: string[];
}

function parse(argv: string[]): Options {
  const o: Options = { mb: 100, valueBytes: 64, keys: 1000, read: false, proxyArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      o.proxyArgs = argv.slice(i + 1);
      break;
    }
    if (a === '--help') {
      process.stdout.write('usage: npx tsx test/bench/backpressure.ts [--mb 100] [--value-bytes 64] [--keys 1000] [--read] [-- proxy flags...]\n');
      process.exit(0);
    }
    if (a === '--read') {
      o.read = true;
      continue;
    }
    const v = Number(argv[++i]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
    if (a === '--mb') o.mb = v;
    else if (a === '--value-bytes') o.valueBytes = v;
    else if (a === '--keys') o.keys = v;
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} for ${pid}`);
  return Number(m[1]) * 1024;
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-bp-'));
  const proxy = await spawnProxy(['--data-dir', dir, ...o.proxyArgs], { LOG_LEVEL: 'info' }).catch(async (e) => {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  const pid = proxy.child.pid;
  if (pid === undefined) throw new Error('no pid');
  try {
    const sock = net.connect(proxy.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    if (!o.read) sock.pause(); // phase 1: never read

    // Warm up (the first commit runs the storage check), then take the baseline.
    sock.write(encodeCommand(['SET', 'warmup', 'x']));
    await sleep(500);
    const baseline = status(pid, 'VmRSS');

    let peakSampled = baseline;
    const sampler = setInterval(() => {
      try {
        peakSampled = Math.max(peakSampled, status(pid, 'VmRSS'));
      } catch {
        // exited
      }
    }, 20);

    // Requests, written in 1 MiB slices as the socket accepts them.
    const value = Buffer.alloc(o.valueBytes, 'v');
    const target = o.mb * MiB;
    let written = 0;
    let sets = 0;
    const slice = (): Buffer => {
      const parts: Buffer[] = [];
      let n = 0;
      while (n < MiB && written + n < target) {
        const b = encodeCommand(['SET', `bp:${sets % o.keys}`, value]);
        parts.push(b);
        n += b.length;
        sets++;
      }
      written += n;
      return Buffer.concat(parts);
    };

    // Replies: counted and checked to be exactly +OK\r\n each (the warm-up's too).
    const OK = Buffer.from('+OK\r\n');
    let received = 0;
    let bad = 0;
    sock.on('data', (d: Buffer) => {
      for (let i = 0; i < d.length; i++) if (d[i] !== OK[(received + i) % 5]) bad++;
      received += d.length;
    });

    const started = Date.now();
    let stalledAt: { written: number; rss: number; ms: number } | null = null;
    while (written < target) {
      if (!sock.write(slice())) {
        const drained = await Promise.race([new Promise((r) => sock.once('drain', () => r(true))), sleep(2000).then(() => false)]);
        if (!drained && stalledAt === null) {
          // Phase 1 ends: the proxy has stopped reading. Record, then start reading.
          stalledAt = { written, rss: status(pid, 'VmRSS'), ms: Date.now() - started };
          sock.resume();
          await new Promise((r) => sock.once('drain', r));
        } else if (!drained) {
          await new Promise((r) => sock.once('drain', r));
        }
      }
    }
    sock.resume();
    const expected = (sets + 1) * OK.length;
    while (received < expected) await sleep(10);
    const seconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    const hwm = status(pid, 'VmHWM');
    sock.destroy();

    const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
    process.stdout.write(
      [
        `backpressure: ${sets} SETs (${mib(written)}, ${o.valueBytes}-byte values over ${o.keys} keys) pipelined by one client${o.read ? ' reading its replies' : ''}`,
        o.read
          ? '  (--read: no phase 1)'
          : stalledAt
          ? `  phase 1 (client not reading): the proxy stopped reading after ${mib(stalledAt.written)} had been written, at ${(stalledAt.ms / 1000).toFixed(1)} s; proxy RSS then ${mib(stalledAt.rss)}`
          : '  phase 1: the client never stalled (the proxy kept up, replies fit the socket buffers)',
        `  all ${sets} answered +OK in ${seconds.toFixed(1)} s (${Math.round(sets / seconds)} SET/s)${bad ? `; ${bad} unexpected reply bytes!` : ''}`,
        `  proxy RSS: baseline ${mib(baseline)}, peak sampled ${mib(peakSampled)}, VmHWM ${mib(hwm)} (peak - baseline: ${mib(hwm - baseline)})`,
      ].join('\n') + '\n',
    );
    if (bad) process.exitCode = 1;
  } finally {
    proxy.child.kill('SIGTERM');
    await proxy.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  process.stderr.write(`backpressure: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
