/**
 * Real clients with default options against a real proxy: redis-cli (Debian's
 * redis-tools), ioredis and node-redis, over each executor.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { createClient, RESP_TYPES } from 'redis';
import { startProxy, type RunningProxy } from '../support/proxy-harness';
import { redisCli } from '../support/redis-cli';
import { backends, type Backend } from './backends';

const BINARY = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x41, 0x80]);

describe.each(backends())('clients over $name', (backend: Backend) => {
  let proxy: RunningProxy;
  beforeAll(async () => {
    await backend.setUp();
    proxy = await startProxy(backend.args(), { env: backend.env() });
  });
  afterAll(async () => {
    await proxy?.close();
    await backend.tearDown();
  });

  test('redis-cli: SET GET DEL FLUSHALL PING QUIT', async () => {
    const cli = (...a: string[]) => redisCli(proxy.port, a).then((r) => r.stdout.trim());
    expect(await cli('set', 'foo', 'bar')).toBe('OK');
    expect(await cli('get', 'foo')).toBe('bar');
    expect(await cli('del', 'foo')).toBe('1');
    expect(await cli('del', 'foo')).toBe('0');
    expect(await cli('get', 'foo')).toBe('');
    expect(await cli('set', 'x', '1')).toBe('OK');
    expect(await cli('flushall')).toBe('OK');
    expect(await cli('get', 'x')).toBe('');
    expect(await cli('ping')).toBe('PONG');
    expect(await cli('quit')).toBe('OK');
  });

  test('redis-cli: commands from stdin, COMMAND DOCS (sent by interactive mode), pipe mode, binary value via -x', async () => {
    const interactive = await redisCli(proxy.port, [], { stdin: 'set k v\nget k\nget nothing\nfoo\n' });
    expect(interactive.stdout).toContain('OK');
    expect(interactive.stdout).toContain('v');
    expect(interactive.stdout).toContain("ERR unknown command 'foo'");
    const docs = await redisCli(proxy.port, ['command', 'docs', 'get']);
    expect(docs.stdout).toContain('get');
    const piped = await redisCli(proxy.port, ['--pipe'], { stdin: 'SET p1 a\r\nSET p2 b\r\nGET p1\r\n' });
    expect(piped.stdout).toMatch(/errors: 0, replies: 3/);
    await redisCli(proxy.port, ['-x', 'set', 'bin'], { stdin: BINARY });
    const client = new Redis(proxy.port, '127.0.0.1');
    expect(await client.getBuffer('bin')).toEqual(BINARY);
    client.disconnect();
  });

  test('nc-style inline commands', async () => {
    const reply = await rawExchange(proxy.port, 'PING\r\nSET inline "a b"\r\nGET inline\r\n', 3);
    expect(reply).toBe('+PONG\r\n+OK\r\n$3\r\na b\r\n');
  });

  test('ioredis with default options: ready check, commands, pipeline, binary and empty values', async () => {
    const client = new Redis(proxy.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', reject);
    });
    expect(await client.set('io', 'value')).toBe('OK');
    expect(await client.get('io')).toBe('value');
    expect(await client.set('empty', '')).toBe('OK');
    expect(await client.get('empty')).toBe('');
    expect(await client.set(Buffer.from([0xfe, 0x00]), BINARY)).toBe('OK');
    expect(await client.getBuffer(Buffer.from([0xfe, 0x00]))).toEqual(BINARY);
    const results = await client.pipeline().set('p', '1').get('p').del('p').get('p').ping().exec();
    expect(results?.map(([err, v]) => [err, v])).toEqual([[null, 'OK'], [null, '1'], [null, 1], [null, null], [null, 'PONG']]);
    expect(await client.del('io', 'empty', 'missing')).toBe(2);
    await expect(client.call('get')).rejects.toThrow("ERR wrong number of arguments for 'get' command");
    expect(await client.quit()).toBe('OK');
  });

  test.each([2, 3] as const)('node-redis (RESP%s) with default options', async (RESP) => {
    const client = createClient({ socket: { port: proxy.port, host: '127.0.0.1' }, RESP });
    client.on('error', () => undefined);
    await client.connect();
    expect(await client.set('nr', 'x')).toBe('OK');
    expect(await client.get('nr')).toBe('x');
    expect(await client.get('nr-missing')).toBeNull();
    const bin = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    await client.set('nr-bin', BINARY);
    expect(await bin.get('nr-bin')).toEqual(BINARY);
    expect(await client.set('nr-empty', '')).toBe('OK');
    expect(await client.get('nr-empty')).toBe('');
    const multi = await client.multi().set('a', '1').get('a').execAsPipeline();
    expect(multi).toEqual(['OK', '1']);
    expect(await client.del(['nr', 'nr-bin', 'nr-empty'])).toBe(3);
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });
});

describe('restart', () => {
  test('keys written before a restart are still there (file store)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-restart-'));
    let proxy = await startProxy(['--data-dir', dir]);
    expect((await redisCli(proxy.port, ['set', 'kept', 'yes'])).stdout.trim()).toBe('OK');
    await proxy.close();
    proxy = await startProxy(['--data-dir', dir]);
    expect((await redisCli(proxy.port, ['get', 'kept'])).stdout.trim()).toBe('yes');
    await proxy.close();
    const doc = JSON.parse(fs.readFileSync(path.join(dir, 'db.json'), 'utf8'));
    expect(doc.data).toEqual({ kept: 'yes' });
  });
});

/**
 * Sends raw bytes and collects until `replies` reply lines have come. No timer
 * cuts the reading short (a slow machine would then see half a reply); a
 * server that never sends them fails the wait after 30 s.
 */
function rawExchange(port: number, text: string, replies: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(text));
    let out = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`${replies} reply lines did not come in 30 s; got ${JSON.stringify(out)}`));
    }, 30_000);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    sock.on('data', (d) => {
      out += d.toString('latin1');
      if (out.split('\r\n').filter((l) => /^[+\-:]/.test(l) || /^\$/.test(l)).length >= replies) {
        clearTimeout(timer);
        sock.destroy();
        resolve(out);
      }
    });
    sock.on('error', reject);
  });
}
