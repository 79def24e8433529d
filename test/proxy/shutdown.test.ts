/**
 * Graceful shutdown of a real proxy process: SIGTERM while commands are in
 * flight → every command the proxy had received is executed and answered,
 * new connections are refused, the process exits 0 within --drain-ms.
 *
 * Nothing here is timed by the test: "within --drain-ms" is what the proxy
 * logs (it says "drain timed out" when its own deadline cut the drain short),
 * and every wait is for an event — a log line, a close, the server having
 * received the bytes — so a slow machine makes the tests slower, not red.
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

/** c's CLIENT LIST entry; undefined until the proxy has accepted the connection (a connect returns first). */
async function entryFor(observer: RawClient, c: RawClient): Promise<Record<string, string> | undefined> {
  const r = await observer.call('CLIENT', 'LIST');
  if (r.t !== 'bulk') throw new Error('CLIENT LIST failed');
  const line = r.v.toString('latin1').split('\n').find((l) => l.includes(`addr=127.0.0.1:${c.socket.localPort} `));
  return line ? Object.fromEntries(line.split(' ').map((kv) => kv.split(/=(.*)/s, 2) as [string, string])) : undefined;
}

/** Resolves once the proxy has printed `text` (its log goes to stdout). */
function printed(proxy: ChildProxy, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      if (!proxy.output().includes(text)) return false;
      proxy.child.stdout?.off('data', check);
      proxy.child.stderr?.off('data', check);
      resolve();
      return true;
    };
    if (check()) return;
    // Registered after the harness's own listener, so output() already holds the chunk.
    proxy.child.stdout?.on('data', check);
    proxy.child.stderr?.on('data', check);
    void proxy.exited.then(() => check() || reject(new Error(`the proxy exited without printing ${text}:\n${proxy.output()}`)));
  });
}

/** Polls CLIENT LIST until the proxy has read every byte `c` sent (it may not have run them yet). */
async function received(observer: RawClient, c: RawClient): Promise<Record<string, string>> {
  for (;;) {
    const view = await entryFor(observer, c);
    if (view && Number(view['tot-net-in']) >= c.sent) return view;
    await sleep(20);
  }
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
  // Generous: the drain ends as soon as the pipeline is answered, and the
  // test checks that it ended by itself, not by this deadline.
  const DRAIN_MS = 30_000;
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
  const view = await received(setup, client);
  // Everything received, not all answered: in flight.
  expect(Number(view.pipeline)).toBeGreaterThan(SETS / 2);

  proxy.child.kill('SIGTERM');
  await printed(proxy, '"shutting down"');
  expect(await refused(proxy.port)).toBe('ECONNREFUSED');
  // An idle connection is closed at once: before the pipeline's client has
  // read anything, so before the drain can end.
  await setup.waitForClose();
  expect(setup.closedByServer).toBe(true);
  expect(client.received).toBeLessThan(GETS * big.length);

  client.socket.resume();
  await client.waitForReplies(GETS + SETS, 60_000);
  expect(client.replies.slice(0, GETS).every((r) => r.t === 'bulk' && r.v.equals(big))).toBe(true);
  expect(client.replies.slice(GETS).every((r) => r.t === 'simple' && r.v === 'OK')).toBe(true);
  await client.waitForClose();
  expect(client.closedByServer).toBe(true);

  expect(await proxy.exited).toBe(0);
  // Within --drain-ms: the drain finished by itself, its deadline never cut it short.
  expect(proxy.output()).not.toContain('drain timed out');
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
}, 120_000);

test('a client that never reads does not hold shutdown past --drain-ms', async () => {
  const DRAIN_MS = 1500;
  const proxy = await spawnProxy(['--data-dir', dir, '--drain-ms', String(DRAIN_MS)]);
  const setup = await RawClient.connect(proxy.port);
  expect(plain(await setup.call('SET', 'sd:big', Buffer.alloc(1024 * 1024, 'b')))).toBe('OK');
  const stuck = await RawClient.connect(proxy.port);
  stuck.socket.pause();
  stuck.write(Buffer.concat(Array.from({ length: 30 }, () => encodeCommand(['GET', 'sd:big']))));
  // 30 MB of replies, more than the socket buffers hold: once the proxy has
  // the requests, it cannot finish them while this client does not read.
  await received(setup, stuck);
  setup.close();
  const signalled = Date.now();
  proxy.child.kill('SIGTERM');
  expect(await proxy.exited).toBe(0);
  // The client never read, so only the proxy's deadline ended the drain:
  // it says so, and it did not fire early.
  expect(proxy.output()).toContain('drain timed out');
  expect(proxy.output()).toContain('"shutdown complete"');
  expect(Date.now() - signalled).toBeGreaterThanOrEqual(DRAIN_MS - 100);
  expect(stuck.received).toBeLessThan(30 * 1024 * 1024);
  stuck.close();
}, 60_000);

test('a second signal exits at once', async () => {
  // A drain that would outlast the test: only the second signal can end it.
  const proxy = await spawnProxy(['--data-dir', dir, '--drain-ms', '600000']);
  const stuck = await RawClient.connect(proxy.port);
  await stuck.call('SET', 'sd:big', Buffer.alloc(1024 * 1024, 'b'));
  const observer = await RawClient.connect(proxy.port);
  stuck.socket.pause();
  stuck.write(Buffer.concat(Array.from({ length: 30 }, () => encodeCommand(['GET', 'sd:big']))));
  await received(observer, stuck);
  observer.close();
  proxy.child.kill('SIGTERM');
  await printed(proxy, '"shutting down"');
  proxy.child.kill('SIGINT');
  expect(await proxy.exited).toBe(1);
  expect(proxy.output()).not.toContain('"shutdown complete"');
  stuck.close();
}, 60_000);
