/**
 * The per-connection error boundary: an unexpected exception while serving
 * one connection (a local command, the reply encoder, the framer) is logged
 * once with its stack and counted, the command being run is answered
 * `-ERR internal error`, and that connection alone is closed. The process and
 * every other connection go on.
 *
 * The failing commands come in through the server's explicit test seam
 * (ServerOptions.extraLocalCommands), not by patching any module.
 */
import { SPECS } from '../../lambda/specs';
import { Writable } from 'node:stream';
import pino from 'pino';
import { MAX_VALUE_BYTES } from '../../lambda/contract';
import { DEFAULT_BATCH_LIMITS } from '../../proxy/batcher';
import { InProcessExecutor } from '../../proxy/executors/in-process';
import type { LocalCommand } from '../../proxy/local';
import { DEFAULT_PROTOCOL_LIMITS, RequestFramer } from '../../proxy/resp/framer';
import type { Reply } from '../../proxy/resp/reply';
import { ValthreeServer } from '../../proxy/server';
import { MemoryStore } from '../support/memory-store';
import { RawClient, encodeCommand, plain } from '../support/resp-client';

interface LogLine {
  level: number;
  msg: string;
  client?: number;
  err?: { type: string; message: string; stack: string };
}
const ERROR = 50;

/** Throws from inside a local command. */
const boom: LocalCommand = {
  spec: { ...SPECS.get('ping')!, name: 'boom', arity: 1 },
  run() {
    throw new Error('boom-marker: a bug in a local command');
  },
};

/** Returns a reply the encoder chokes on half way: an array whose second element is a bulk without a value. */
const torn: LocalCommand = {
  spec: { ...SPECS.get('ping')!, name: 'torn', arity: 1 },
  run() {
    return { t: 'array', v: [{ t: 'simple', v: 'first' }, { t: 'bulk' } as unknown as Reply] };
  },
};

let server: ValthreeServer;
let port: number;
let logged = '';
const escaped: unknown[] = [];
const onEscape = (e: unknown) => escaped.push(e);

beforeAll(async () => {
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
  const store = new MemoryStore();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logged += chunk.toString();
      done();
    },
  });
  server = new ValthreeServer({
    host: '127.0.0.1',
    port: 0,
    requirepass: null,
    maxclients: 100,
    idleTimeoutSeconds: 0,
    drainMs: 2000,
    maxDocumentBytes: 64 * 1024 * 1024,
    limits: { protocol: DEFAULT_PROTOCOL_LIMITS, maxPendingBytes: 16 * 1024 * 1024, maxValueBytes: MAX_VALUE_BYTES, maxSubmitCommands: 1024, maxSubmitBytes: DEFAULT_BATCH_LIMITS.maxBytes },
    batch: DEFAULT_BATCH_LIMITS,
    executor: new InProcessExecutor(store, { store }),
    log: pino({ level: 'info' }, sink),
    extraLocalCommands: [boom, torn],
  });
  port = await server.listen();
});

afterAll(async () => {
  await server.shutdown();
  process.off('uncaughtException', onEscape);
  process.off('unhandledRejection', onEscape);
});

beforeEach(() => {
  logged = '';
  server.metrics.internalErrors = 0;
});

const internalErrorLines = (): LogLine[] =>
  logged
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine)
    .filter((l) => l.msg === 'internal error, closing connection');

/** A connection that must keep working: writes and reads its own key. */
async function stillServes(c: RawClient, key: string, value: string): Promise<void> {
  expect(plain(await c.call('SET', key, value))).toBe('OK');
  expect(plain(await c.call('GET', key))).toBe(value);
  expect(plain(await c.call('PING'))).toBe('PONG');
}

test('a local command that throws: -ERR internal error, that connection closes, the others and the process go on', async () => {
  const before = await RawClient.connect(port);
  await stillServes(before, 'before', '1');
  const victim = await RawClient.connect(port);
  expect(plain(await victim.call('SET', 'victim', 'v'))).toBe('OK');
  // One pipeline: the command before the bug is answered, the bug gets the error, nothing after it runs.
  victim.write(Buffer.concat([encodeCommand(['PING']), encodeCommand(['BOOM']), encodeCommand(['SET', 'after-boom', 'x'])]));
  await victim.waitForClose();
  expect(victim.replies.slice(1).map(plain)).toEqual(['PONG', { error: 'ERR internal error' }]);
  expect(victim.pendingBytes).toBe(0);

  await stillServes(before, 'before', '2');
  const after = await RawClient.connect(port);
  await stillServes(after, 'after', '3');
  // The command after the bug never ran.
  expect(plain(await after.call('GET', 'after-boom'))).toBeNull();

  const info = plain(await after.call('INFO', 'stats')) as string;
  expect(info).toContain('valthree_internal_errors:1\r\n');
  expect(server.metrics.internalErrors).toBe(1);
  const lines = internalErrorLines();
  expect(lines).toHaveLength(1);
  expect(lines[0].level).toBe(ERROR);
  expect(typeof lines[0].client).toBe('number');
  expect(lines[0].err?.message).toBe('boom-marker: a bug in a local command');
  expect(lines[0].err?.stack).toMatch(/boom-marker[\s\S]*\n\s+at /);
  expect(escaped).toEqual([]);
  before.close();
  after.close();
});

test('an exception in the reply encoder: the torn reply is dropped whole, the error takes its place', async () => {
  const other = await RawClient.connect(port);
  const victim = await RawClient.connect(port);
  victim.write(Buffer.concat([encodeCommand(['PING']), encodeCommand(['TORN']), encodeCommand(['PING'])]));
  await victim.waitForClose();
  // Not `*2 +first -ERR…` (which would parse as one array): exactly these two replies.
  expect(victim.replies.map(plain)).toEqual(['PONG', { error: 'ERR internal error' }]);
  expect(victim.pendingBytes).toBe(0);
  await stillServes(other, 'other', '1');
  expect(internalErrorLines()).toHaveLength(1);
  expect(server.metrics.internalErrors).toBe(1);
  expect(escaped).toEqual([]);
  other.close();
});

test('an exception in the framer (the socket data path): same boundary', async () => {
  const other = await RawClient.connect(port);
  const victim = await RawClient.connect(port);
  expect(plain(await victim.call('PING'))).toBe('PONG');
  // There is no input that makes the framer throw (that is its job), so this
  // one test makes its next push throw, and puts it back at once.
  const spy = jest.spyOn(RequestFramer.prototype, 'push').mockImplementationOnce(() => {
    throw new Error('framer-marker: a bug in the framer');
  });
  try {
    victim.write(encodeCommand(['PING']));
    await victim.waitForClose();
  } finally {
    spy.mockRestore();
  }
  expect(victim.replies.map(plain)).toEqual(['PONG', { error: 'ERR internal error' }]);
  await stillServes(other, 'other', '2');
  const lines = internalErrorLines();
  expect(lines).toHaveLength(1);
  expect(lines[0].err?.stack).toMatch(/framer-marker[\s\S]*\n\s+at /);
  expect(escaped).toEqual([]);
  other.close();
});
