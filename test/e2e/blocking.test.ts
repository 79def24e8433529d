/**
 * Blocking pops end to end, over real connections: a BRPOP parked on one
 * connection is woken by an LPUSH on another; a timeout answers the null
 * array; later pipelined commands wait behind the blocked one; a client that
 * goes away stops waiting (and pops nothing); MULTI answers at once; and
 * with two proxies over one document a push through proxy B wakes a BRPOP
 * parked on proxy A (by A's block poll: nothing tells A of B's commits).
 * No assertion is about time: every wait is for a state, bounded only by
 * the client's generous timeout.
 */
import { startEmulator, type Emulator } from '../support/emulator';
import { RawClient, plain } from '../support/resp-client';
import { startProxy, type RunningProxy } from '../support/proxy-harness';
import { lambdaEnv } from './backends';

let emu: Emulator;
let a: RunningProxy;
let b: RunningProxy;
/** A third proxy whose block poll never comes round in a test: only its own commits and deadlines wake its clients. */
let quiet: RunningProxy;
const clients: RawClient[] = [];

async function connect(proxy: RunningProxy): Promise<RawClient> {
  const c = await RawClient.connect(proxy.port);
  clients.push(c);
  return c;
}

/** Waits until INFO says `n` clients are blocked on `proxy` (metrics read directly: INFO itself is checked once below). */
async function blockedClients(proxy: RunningProxy, n: number): Promise<void> {
  while (proxy.server.metrics.blockedClients !== n) await new Promise((r) => setTimeout(r, 5));
}

beforeAll(async () => {
  emu = await startEmulator();
  // Two proxies over one document (the Lambda and S3 emulators): each commits its own writes; a short poll keeps the cross-proxy test quick.
  const flags = ['--function', emu.functionName, '--block-poll-ms', '50'];
  a = await startProxy(flags, { env: lambdaEnv(emu) });
  b = await startProxy(flags, { env: lambdaEnv(emu) });
  quiet = await startProxy(['--function', emu.functionName, '--block-poll-ms', '600000'], { env: lambdaEnv(emu) });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all([a?.close(), b?.close(), quiet?.close()]);
  await emu?.close();
});

test('BRPOP blocks until another connection pushes, then answers [key, element]', async () => {
  const [waiter, pusher] = [await connect(a), await connect(a)];
  const popped = waiter.call('BRPOP', 'q1', 'q0', '0');
  await blockedClients(a, 1);
  const info = plain(await pusher.call('INFO', 'clients')) as string;
  expect(info).toContain('blocked_clients:1');
  expect(plain(await pusher.call('LPUSH', 'q0', 'hello'))).toBe(1);
  expect(plain(await popped)).toEqual(['q0', 'hello']);
  expect(plain(await pusher.call('EXISTS', 'q0'))).toBe(0);
  await blockedClients(a, 0);
  expect(a.server.metrics.blockRetries).toBeGreaterThan(0);
});

test('a timeout answers the null array (RESP2 *-1); BLMOVE too', async () => {
  const c = await connect(a);
  expect(await c.call('BLPOP', 'empty', '0.05')).toEqual({ t: 'null' });
  expect(await c.call('BLMOVE', 'empty', 'dst', 'LEFT', 'RIGHT', '0.05')).toEqual({ t: 'null' });
  expect(plain(await c.call('EXISTS', 'dst'))).toBe(0);
});

test('pipelined commands after a blocked one wait for it, and come back in order', async () => {
  const [waiter, pusher] = [await connect(a), await connect(a)];
  waiter.write('*3\r\n$5\r\nBLPOP\r\n$2\r\nq2\r\n$1\r\n0\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n');
  await blockedClients(a, 1);
  expect(waiter.replies).toHaveLength(0);
  // Written after the BLPOP was sent, before it was answered: the GET behind it must see it.
  expect(plain(await pusher.call('SET', 'k', 'after'))).toBe('OK');
  await pusher.call('RPUSH', 'q2', 'x');
  await waiter.waitForReplies(3);
  expect(waiter.replies.map(plain)).toEqual([['q2', 'x'], 'after', 'PONG']);
});

test('a client that goes away while blocked stops waiting and pops nothing', async () => {
  const [waiter, pusher] = [await connect(a), await connect(a)];
  void waiter.call('BLPOP', 'q3', '0').catch(() => undefined);
  await blockedClients(a, 1);
  waiter.close();
  await blockedClients(a, 0);
  await pusher.call('RPUSH', 'q3', 'kept');
  expect(plain(await pusher.call('LRANGE', 'q3', '0', '-1'))).toEqual(['kept']);
});

test('inside MULTI a blocking pop answers at once (a null array), as in Redis', async () => {
  const c = await connect(a);
  await c.call('MULTI');
  expect(plain(await c.call('BLPOP', 'nothing', '0'))).toBe('QUEUED');
  expect(plain(await c.call('BRPOPLPUSH', 'nothing', 'd', '0'))).toBe('QUEUED');
  expect(await c.call('EXEC')).toEqual({ t: 'array', v: [{ t: 'null' }, { t: 'null' }] });
});

test('QUIT after a blocked command was answered closes the connection', async () => {
  const [waiter, pusher] = [await connect(a), await connect(a)];
  waiter.write('*3\r\n$5\r\nBRPOP\r\n$2\r\nq4\r\n$1\r\n0\r\n*1\r\n$4\r\nQUIT\r\n');
  await blockedClients(a, 1);
  await pusher.call('LPUSH', 'q4', 'v');
  await waiter.waitForClose();
  expect(waiter.replies.map(plain)).toEqual([['q4', 'v'], 'OK']);
});

test('two proxies, one document: a push through B wakes a BRPOP parked on A (by A\'s poll)', async () => {
  const [onA, onB] = [await connect(a), await connect(b)];
  const polls = a.server.metrics.blockPolls;
  const popped = onA.call('BRPOP', 'shared', '0');
  await blockedClients(a, 1);
  await onB.call('LPUSH', 'shared', 'from-b');
  expect(plain(await popped)).toEqual(['shared', 'from-b']);
  expect(a.server.metrics.blockPolls).toBeGreaterThan(polls);
  expect(plain(await onB.call('LLEN', 'shared'))).toBe(0);
});

test('at its timeout a blocked command asks once more: a push through another proxy, unseen by any poll, is still popped', async () => {
  const [waiter, pusher] = [await connect(quiet), await connect(b)];
  // Generous: the push must land before the deadline, however loaded the machine.
  const popped = waiter.call('BRPOP', 'unseen', '5');
  await blockedClients(quiet, 1);
  await pusher.call('LPUSH', 'unseen', 'x');
  // Answering the null array here would claim the list was empty throughout the wait.
  expect(plain(await popped)).toEqual(['unseen', 'x']);
  expect(quiet.server.metrics.blockPolls).toBe(0);
  expect(plain(await pusher.call('EXISTS', 'unseen'))).toBe(0);
});
