/**
 * The proxy terminating TLS itself (--tls-cert / --tls-key), with a
 * self-signed certificate made here by the openssl CLI.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { startProxy, type RunningProxy } from '../support/proxy-harness';
import { RawClient, plain } from '../support/resp-client';
import { redisCli } from '../support/redis-cli';

let dir: string;
let cert: string;
let key: string;
let proxy: RunningProxy;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-tls-'));
  cert = path.join(dir, 'cert.pem');
  key = path.join(dir, 'key.pem');
  // P-256 keys are generated in milliseconds (RSA takes much longer).
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'ignore' });
  proxy = await startProxy(['--data-dir', path.join(dir, 'data'), '--tls-cert', cert, '--tls-key', key, '--requirepass', 's3cret']);
});
afterAll(async () => {
  await proxy.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('redis-cli --tls, verifying the certificate (--cacert) or not (--insecure)', async () => {
  const set = await redisCli(proxy.port, ['SET', 'tls:k', 'over-tls'], { extra: ['--tls', '--cacert', cert, '-a', 's3cret', '--no-auth-warning'] });
  expect(set.stdout.trim()).toBe('OK');
  const get = await redisCli(proxy.port, ['GET', 'tls:k'], { extra: ['--tls', '--insecure', '-a', 's3cret', '--no-auth-warning'] });
  expect(get.stdout.trim()).toBe('over-tls');
});

test("node's tls, with the certificate as CA", async () => {
  const c = await RawClient.connect(proxy.port, { tls: { ca: fs.readFileSync(cert), servername: 'localhost' } });
  expect(plain(await c.call('AUTH', 's3cret'))).toBe('OK');
  expect(plain(await c.call('GET', 'tls:k'))).toBe('over-tls');
  c.close();
});

test('ioredis with the tls option', async () => {
  const r = new Redis({ port: proxy.port, host: '127.0.0.1', password: 's3cret', tls: { ca: fs.readFileSync(cert), servername: 'localhost' }, lazyConnect: true });
  await r.connect();
  expect(await r.set('tls:io', 'x')).toBe('OK');
  expect(await r.get('tls:io')).toBe('x');
  r.disconnect();
});

test('a client that does not trust the certificate is refused by its own TLS check', async () => {
  await expect(RawClient.connect(proxy.port, { tls: { servername: 'localhost' } })).rejects.toThrow(/self[- ]signed/i);
});

test('plain TCP to the TLS port fails cleanly: no RESP reply, closed, and the server keeps serving', async () => {
  for (const bytes of ['PING\r\n', '*1\r\n$4\r\nPING\r\n', Buffer.alloc(20000, 0x16)]) {
    const c = await RawClient.connect(proxy.port);
    c.write(bytes);
    await c.waitForClose();
    // At most a TLS alert comes back, which is not RESP.
    expect(c.replies).toEqual([]);
  }
  const c = await RawClient.connect(proxy.port, { tls: { ca: fs.readFileSync(cert), servername: 'localhost' } });
  expect(plain(await c.call('AUTH', 's3cret'))).toBe('OK');
  expect(plain(await c.call('GET', 'tls:k'))).toBe('over-tls');
  c.close();
});

test('--tls-cert without --tls-key is refused at start', async () => {
  await expect(startProxy(['--data-dir', path.join(dir, 'data2'), '--tls-cert', cert])).rejects.toThrow('--tls-cert and --tls-key go together');
});
