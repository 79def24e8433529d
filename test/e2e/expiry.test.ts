/**
 * Expiry with the real clock, and a db.json of the previous format served and
 * upgraded in place — both through a proxy as a user runs it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RawClient, plain } from '../support/resp-client';
import { startProxy, type RunningProxy } from '../support/proxy-harness';

let dir: string;
let proxy: RunningProxy | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-expiry-'));
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a GET sent after the TTL has passed never returns the value; PTTL counts down', async () => {
  proxy = await startProxy(['--data-dir', dir]);
  const c = await RawClient.connect(proxy.port);
  try {
    expect(plain(await c.call('SET', 'k', 'v', 'PX', '200'))).toBe('OK');
    const first = plain(await c.call('PTTL', 'k')) as number;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(200);
    await sleep(60);
    expect(plain(await c.call('PTTL', 'k')) as number).toBeLessThan(first);
    // Only a lower bound on time here: by now the deadline has passed on every clock involved (one machine).
    await sleep(250);
    expect(plain(await c.call('GET', 'k'))).toBeNull();
    expect(plain(await c.call('PTTL', 'k'))).toBe(-2);
    expect(plain(await c.call('EXISTS', 'k'))).toBe(0);
  } finally {
    c.close();
  }
});

test('a db.json in format 1 is served as it is and upgraded to format 3 by the next commit', async () => {
  fs.copyFileSync(path.join(__dirname, '../lambda/fixtures/db-format-1.json'), path.join(dir, 'db.json'));
  proxy = await startProxy(['--data-dir', dir]);
  const c = await RawClient.connect(proxy.port);
  try {
    expect(plain(await c.call('GET', 'user:1'))).toBe('Ada');
    expect(plain(await c.call('GET', 'héllo'))).toBe(Buffer.from('wörld ✓ 日本 🎉').toString('latin1'));
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'db.json'), 'utf8')).format).toBe(1);
    expect(plain(await c.call('INCR', '42'))).toBe(1);
    const upgraded = JSON.parse(fs.readFileSync(path.join(dir, 'db.json'), 'utf8'));
    expect(upgraded.format).toBe(3);
    expect(upgraded.data['user:1']).toBe('Ada');
    expect(upgraded.data['42']).toBe('1');
    expect(plain(await c.call('DBSIZE'))).toBe(10);
  } finally {
    c.close();
  }
});
