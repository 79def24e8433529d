/**
 * MULTI/EXEC/WATCH through two proxies sharing one db.json (the emulator's
 * S3 and Lambda): a WATCH sees writes made through the other proxy, a
 * transaction is never split, and the limits of one Lambda payload refuse a
 * transaction whole — before it is sent, or by rolling it back.
 */
import Redis from 'ioredis';
import { startEmulator, type Emulator } from '../support/emulator';
import { startProxy, type RunningProxy } from '../support/proxy-harness';
import { lambdaEnv } from './backends';

let emu: Emulator;
let a: RunningProxy;
let b: RunningProxy;
const clients: Redis[] = [];
const client = (p: RunningProxy) => {
  const c = new Redis(p.port, '127.0.0.1', { maxRetriesPerRequest: 0 });
  clients.push(c);
  return c;
};
beforeAll(async () => {
  emu = await startEmulator();
  a = await startProxy(['--function', emu.functionName], { env: lambdaEnv(emu) });
  b = await startProxy(['--function', emu.functionName], { env: lambdaEnv(emu) });
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await a.close();
  await b.close();
  await emu.close();
});
beforeEach(async () => {
  await client(a).flushall();
});

test('WATCH sees a write made through the other proxy: EXEC answers null and applies nothing', async () => {
  const ca = client(a);
  const cb = client(b);
  await ca.set('balance', '10');
  expect(await ca.watch('balance')).toBe('OK');
  const seen = Number(await ca.get('balance'));
  expect(await cb.set('balance', '10')).toBe('OK'); // the same value: still a change
  expect(await ca.multi().set('balance', String(seen - 3)).exec()).toBeNull();
  expect(await cb.get('balance')).toBe('10');
  // Without interference the same loop commits.
  await ca.watch('balance');
  expect(await ca.multi().set('balance', '7').incr('n').exec()).toEqual([[null, 'OK'], [null, 1]]);
  expect(await cb.mget('balance', 'n')).toEqual(['7', '1']);
});

test('compare-and-set from many clients on both proxies: no increment lost, none applied twice', async () => {
  const workers = Array.from({ length: 6 }, (_, i) => client(i % 2 ? a : b));
  let commits = 0;
  await Promise.all(
    workers.map(async (c) => {
      for (let done = 0; done < 5; ) {
        await c.watch('counter');
        const v = Number((await c.get('counter')) ?? '0');
        const r = await c.multi().set('counter', String(v + 1)).exec();
        if (r !== null) {
          done++;
          commits++;
        }
      }
    }),
  );
  expect(commits).toBe(30);
  expect(await client(a).get('counter')).toBe('30');
});

test('QUIT and RESET inside MULTI act at once; RESET discards the transaction and the WATCHes', async () => {
  const c = client(a);
  await c.set('k', 'v');
  await c.watch('k');
  await c.multi({ pipeline: false });
  expect(await c.set('k', 'queued')).toBe('QUEUED');
  expect(await c.call('RESET')).toBe('RESET');
  await client(b).set('k', 'changed'); // was watched: no longer
  expect(await c.call('EXEC').catch((e: Error) => e.message)).toBe('ERR EXEC without MULTI');
  expect(await c.get('k')).toBe('changed');
  await c.multi({ pipeline: false });
  await c.set('k', 'never');
  expect(await c.quit()).toBe('OK');
  expect(await client(b).get('k')).toBe('changed');
});

test('a queue larger than one request is refused whole at EXEC, nothing sent', async () => {
  const c = client(a);
  const big = 'x'.repeat(3 * 1024 * 1024);
  const r = await c.multi().set('big1', big).set('big2', big).incr('n').exec().catch((e: Error & { previousErrors?: Error[] }) => e.message);
  expect(String(r)).toMatch(/^EXECABORT Transaction discarded: its queued commands take more than \d+ bytes/);
  expect(await c.exists('big1', 'big2', 'n')).toBe(0);
});

test('an EXEC whose reply would not fit one Lambda response is rolled back whole', async () => {
  const c = client(a);
  await c.set('big', 'y'.repeat(4 * 1024 * 1024));
  const r = await c.multi().incr('n').get('big').get('big').exec().catch((e: Error) => e.message);
  expect(String(r)).toMatch(/reply too large for one Lambda response; the transaction was not applied/);
  expect(await c.get('n')).toBeNull();
  // The connection goes on.
  expect(await c.multi().incr('n').exec()).toEqual([[null, 1]]);
});

test('WATCH is bounded per connection: past the cap EXEC aborts rather than skip a check; re-watching a key keeps its first WATCH', async () => {
  const c = client(a);
  await c.set('k', 'v');
  await c.watch('k');
  await client(b).set('k', 'changed');
  await c.watch('k'); // again, after the change: the first WATCH still counts
  expect(await c.multi().get('k').exec()).toBeNull();
  const keys = Array.from({ length: 10_001 }, (_, i) => `w${i}`);
  await c.watch(...keys);
  expect(await c.multi().get('k').exec()).toBeNull();
  await c.watch(...keys.slice(0, 10_000));
  expect(await c.multi().get('k').exec()).toEqual([[null, 'changed']]);
});
