/**
 * What the proxy logs: structured JSON (pino); connections and errors at info;
 * one line per command only at debug; never a value, a key or a password.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { buildExecutor, buildServer } from '../../proxy/app';
import { parseArgs } from '../../proxy/config';
import { spawnProxy } from '../support/proxy-harness';
import { RawClient, plain } from '../support/resp-client';

interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}
const DEBUG = 20;
const INFO = 30;

const SECRETS = ['s3cret', 'guessed-pw', 'secretvalue', 'secretkey'];

/** The same session against a proxy with password s3cret: auth failures, a write, a read, a protocol error. */
async function exercise(port: number): Promise<void> {
  const c = await RawClient.connect(port);
  expect(plain(await c.call('AUTH', 'guessed-pw'))).toEqual({ error: 'WRONGPASS invalid username-password pair or user is disabled.' });
  expect(plain(await c.call('AUTH', 's3cret'))).toBe('OK');
  expect(plain(await c.call('SET', 'secretkey', 'secretvalue'))).toBe('OK');
  expect(plain(await c.call('GET', 'secretkey'))).toBe('secretvalue');
  // A wrong command that carries a secret in its name and arguments.
  expect(plain(await c.call('s3cret', 'secretvalue'))).toEqual({ error: expect.stringMatching(/^ERR unknown command/) });
  expect(plain(await c.call('QUIT'))).toBe('OK');
  await c.waitForClose();
  const bad = await RawClient.connect(port);
  bad.write('*1\r\n$99999999999\r\n');
  await bad.waitForClose();
}

function parse(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

test('LOG_LEVEL=debug: connections and errors at info, every command at debug, no secret anywhere', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-logs-'));
  const proxy = await spawnProxy(['--data-dir', dir, '--requirepass', 's3cret'], { LOG_LEVEL: 'debug' });
  try {
    await exercise(proxy.port);
    proxy.child.kill('SIGTERM');
    expect(await proxy.exited).toBe(0);
  } finally {
    if (proxy.child.exitCode === null) proxy.child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const out = proxy.output();
  for (const s of SECRETS) expect(out).not.toContain(s);
  const lines = parse(out);
  expect(lines.every((l) => l.service === 'valthree-proxy' && typeof l.time === 'number')).toBe(true);
  const at = (msg: string) => lines.filter((l) => l.msg === msg);
  expect(at('connection opened').length).toBe(2);
  expect(at('connection closed').length).toBe(2);
  expect([...at('connection opened'), ...at('connection closed')].every((l) => l.level === INFO)).toBe(true);
  expect(at('authentication failed')).toEqual([expect.objectContaining({ level: INFO })]);
  expect(at('protocol error, closing connection')).toEqual([expect.objectContaining({ level: INFO, err: 'Protocol error: invalid bulk length' })]);
  const commands = at('command');
  expect(commands.every((l) => l.level === DEBUG)).toBe(true);
  // Name, argument count and size: enough to debug, nothing to leak.
  expect(commands.map((l) => l.cmd)).toEqual(['auth', 'auth', 'set', 'get', 'unknown', 'quit']);
  expect(commands.find((l) => l.cmd === 'set')).toEqual(expect.objectContaining({ argc: 3, bytes: 3 + 9 + 11 }));
  expect(at('shutdown complete').length).toBe(1);
}, 30_000);

test('at the default level (info) there is no per-command line', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-logs-'));
  let captured = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      captured += chunk.toString();
      done();
    },
  });
  const settings = parseArgs(['--port', '0', '--data-dir', dir, '--requirepass', 's3cret'], {});
  const executor = buildExecutor(settings, {});
  await executor.ready();
  const server = buildServer(settings, executor, pino({ level: 'info', base: { service: 'valthree-proxy' } }, sink));
  const port = await server.listen();
  try {
    await exercise(port);
  } finally {
    await server.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const s of SECRETS) expect(captured).not.toContain(s);
  const lines = parse(captured);
  expect(lines.filter((l) => l.msg === 'command')).toEqual([]);
  expect(lines.filter((l) => l.msg === 'connection opened').length).toBe(2);
  expect(lines.every((l) => l.level >= INFO)).toBe(true);
});
