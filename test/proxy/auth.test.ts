/**
 * AUTH as Redis does it with `requirepass`: only AUTH, HELLO … AUTH, QUIT and
 * RESET before authenticating; the default user; RESET forgets. And Redis's
 * answers when no password is configured.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { startProxy, type RunningProxy } from '../support/proxy-harness';
import { RawClient, encodeCommand, plain } from '../support/resp-client';
import { redisCli } from '../support/redis-cli';

const NOAUTH = { error: 'NOAUTH Authentication required.' };
const WRONGPASS = { error: 'WRONGPASS invalid username-password pair or user is disabled.' };

let dir: string;
let proxy: RunningProxy;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-auth-'));
  proxy = await startProxy(['--data-dir', dir, '--requirepass', 's3cret']);
});
afterAll(async () => {
  await proxy.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function client(): Promise<RawClient> {
  return RawClient.connect(proxy.port);
}
const call = async (c: RawClient, ...args: string[]) => plain(await c.call(...args));

describe('with --requirepass s3cret', () => {
  test('commands before AUTH get NOAUTH; a wrong password WRONGPASS; the right one OK, then commands work', async () => {
    const c = await client();
    expect(await call(c, 'GET', 'x')).toEqual(NOAUTH);
    expect(await call(c, 'SET', 'x', '1')).toEqual(NOAUTH);
    expect(await call(c, 'PING')).toEqual(NOAUTH);
    expect(await call(c, 'AUTH', 'wrong')).toEqual(WRONGPASS);
    expect(await call(c, 'GET', 'x')).toEqual(NOAUTH);
    expect(await call(c, 'AUTH', 's3cret')).toBe('OK');
    expect(await call(c, 'SET', 'auth:x', '1')).toBe('OK');
    expect(await call(c, 'GET', 'auth:x')).toBe('1');
    expect(await call(c, 'PING')).toBe('PONG');
    c.close();
  });

  test('AUTH default <pass> (the ACL form); another user is refused', async () => {
    const c = await client();
    expect(await call(c, 'AUTH', 'nobody', 's3cret')).toEqual(WRONGPASS);
    expect(await call(c, 'AUTH', 'default', 'wrong')).toEqual(WRONGPASS);
    expect(await call(c, 'AUTH', 'default', 's3cret')).toBe('OK');
    expect(await call(c, 'GET', 'auth:x')).toBe('1');
    expect(await call(c, 'AUTH', 'a', 'b', 'c')).toEqual({ error: 'ERR syntax error' });
    c.close();
  });

  test('HELLO 3 AUTH default s3cret authenticates and switches to RESP3', async () => {
    const c = await client();
    expect(await call(c, 'HELLO', '3', 'AUTH', 'default', 'wrong')).toEqual(WRONGPASS);
    const hello = await c.call('HELLO', '3', 'AUTH', 'default', 's3cret');
    expect(hello.t).toBe('map');
    expect(plain(hello)).toEqual(expect.arrayContaining([['proto', 3], ['server', 'redis']]));
    expect(await c.call('GET', 'auth:missing')).toEqual({ t: 'null' });
    expect(c.replies.length).toBe(3);
    c.close();
  });

  test('HELLO without AUTH is refused with Redis\'s NOAUTH text', async () => {
    const c = await client();
    const r = await call(c, 'HELLO', '3');
    expect(r).toEqual({ error: expect.stringMatching(/^NOAUTH HELLO must be called with the client already authenticated/) });
    expect(await call(c, 'HELLO')).toEqual(r);
    expect(await call(c, 'GET', 'x')).toEqual(NOAUTH);
    c.close();
  });

  test('RESET drops authentication', async () => {
    const c = await client();
    expect(await call(c, 'AUTH', 's3cret')).toBe('OK');
    expect(await call(c, 'GET', 'auth:x')).toBe('1');
    expect(await call(c, 'RESET')).toBe('RESET');
    expect(await call(c, 'GET', 'auth:x')).toEqual(NOAUTH);
    c.close();
  });

  test('QUIT is allowed before AUTH: +OK and the connection closes', async () => {
    const c = await client();
    expect(await call(c, 'QUIT')).toBe('OK');
    await c.waitForClose();
    expect(c.closedByServer).toBe(true);
  });

  test('in a pipeline, AUTH takes effect exactly where it stands', async () => {
    const c = await client();
    c.write(Buffer.concat([encodeCommand(['GET', 'auth:x']), encodeCommand(['AUTH', 's3cret']), encodeCommand(['GET', 'auth:x'])]));
    await c.waitForReplies(3);
    expect(c.replies.map(plain)).toEqual([NOAUTH, 'OK', '1']);
    c.close();
  });

  test('the password never shows in INFO or CLIENT LIST', async () => {
    const c = await client();
    await call(c, 'AUTH', 's3cret');
    for (const args of [['INFO', 'everything'], ['CLIENT', 'LIST'], ['CONFIG', 'GET', '*']]) {
      expect(JSON.stringify(plain(await c.call(...args)))).not.toContain('s3cret');
    }
    c.close();
  });

  test('redis-cli -a s3cret works; without it, NOAUTH; with a wrong one, AUTH failed', async () => {
    const ok = await redisCli(proxy.port, ['SET', 'auth:cli', 'from-cli'], { extra: ['-a', 's3cret', '--no-auth-warning'] });
    expect(ok.stdout.trim()).toBe('OK');
    const got = await redisCli(proxy.port, ['GET', 'auth:cli'], { extra: ['-a', 's3cret', '--no-auth-warning'] });
    expect(got.stdout.trim()).toBe('from-cli');
    const denied = await redisCli(proxy.port, ['GET', 'auth:cli']);
    expect(denied.stdout + denied.stderr).toContain('NOAUTH Authentication required.');
    const wrong = await redisCli(proxy.port, ['GET', 'auth:cli'], { extra: ['-a', 'wrong', '--no-auth-warning'] });
    expect(wrong.stdout + wrong.stderr).toContain('WRONGPASS');
  });

  test('ioredis with a password (AUTH s3cret) and with a username too (AUTH default s3cret)', async () => {
    const a = new Redis({ port: proxy.port, host: '127.0.0.1', password: 's3cret', lazyConnect: true });
    await a.connect();
    expect(await a.get('auth:cli')).toBe('from-cli');
    a.disconnect();
    const b = new Redis({ port: proxy.port, host: '127.0.0.1', username: 'default', password: 's3cret', lazyConnect: true });
    await b.connect();
    expect(await b.get('auth:cli')).toBe('from-cli');
    b.disconnect();
  });

  test('VALTHREE_PASSWORD sets the password like --requirepass', async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-auth-env-'));
    const p = await startProxy(['--data-dir', d], { env: { VALTHREE_PASSWORD: 'from-env' } });
    try {
      const c = await RawClient.connect(p.port);
      expect(await call(c, 'GET', 'x')).toEqual(NOAUTH);
      expect(await call(c, 'AUTH', 'from-env')).toBe('OK');
      c.close();
    } finally {
      await p.close();
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('without requirepass', () => {
  test("AUTH <pass> is Redis's 'called without any password configured' error; AUTH default <anything> is OK", async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-noauth-'));
    const p = await startProxy(['--data-dir', d]);
    try {
      const c = await RawClient.connect(p.port);
      expect(await call(c, 'GET', 'x')).toBeNull();
      expect(await call(c, 'AUTH', 'x')).toEqual({
        error: 'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      });
      expect(await call(c, 'AUTH', 'default', 'anything')).toBe('OK');
      expect(await call(c, 'AUTH', 'someone', 'anything')).toEqual(WRONGPASS);
      c.close();
    } finally {
      await p.close();
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});
