/**
 * Blocking pops across a cluster of three proxies over one document
 * (proxy/cluster/: the first started holds the writer lease, the other two
 * forward their write batches to it): a BRPOP parked on any proxy is
 * answered when an LPUSH through any other lands. The block poll is a
 * minute, so it never comes round in these tests: what wakes the client is
 * the commit's change marks — the writer's own, or, on a follower, those the
 * writer tells it on the internal link. No assertion is about time: every
 * wait is for a state.
 */
import { startEmulator, type Emulator } from '../support/emulator';
import { RawClient, plain } from '../support/resp-client';
import { startClusterProxy, type ClusterProxy } from '../support/proxy-harness';
import { lambdaEnv } from './backends';

let emu: Emulator;
let writer: ClusterProxy;
let follower1: ClusterProxy;
let follower2: ClusterProxy;
const clients: RawClient[] = [];

async function connect(proxy: ClusterProxy): Promise<RawClient> {
  const c = await RawClient.connect(proxy.port);
  clients.push(c);
  expect(plain(await c.call('AUTH', 'pw'))).toBe('OK');
  return c;
}

/** Waits until `n` clients are blocked on `proxy`. */
async function blockedClients(proxy: ClusterProxy, n: number): Promise<void> {
  while (proxy.server.metrics.blockedClients !== n) await new Promise((r) => setTimeout(r, 5));
}

beforeAll(async () => {
  emu = await startEmulator();
  // A long lease, so the writer stays the writer for the whole file; a minute's poll, so only a commit's marks can wake a client.
  const flags = ['--function', emu.functionName, '--requirepass', 'pw', '--block-poll-ms', '60000', '--lease-ms', '30000'];
  // One after the other: the first takes the lease, the others see it held.
  writer = await startClusterProxy(flags, { env: lambdaEnv(emu) });
  follower1 = await startClusterProxy(flags, { env: lambdaEnv(emu) });
  follower2 = await startClusterProxy(flags, { env: lambdaEnv(emu) });
});
afterAll(async () => {
  for (const c of clients) c.close();
  for (const p of [follower2, follower1, writer]) await p?.close();
  await emu?.close();
});

/** A BRPOP on `waitOn`, an LPUSH through `pushThrough`: the pop answers, woken by the commit's marks, not by the poll. */
async function popAcross(waitOn: ClusterProxy, pushThrough: ClusterProxy, key: string): Promise<void> {
  const [waiter, pusher] = [await connect(waitOn), await connect(pushThrough)];
  const m = waitOn.server.metrics;
  const [polls, wakeups] = [m.blockPolls, m.blockWakeups];
  const popped = waiter.call('BRPOP', key, '0');
  await blockedClients(waitOn, 1);
  expect(plain(await pusher.call('LPUSH', key, `to-${key}`))).toBe(1);
  expect(plain(await popped)).toEqual([key, `to-${key}`]);
  await blockedClients(waitOn, 0);
  expect(m.blockPolls).toBe(polls);
  expect(m.blockWakeups).toBeGreaterThan(wakeups);
  expect(plain(await pusher.call('LLEN', key))).toBe(0);
}

test('one writer, two followers', () => {
  expect([writer, follower1, follower2].map((p) => p.node.leaseKeeper?.isWriter)).toEqual([true, false, false]);
});

test('a BRPOP parked on a follower is answered after an LPUSH through the writer', async () => {
  await popAcross(follower1, writer, 'from-writer');
});

test('a BRPOP parked on the writer is answered after an LPUSH through a follower', async () => {
  const { forwarded, fellBack } = follower1.node.forwarder.counts;
  await popAcross(writer, follower1, 'from-follower');
  // The push went through the writer's link, not around it.
  expect(follower1.node.forwarder.counts.forwarded).toBeGreaterThan(forwarded);
  expect(follower1.node.forwarder.counts.fellBack).toBe(fellBack);
});

test('a BRPOP parked on one follower is answered after an LPUSH through the other', async () => {
  const { forwarded, fellBack } = follower2.node.forwarder.counts;
  await popAcross(follower1, follower2, 'across-followers');
  expect(follower2.node.forwarder.counts.forwarded).toBeGreaterThan(forwarded);
  expect(follower2.node.forwarder.counts.fellBack).toBe(fellBack);
});

test('a push wakes only the clients blocked on its key; the others stay parked', async () => {
  const [onQ, onOther, pusher] = [await connect(follower2), await connect(follower2), await connect(follower1)];
  const popped = onQ.call('BLPOP', 'woken', '0');
  const other = onOther.call('BLPOP', 'not-woken', '0');
  await blockedClients(follower2, 2);
  const wakeups = follower2.server.metrics.blockWakeups;
  await pusher.call('RPUSH', 'woken', 'x');
  expect(plain(await popped)).toEqual(['woken', 'x']);
  // The other client was not woken: one wake-up, and it is still blocked.
  expect(follower2.server.metrics.blockWakeups).toBe(wakeups + 1);
  expect(follower2.server.metrics.blockedClients).toBe(1);
  await pusher.call('RPUSH', 'not-woken', 'y');
  expect(plain(await other)).toEqual(['not-woken', 'y']);
});
