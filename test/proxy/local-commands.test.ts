/**
 * What the proxy answers itself, and how those answers interleave with engine
 * commands in a pipeline.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { startProxy, type RunningProxy } from '../support/proxy-harness';

let proxy: RunningProxy;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-local-'));
  proxy = await startProxy(['--data-dir', dir]);
});
afterAll(async () => {
  await proxy.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Writes raw bytes, reads until the socket closes or `until` matches. No
 * timer cuts the reading short (a slow machine would then see half a reply);
 * a server that never gets there fails the wait after 30 s.
 */
function raw(bytes: string, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(proxy.port, '127.0.0.1', () => sock.write(bytes));
    let out = '';
    const finish = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(out);
    };
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`neither ${until} nor a close after 30 s; got ${JSON.stringify(out)}`));
    }, 30_000);
    sock.on('data', (d) => {
      out += d.toString('latin1');
      if (until.test(out)) finish();
    });
    sock.on('close', finish);
    sock.on('error', reject);
  });
}

const cmd = (...argv: string[]) => `*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

test('local commands are barriers: a pipeline keeps its order, nothing after QUIT runs', async () => {
  const out = await raw(
    cmd('SET', 'o1', '1') + cmd('CLIENT', 'SETNAME', 'me') + cmd('SET', 'o2', '2') + cmd('CLIENT', 'GETNAME') + cmd('GET', 'o1') + cmd('PING') + cmd('DEL', 'o1', 'o2') + cmd('QUIT') + cmd('SET', 'after-quit', 'x'),
    /\$NEVER/,
  );
  expect(out).toBe('+OK\r\n+OK\r\n+OK\r\n$2\r\nme\r\n$1\r\n1\r\n+PONG\r\n:2\r\n+OK\r\n');
  const client = new Redis(proxy.port, '127.0.0.1');
  expect(await client.get('after-quit')).toBeNull();
  client.disconnect();
});

test('HELLO switches to RESP3 (map reply, _ nulls) and RESET back to RESP2', async () => {
  const out = await raw(cmd('HELLO', '3') + cmd('GET', 'missing') + cmd('RESET') + cmd('GET', 'missing'), /RESET\r\n\$-1\r\n/);
  expect(out.startsWith('%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n')).toBe(true);
  expect(out).toContain('$5\r\nproto\r\n:3\r\n');
  expect(out).toMatch(/_\r\n\+RESET\r\n\$-1\r\n$/);
  expect(await raw(cmd('HELLO', '4'), /\r\n/)).toBe('-NOPROTO unsupported protocol version\r\n');
});

test('handshake commands real clients send', async () => {
  const c = new Redis(proxy.port, '127.0.0.1');
  expect(await c.call('CLIENT', 'SETINFO', 'LIB-NAME', 'test')).toBe('OK');
  expect(await c.call('CLIENT', 'SETINFO', 'LIB-VER', '1.0')).toBe('OK');
  await expect(c.call('CLIENT', 'SETINFO', 'bogus', 'x')).rejects.toThrow("ERR Unrecognized option 'bogus'");
  expect(typeof (await c.call('CLIENT', 'ID'))).toBe('number');
  await expect(c.call('CLIENT', 'SETNAME', 'a b')).rejects.toThrow('Client names cannot contain spaces');
  expect(await c.call('SELECT', '0')).toBe('OK');
  expect(await c.call('SELECT', '15')).toBe('OK');
  expect(await c.call('CLIENT', 'INFO')).toContain(' db=15 ');
  await expect(c.call('SELECT', '16')).rejects.toThrow('ERR DB index is out of range');
  await expect(c.call('SELECT', '-1')).rejects.toThrow('ERR DB index is out of range');
  expect(await c.call('SELECT', '0')).toBe('OK');
  await expect(c.call('SELECT', 'x')).rejects.toThrow('ERR value is not an integer or out of range');
  expect(await c.call('ECHO', 'hi')).toBe('hi');
  expect(await c.call('CONFIG', 'GET', 'save')).toEqual(['save', '']);
  expect(await c.call('CONFIG', 'GET', 'appendonly')).toEqual(['appendonly', 'no']);
  expect(await c.call('CONFIG', 'GET', 'nonexistent')).toEqual([]);
  const count = (await c.call('COMMAND', 'COUNT')) as number;
  const all = (await c.call('COMMAND')) as unknown[][];
  expect(all).toHaveLength(count);
  const names = all.map((e) => e[0]);
  expect(names).toEqual(expect.arrayContaining(['get', 'set', 'del', 'flushall', 'ping', 'hello', 'auth', 'quit']));
  expect(all.find((e) => e[0] === 'get')?.[1]).toBe(2);
  const info = (await c.call('INFO')) as string;
  expect(info).toMatch(/redis_version:\d+\.\d+\.\d+/);
  expect(info).toContain('loading:0');
  await c.set('counted', '1');
  const keyspace = (await c.call('INFO', 'keyspace')) as string;
  expect(keyspace).toMatch(/db0:keys=\d+/);
  const stats = (await c.call('INFO', 'commandstats')) as string;
  expect(stats).toMatch(/cmdstat_set:calls=\d+/);
  await expect(c.call('NOSUCH', 'a', 'b')).rejects.toThrow("ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' ");
  await expect(c.call('SET', 'only-key')).rejects.toThrow("ERR wrong number of arguments for 'set' command");
  await expect(c.call('SET', 'k', 'v', 'EX', '10', 'PX', '5')).rejects.toThrow('ERR syntax error');
  await expect(c.call('AUTH', 'x')).rejects.toThrow('without any password configured');
  expect(await c.call('AUTH', 'default', 'anything')).toBe('OK');
  c.disconnect();
});
