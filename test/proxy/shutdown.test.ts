/**
 * Graceful shutdown of a real proxy process: SIGTERM while commands are in
 * flight → every command the proxy had received is executed and answered,
 * new connections are refused, the process exits 0 within --drain-ms.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnProxy as spawn, startProxy, type ChildProxy } from '../support/proxy-harness';
import { RawClient, encodeCommand, plain } from '../support/resp-client';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-shutdown-'));
});
const children: ChildProxy[] = [];
afterEach(() => {
  // A failed test must not leave a proxy running.
  for (const c of children.splice(0)) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});
async function spawnProxy(args: string[]): Promise<ChildProxy> {
  const c = await spawn(args);
  children.push(c);
  return c;
}

async function entryFor(observer: RawClient, c: RawClient): Promise<Record<string, string>> {
  const r = await observer.call('CLIENT', 'LIST');
  if (r.t !== 'bulk') throw new Error('CLIENT LIST failed');
  const line = r.v.toString('latin1').split('\n').find((l) => l.includes(`addr=127.0.0.1:${c.socket.localPort} `));
  if (!line) throw new Error('client not listed');
  return Object.fromEntries(line.split(' ').map((kv) => kv.split(/=(.*)/s, 2) as [string, string]));
}

function refused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

test('SIGTERM with a pipeline in flight: all of it answered and durable, new connections refused, exit 0 within --drain-ms', async () => {
  const DRAIN_MS = 8000;
  const proxy = await spawnProxy(['--data-dir', dir, '--drain-ms', String(DRAIN_MS)]);
  const big = Buffer.alloc(1024 * 1024, 'b');
  const setup = await RawClient.connect(proxy.port);
  expect(plain(await setup.call('SET', 'sd:big', big))).toBe('OK');

  // A client that pipelines and does not read yet: 20 MB of GET replies fill
  // the socket, so the proxy still holds the SETs behind them, received but
  // not executed, when SIGTERM arrives.
  const client = await RawClient.connect(proxy.port);
  client.socket.pause();
  const GETS = 20;
  const SETS = 3000;
  const pipeline = [...Array.from({ length: GETS }, () => encodeCommand(['GET', 'sd:big'])), ...Array.from({ length: SETS }, (_, i) => encodeCommand(['SET', `sd:${i}`, `v${i}`]))];
  client.write(Buffer.concat(pipeline));
  let view = await entryFor(setup, client);
  while (Number(view['tot-net-in']) < client.sent) {
    await sleep(20);
    view = await entryFor(setup, client);
  }
  // Everything received, not all answered: in flight.
  expect(Number(view.pipeline)).toBeGreaterThan(SETS / 2);

  const signalled = Date.now();
  proxy.child.kill('SIGTERM');
  while (!proxy.output().includes('"shutting down"')) await sleep(10);
  expect(await refused(proxy.port)).toBe('ECONNREFUSED');
  // An idle connection is closed at once.
  await setup.waitForClose(3000);

  client.socket.resume();
  await client.waitForReplies(GETS + SETS, 30000);
  expect(client.replies.slice(0, GETS).every((r) => r.t === 'bulk' && r.v.equals(big))).toBe(true);
  expect(client.replies.slice(GETS).every((r) => r.t === 'simple' && r.v === 'OK')).toBe(true);
  await client.waitForClose(5000);
  expect(client.closedByServer).toBe(true);

  expect(await proxy.exited).toBe(0);
  expect(Date.now() - signalled).toBeLessThan(DRAIN_MS);
  expect(proxy.output()).toContain('"shutdown complete"');

  // The answered writes are in db.json: a new proxy over the same directory reads them.
  const again = await startProxy(['--data-dir', dir]);
  try {
    const c = await RawClient.connect(again.port);
    for (const i of [0, 1, SETS / 2, SETS - 1]) expect(plain(await c.call('GET', `sd:${i}`))).toBe(`v${i}`);
    c.close();
  } finally {
    await again.close();
  }
}, 60_000);

test('a client that never reads does not hold shutdown past --drain-ms', async () => {
  const DRAIN_MS = 1500;
  const proxy = await spawnProxy(['--data-dir', dir, '--drain-ms', String(DRAIN_MS)]);
  const setup = await RawClient.connect(proxy.port);
  expect(plain(await setup.call('SET', 'sd:big', Buffer.alloc(1024 * 1024, 'b')))).toBe('OK');
  setup.close();
  const stuck = await RawClient.connect(proxy.port);
  stuck.socket.pause();
  stuck.write(Buffer.concat(Array.from({ length: 30 }, () => encodeCommand(['GET', 'sd:big']))));
  await sleep(300);
  const signalled = Date.now();
  proxy.child.kill('SIGTERM');
  expect(await proxy.exited).toBe(0);
  const took = Date.now() - signalled;
  expect(took).toBeGreaterThanOrEqual(DRAIN_MS - 100);
  expect(took).toBeLessThan(DRAIN_MS + 3000);
  expect(proxy.output()).toContain('drain timed out');
  stuck.close();
}, 30_000);

test('a second signal exits at once', async () => {
  const proxy = await spawnProxy(['--data-dir', dir, '--drain-ms', '20000']);
  const stuck = await RawClient.connect(proxy.port);
  await stuck.call('SET', 'sd:big', Buffer.alloc(1024 * 1024, 'b'));
  stuck.socket.pause();
  stuck.write(Buffer.concat(Array.from({ length: 30 }, () => encodeCommand(['GET', 'sd:big']))));
  await sleep(300);
  proxy.child.kill('SIGTERM');
  while (!proxy.output().includes('"shutting down"')) await sleep(10);
  proxy.child.kill('SIGINT');
  expect(await proxy.exited).toBe(1);
  stuck.close();
}, 30_000);
