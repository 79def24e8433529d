/** Stateless proxies: what one acknowledges, the other reads (one db.json behind both). */
import Redis from 'ioredis';
import { startEmulator, type Emulator } from '../support/emulator';
import { startProxy, type RunningProxy } from '../support/proxy-harness';
import { lambdaEnv } from './backends';

let emu: Emulator;
let a: RunningProxy;
let b: RunningProxy;
let ca: Redis;
let cb: Redis;
beforeAll(async () => {
  emu = await startEmulator();
  a = await startProxy(['--function', emu.functionName], { env: lambdaEnv(emu) });
  b = await startProxy(['--function', emu.functionName], { env: lambdaEnv(emu) });
  ca = new Redis(a.port, '127.0.0.1');
  cb = new Redis(b.port, '127.0.0.1');
});
afterAll(async () => {
  ca.disconnect();
  cb.disconnect();
  await a.close();
  await b.close();
  await emu.close();
});

test('a write through one proxy is read through the other', async () => {
  expect(await ca.set('shared', 'from-a')).toBe('OK');
  expect(await cb.get('shared')).toBe('from-a');
  expect(await cb.set('shared', 'from-b')).toBe('OK');
  expect(await ca.get('shared')).toBe('from-b');
  expect(await cb.del('shared')).toBe(1);
  expect(await ca.get('shared')).toBeNull();
});

test('concurrent writers on both proxies: every acknowledged write is in db.json', async () => {
  const writes = [];
  for (let i = 0; i < 40; i++) writes.push((i % 2 ? ca : cb).set(`k${i}`, `v${i}`));
  expect(await Promise.all(writes)).toEqual(new Array(40).fill('OK'));
  const seen = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? cb : ca).get(`k${i}`)));
  expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => `v${i}`));
  const doc = JSON.parse(emu.s3.buckets.get(emu.bucket)?.get('db.json')?.body.toString('utf8') ?? '{}');
  for (let i = 0; i < 40; i++) expect(doc.data[`k${i}`]).toBe(`v${i}`);
  expect(await ca.flushall()).toBe('OK');
  expect(await cb.get('k1')).toBeNull();
});
