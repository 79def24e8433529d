/**
 * The string, counter, expiry and keyspace commands through real clients with
 * default options — redis-cli, ioredis, and node-redis on RESP2 and RESP3 —
 * with the replies each client shows for Redis 7. (Every command's replies
 * byte for byte against redis-server: test/differential/.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { startProxy, type RunningProxy } from '../support/proxy-harness';
import { redisCli } from '../support/redis-cli';

let proxy: RunningProxy;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-appcmds-'));
  proxy = await startProxy(['--data-dir', dir]);
});
afterAll(async () => {
  await proxy?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('redis-cli', async () => {
  const cli = (...a: string[]) => redisCli(proxy.port, a).then((r) => r.stdout.trim());
  expect(await cli('set', 'cli:k', 'v', 'EX', '100', 'NX')).toBe('OK');
  expect(await cli('set', 'cli:k', 'w', 'NX')).toBe('');
  expect(Number(await cli('ttl', 'cli:k'))).toBeGreaterThan(95);
  expect(await cli('incrby', 'cli:n', '5')).toBe('5');
  expect(await cli('incrbyfloat', 'cli:n', '0.5')).toBe('5.5');
  expect(await cli('mset', 'cli:a', '1', 'cli:b', '2')).toBe('OK');
  expect((await redisCli(proxy.port, ['mget', 'cli:a', 'cli:b', 'cli:none'])).stdout).toBe('1\n2\n\n');
  expect((await cli('keys', 'cli:[ab]')).split('\n').sort()).toEqual(['cli:a', 'cli:b']);
  expect(await cli('-n', '3', 'set', 'k3', 'in three')).toBe('OK');
  expect(await cli('-n', '3', 'get', 'k3')).toBe('in three');
  expect(await cli('get', 'k3')).toBe('');
  expect(await cli('exists', 'cli:a', 'cli:a', 'cli:none')).toBe('2');
  expect(await cli('type', 'cli:a')).toBe('string');
});

test('ioredis', async () => {
  const r = new Redis(proxy.port, '127.0.0.1');
  try {
    expect(await r.set('io:k', 'v', 'PX', 5000, 'GET')).toBeNull();
    expect(await r.pttl('io:k')).toBeGreaterThan(4000);
    expect(await r.getex('io:k', 'PERSIST')).toBe('v');
    expect(await r.ttl('io:k')).toBe(-1);
    expect(await r.incr('io:n')).toBe(1);
    expect(await r.decrby('io:n', 3)).toBe(-2);
    expect(await r.append('io:k', 'xyz')).toBe(4);
    expect(await r.getrange('io:k', 1, -1)).toBe('xyz');
    expect(await r.rename('io:k', 'io:k2')).toBe('OK');
    expect(await r.getdel('io:k2')).toBe('vxyz');
    const keys = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      r.scanStream({ match: 'io:*', count: 2 })
        .on('data', (ks: string[]) => ks.forEach((k) => keys.add(k)))
        .on('end', resolve)
        .on('error', reject);
    });
    expect([...keys]).toEqual(['io:n']);
    expect(await r.dbsize()).toBeGreaterThan(0);
  } finally {
    r.disconnect();
  }
});

test.each([2, 3] as const)('node-redis RESP%s', async (RESP) => {
  const c = createClient({ url: `redis://127.0.0.1:${proxy.port}`, RESP });
  await c.connect();
  try {
    const p = `nr${RESP}:`;
    expect(await c.set(`${p}k`, 'v', { expiration: { type: 'EX', value: 100 } })).toBe('OK');
    expect(await c.expire(`${p}k`, 50, 'LT')).toBe(1);
    expect(await c.ttl(`${p}k`)).toBeLessThanOrEqual(50);
    expect(await c.persist(`${p}k`)).toBe(1);
    expect(await c.incrByFloat(`${p}f`, 1.25)).toBe('1.25');
    expect(await c.mSetNX({ [`${p}a`]: '1', [`${p}b`]: '2' })).toBe(1);
    expect(await c.strLen(`${p}a`)).toBe(1);
    expect(await c.copy(`${p}a`, `${p}c`)).toBe(1);
    const seen: string[] = [];
    for await (const keys of c.scanIterator({ MATCH: `${p}*`, COUNT: 3 })) seen.push(...keys);
    expect(seen.sort()).toEqual([`${p}a`, `${p}b`, `${p}c`, `${p}f`, `${p}k`]);
    expect(await c.unlink([`${p}a`, `${p}b`])).toBe(2);
    const [seconds, micros] = await c.time();
    expect(Number(micros)).toBeLessThan(1_000_000);
    expect(Math.abs(Number(seconds) * 1000 - Date.now())).toBeLessThan(60_000);
  } finally {
    await c.quit();
  }
});
