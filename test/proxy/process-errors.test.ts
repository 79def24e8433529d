/**
 * Errors that escape every handler: logged with their stack, counted in INFO
 * stats, and the proxy keeps serving.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { installProcessErrorHandlers } from '../../proxy/process-errors';
import { proxyCommand, spawnListening, type ChildProxy } from '../support/proxy-harness';
import { plain, RawClient } from '../support/resp-client';

interface LogLine {
  level: number;
  msg: string;
  err?: { type?: string; message?: string; stack?: string } | string;
}
const ERROR = 50;

function capture(): { log: pino.Logger; lines: () => LogLine[] } {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  const lines = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine);
  return { log: pino({ level: 'info' }, sink), lines };
}

describe('installProcessErrorHandlers', () => {
  test('an unhandled rejection and an uncaught exception are logged with their stacks and counted', () => {
    const proc = new EventEmitter();
    const { log, lines } = capture();
    const counter = { uncaughtErrors: 0 };
    const uninstall = installProcessErrorHandlers(proc, log, counter);

    proc.emit('unhandledRejection', new Error('nobody awaited me'), Promise.resolve());
    proc.emit('uncaughtException', new TypeError('thrown from a callback'), 'uncaughtException');
    proc.emit('unhandledRejection', 'a bare string', Promise.resolve());

    expect(counter.uncaughtErrors).toBe(3);
    const [rejection, exception, bare] = lines();
    expect(rejection).toMatchObject({ level: ERROR, msg: 'unhandled promise rejection; still serving', err: { type: 'Error', message: 'nobody awaited me' } });
    expect(typeof rejection.err === 'object' && rejection.err.stack).toMatch(/process-errors\.test\.ts:\d+/);
    expect(exception).toMatchObject({ level: ERROR, msg: 'uncaught exception; still serving', err: { type: 'TypeError', message: 'thrown from a callback' } });
    expect(bare).toMatchObject({ level: ERROR, err: 'a bare string' });

    uninstall();
    expect(proc.listenerCount('unhandledRejection')).toBe(0);
    expect(proc.listenerCount('uncaughtException')).toBe(0);
  });
});

describe('in a running proxy', () => {
  let dir: string;
  let child: ChildProxy | undefined;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-uncaught-'))));
  afterEach(() => {
    if (child && child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('an escaped rejection and exception are logged and counted; the process keeps serving', async () => {
    // Preloaded into the proxy: on SIGUSR2, a rejection nobody handles and an
    // exception thrown from a callback, as a bug in the proxy would cause.
    const preload = path.join(dir, 'misbehave.js');
    fs.writeFileSync(
      preload,
      "process.on('SIGUSR2', () => { Promise.reject(new Error('rejected on purpose')); setImmediate(() => { throw new Error('thrown on purpose'); }); });\n",
    );
    child = await spawnListening(['--require', preload, ...proxyCommand(['--data-dir', path.join(dir, 'data')])]);
    const c = await RawClient.connect(child.port);
    try {
      child.child.kill('SIGUSR2');
      const deadline = Date.now() + 10_000;
      while (!child.output().includes('thrown on purpose') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

      const logged = child
        .output()
        .split('\n')
        .filter((l) => l.includes('still serving'))
        .map((l) => JSON.parse(l) as LogLine);
      expect(logged.map((l) => (typeof l.err === 'object' ? l.err.message : l.err)).sort()).toEqual(['rejected on purpose', 'thrown on purpose']);
      for (const l of logged) expect(typeof l.err === 'object' && l.err.stack).toMatch(/misbehave\.js:1/);

      expect(plain(await c.call('PING'))).toBe('PONG');
      expect(plain(await c.call('SET', 'k', 'v'))).toBe('OK');
      const stats = plain(await c.call('INFO', 'stats')) as string;
      expect(stats).toContain('valthree_uncaught_errors:2\r\n');
      expect(child.child.exitCode).toBeNull();
    } finally {
      c.socket.destroy();
    }
    child.child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  }, 60_000);
});
