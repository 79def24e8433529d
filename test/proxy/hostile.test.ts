/**
 * Hostile input against a running proxy: what Redis answers with a protocol
 * error and a closed connection, what it answers with a plain error, and the
 * limits that keep one client from taking the proxy's memory or connections.
 * Throughout, another client keeps working and data written before is intact.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from '../../proxy/config';
import { buildExecutor } from '../../proxy/app';
import type { Executor } from '../../proxy/executors/types';
import { RequestFramer } from '../../proxy/resp/framer';
import { startProxy, type RunningProxy } from '../support/proxy-harness';
import { RawClient, encodeCommand, plain, type Resp } from '../support/resp-client';
import { randomBytes } from '../support/prng';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-hostile-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (r: Resp | undefined) => (r ? plain(r) : undefined);

/** CLIENT LIST as records, one per connection. */
async function clientList(c: RawClient): Promise<Record<string, string>[]> {
  const r = await c.call('CLIENT', 'LIST');
  if (r.t !== 'bulk') throw new Error(`CLIENT LIST: ${JSON.stringify(plain(r))}`);
  return r.v
    .toString('latin1')
    .trim()
    .split('\n')
    .map((line) => Object.fromEntries(line.split(' ').map((kv) => kv.split(/=(.*)/s, 2) as [string, string])));
}

async function info(c: RawClient, section: string): Promise<Record<string, string>> {
  const r = await c.call('INFO', section);
  if (r.t !== 'bulk') throw new Error('INFO failed');
  return Object.fromEntries(
    r.v
      .toString('latin1')
      .split('\r\n')
      .filter((l) => l.includes(':'))
      .map((l) => l.split(/:(.*)/s, 2) as [string, string]),
  );
}

/**
 * Polls the server until cond holds. The server's own state (CLIENT LIST,
 * INFO) has no event to wait for; there is no deadline either, so a slow
 * machine only makes the wait longer (jest's timeout bounds it).
 */
async function waitUntil(cond: () => Promise<boolean>): Promise<void> {
  while (!(await cond())) await sleep(20);
}

/** An executor that takes `ms` longer per batch (a handler slower than loopback, not a wait). */
function delayed(inner: Executor, ms: number): Executor {
  return {
    description: `${inner.description}, +${ms} ms`,
    ready: () => inner.ready(),
    execute: async (req) => {
      await sleep(ms);
      return inner.execute(req);
    },
    close: () => inner.close(),
  };
}

describe('protocol errors: reply -ERR Protocol error, close, nobody else notices', () => {
  let proxy: RunningProxy;
  let other: RawClient;
  const canary = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x68, 0x69]);

  beforeAll(async () => {
    proxy = await startProxy(['--data-dir', tempDir()]);
    other = await RawClient.connect(proxy.port);
    expect(text(await other.call('SET', 'hostile:canary', canary))).toBe('OK');
  });
  afterAll(async () => {
    other.close();
    await proxy.close();
  });

  /** Sends bytes in one write; returns the client once the server closed it. */
  async function send(bytes: Buffer | string): Promise<RawClient> {
    const c = await RawClient.connect(proxy.port);
    c.write(bytes);
    await c.waitForClose();
    expect(c.formatError).toBeNull();
    expect(c.closedByServer).toBe(true);
    expect(c.pendingBytes).toBe(0);
    return c;
  }

  async function otherStillWorks(): Promise<void> {
    const r = await other.call('GET', 'hostile:canary');
    expect(r).toEqual({ t: 'bulk', v: canary });
  }

  const oneMegabyte = Buffer.alloc(1024 * 1024, 'A');
  test.each<[string, Buffer | string, string]>([
    ['a bulk length of 99999999999', '*1\r\n$99999999999\r\n', 'invalid bulk length'],
    ['an array length of 99999999999', '*99999999999\r\n', 'invalid multibulk length'],
    ['a 1 MB inline line without a newline', oneMegabyte, 'too big inline request'],
    ['a 1 MB inline line with a newline', Buffer.concat([oneMegabyte, Buffer.from('\r\n')]), 'too big inline request'],
    ['a bulk length that is not a number', '*1\r\n$abc\r\n', 'invalid bulk length'],
    ['an array length that is not a number', '*x\r\n', 'invalid multibulk length'],
    ['an integer element', '*1\r\n:5\r\n', "expected '$', got ':'"],
    ['a simple-string element', '*2\r\n$3\r\nGET\r\n+k\r\n', "expected '$', got '+'"],
    ['a nested array', '*2\r\n$3\r\nGET\r\n*1\r\n$1\r\nk\r\n', "expected '$', got '*'"],
    ['a bulk not followed by CRLF', '*1\r\n$4\r\nPINGxx', 'bulk string not terminated by CRLF'],
    ['an array length ended by LF only', '*1\n$4\r\nPING\r\n', 'invalid multibulk length'],
    ['a bulk length ended by LF only', '*1\r\n$4\nPING\r\n', 'invalid bulk length'],
    ['an array length ended by CR and garbage', '*1\rX$4\r\nPING\r\n', 'not terminated by CRLF'],
    ['a negative bulk length', '*1\r\n$-5\r\n', 'invalid bulk length'],
    ['a null bulk as an argument', '*2\r\n$3\r\nGET\r\n$-1\r\n', 'invalid bulk length'],
    ['an endless length line', `*1\r\n$${'9'.repeat(100)}`, 'invalid bulk length'],
    ['an unbalanced quote inline', 'SET k "abc\r\n', 'unbalanced quotes'],
    ['"*" and binary garbage', Buffer.concat([Buffer.from('*'), randomBytes(1, 4096)]), 'invalid multibulk length'],
  ])('%s', async (_name, bytes, message) => {
    const c = await send(bytes);
    expect(c.replies).toHaveLength(1);
    expect(c.replies[0]).toEqual({ t: 'error', v: expect.stringMatching(/^ERR Protocol error: /) });
    expect(c.replies[0].t === 'error' && c.replies[0].v).toContain(message);
    await otherStillWorks();
  });

  test.each([1, 2, 3, 4, 5])('random binary garbage (seed %i): errors, then a protocol error and close', async (seed) => {
    // Garbage not starting with '*' is inline commands to Redis too: lines may
    // be answered "unknown command" until one is malformed (an unbalanced
    // quote, or a line over the inline limit).
    const c = await send(randomBytes(seed, 256 * 1024));
    expect(c.replies.length).toBeGreaterThanOrEqual(1);
    expect(c.replies.every((r) => r.t === 'error')).toBe(true);
    const last = c.replies[c.replies.length - 1];
    expect(last.t === 'error' && last.v).toMatch(/^ERR Protocol error: /);
    for (const r of c.replies.slice(0, -1)) expect(r.t === 'error' && r.v).toMatch(/^ERR unknown command /);
    await otherStillWorks();
  });

  test('requests before a protocol error in the same write still run, in order (as in Redis)', async () => {
    const bytes = Buffer.concat([encodeCommand(['SET', 'hostile:before', 'v1']), Buffer.from('PING\r\n'), encodeCommand(['GET', 'hostile:before']), Buffer.from('*1\r\n$x\r\n'), encodeCommand(['SET', 'hostile:after', 'no'])]);
    const c = await send(bytes);
    expect(c.replies.map(plain)).toEqual(['OK', 'PONG', 'v1', { error: 'ERR Protocol error: invalid bulk length' }]);
    expect(text(await other.call('GET', 'hostile:before'))).toBe('v1');
    expect(text(await other.call('GET', 'hostile:after'))).toBeNull();
  });

  test('a protocol error split across many small writes is found the same way', async () => {
    const c = await RawClient.connect(proxy.port);
    const bytes = Buffer.from('*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n*1\r\n$99999999999\r\n');
    for (const b of bytes) {
      c.write(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    await c.waitForClose();
    expect(c.replies.map(plain)).toEqual(['abc', { error: 'ERR Protocol error: invalid bulk length' }]);
  });

  test('empty and negative-length arrays are ignored, as Redis does', async () => {
    const c = await RawClient.connect(proxy.port);
    c.write('*0\r\n*-1\r\n*-7\r\n\r\nPING\r\n');
    await c.waitForReplies(1);
    expect(c.replies.map(plain)).toEqual(['PONG']);
    expect(c.isClosed).toBe(false);
    c.close();
  });

  test('closed connections are gone from the server: none leak', async () => {
    await waitUntil(async () => (await info(other, 'clients')).connected_clients === '1');
    const stats = await info(other, 'stats');
    expect(Number(stats.protocol_errors)).toBeGreaterThanOrEqual(25);
    await otherStillWorks();
  });
});

describe('limits that answer a plain error and keep the connection', () => {
  let proxy: RunningProxy;
  beforeAll(async () => {
    proxy = await startProxy(['--data-dir', tempDir(), '--max-value-bytes', '1024']);
  });
  afterAll(() => proxy.close());

  test('a value larger than --max-value-bytes: -ERR value too large, nothing written, connection open', async () => {
    const c = await RawClient.connect(proxy.port);
    const r = await c.call('SET', 'big', Buffer.alloc(1025, 1));
    expect(r).toEqual({ t: 'error', v: 'ERR value too large: 1025 bytes, the limit is 1024 (one Lambda payload)' });
    expect(text(await c.call('PING'))).toBe('PONG');
    expect(text(await c.call('GET', 'big'))).toBeNull();
    expect(text(await c.call('SET', 'big', Buffer.alloc(1024, 1)))).toBe('OK');
    expect(c.isClosed).toBe(false);
    c.close();
  });

  test('a command whose arguments together exceed one Lambda payload: -ERR command too large', async () => {
    // Every argument is within the value limit of a default proxy; together
    // they would not fit one Invoke.
    const p = await startProxy(['--data-dir', tempDir()]);
    try {
      const c = await RawClient.connect(p.port);
      const r = await c.call('DEL', Buffer.alloc(3_000_000, 1), Buffer.alloc(3_000_000, 2));
      expect(r.t === 'error' && r.v).toMatch(/^ERR command too large: \d+ bytes encoded, the limit is \d+ \(one Lambda payload\)$/);
      expect(text(await c.call('PING'))).toBe('PONG');
      c.close();
    } finally {
      await p.close();
    }
  });
});

describe('--maxclients', () => {
  test('one connection too many gets -ERR max number of clients reached and is closed; a slot frees on close', async () => {
    const proxy = await startProxy(['--data-dir', tempDir(), '--maxclients', '2']);
    try {
      const a = await RawClient.connect(proxy.port);
      const b = await RawClient.connect(proxy.port);
      expect(text(await a.call('PING'))).toBe('PONG');
      expect(text(await b.call('PING'))).toBe('PONG');
      const c = await RawClient.connect(proxy.port);
      await c.waitForClose();
      expect(c.replies.map(plain)).toEqual([{ error: 'ERR max number of clients reached' }]);
      expect((await info(b, 'stats')).rejected_connections).toBe('1');
      a.close();
      await waitUntil(async () => (await info(b, 'clients')).connected_clients === '1'); // a slot freed
      const d = await RawClient.connect(proxy.port);
      expect(text(await d.call('PING'))).toBe('PONG');
      b.close();
      d.close();
    } finally {
      await proxy.close();
    }
  });
});

describe('--timeout', () => {
  test('an idle connection is closed; an active one, or one waiting for the handler, is not', async () => {
    const dir = tempDir();
    // A handler that answers only when the test lets it: the waiting client's
    // command is in flight for as long as the test needs, on any machine.
    const inner = buildExecutor(parseArgs(['--data-dir', dir], {}), {});
    let entered!: () => void;
    const handlerRunning = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const gated: Executor = {
      description: `${inner.description}, gated`,
      ready: () => inner.ready(),
      execute: async (req) => {
        entered();
        await gate;
        return inner.execute(req);
      },
      close: () => inner.close(),
    };
    const proxy = await startProxy(['--data-dir', dir, '--timeout', '1'], { executor: gated });
    try {
      const active = await RawClient.connect(proxy.port);
      const waiting = await RawClient.connect(proxy.port);
      waiting.write(encodeCommand(['SET', 'slow', 'v']));
      await handlerRunning;
      // The idle client comes last: the other two were quiet since before it
      // connected, so if sending commands or waiting for the handler did not
      // count as activity, their timeouts would fire before its own does.
      const started = Date.now(); // before the connect: its timeout cannot start earlier
      const idle = await RawClient.connect(proxy.port);
      let pings = 0;
      while (!idle.isClosed) {
        expect(text(await active.call('PING'))).toBe('PONG');
        pings++;
      }
      expect(idle.closedByServer).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(pings).toBeGreaterThan(0);
      // The other two outlived the idle one's timeout.
      expect(text(await active.call('PING'))).toBe('PONG');
      expect(waiting.isClosed).toBe(false);
      release();
      await waiting.waitForReplies(1);
      expect(text(waiting.replies[0])).toBe('OK');
      expect(active.isClosed).toBe(false);
      expect(waiting.isClosed).toBe(false);
      active.close();
      waiting.close();
    } finally {
      release();
      await proxy.close();
    }
  });
});

describe('backpressure: a client that does not read cannot grow the proxy', () => {
  const PENDING = 256 * 1024;
  let proxy: RunningProxy;
  let observer: RawClient;
  beforeAll(async () => {
    const dir = tempDir();
    // A handler a little slower than loopback, so input outruns execution (as
    // with a real Lambda) and the pipeline limit is certain to be reached.
    proxy = await startProxy(['--data-dir', dir, '--max-pending-bytes', String(PENDING), '--proto-max-bulk-len', String(128 * 1024)], {
      executor: delayed(buildExecutor(parseArgs(['--data-dir', dir], {}), {}), 10),
    });
    observer = await RawClient.connect(proxy.port);
  });
  afterAll(async () => {
    observer.close();
    await proxy.close();
  });

  /** The server-side view of connection `c` (by its local port), once the proxy has accepted it (a connect returns first). */
  async function serverView(c: RawClient): Promise<Record<string, string>> {
    const me = `127.0.0.1:${c.socket.localPort}`;
    for (;;) {
      const entry = (await clientList(observer)).find((e) => e.addr === me);
      if (entry) return entry;
      await sleep(20);
    }
  }

  test('pipelined SETs without reading: the proxy stops reading at --max-pending-bytes, then answers every one', async () => {
    const writer = await RawClient.connect(proxy.port);
    // Pause the client's own reading too: its replies pile up in the proxy's
    // socket, the proxy stops executing, then stops reading.
    writer.socket.pause();
    const value = Buffer.alloc(100, 'v');
    const count = 60_000; // ~7.6 MB of requests, ~30x the pipeline limit
    const chunk: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      chunk.push(encodeCommand(['SET', `bp:${i % 50}`, i === count - 1 ? 'last' : value]));
      if (chunk.length === 1000) writer.write(Buffer.concat(chunk.splice(0)));
    }
    writer.write(Buffer.concat(chunk));
    let sawPaused = false;
    let sawUnsent = false;
    let maxQbuf = 0;
    // Watch the server side while it works through the pipeline.
    for (;;) {
      const v = await serverView(writer);
      maxQbuf = Math.max(maxQbuf, Number(v.qbuf));
      if (v.paused === '1') {
        sawPaused = true;
        // The rest waits in the client's socket and the kernel, not in the proxy.
        sawUnsent ||= writer.socket.writableLength > 0;
      }
      if (Number(v['tot-cmds']) === count || (sawPaused && sawUnsent && maxQbuf > 0)) break;
      await sleep(20);
    }
    expect(sawPaused).toBe(true);
    expect(sawUnsent).toBe(true);
    // Queued requests stay under the limit plus what one read completes, plus one partial request.
    expect(maxQbuf).toBeLessThanOrEqual(2 * PENDING + 64 * 1024);
    expect(Number((await info(observer, 'stats')).valthree_read_pauses)).toBeGreaterThanOrEqual(1);
    writer.socket.resume();
    await writer.waitForReplies(count, 60000);
    expect(writer.replies.every((r) => r.t === 'simple' && r.v === 'OK')).toBe(true);
    expect(text(await observer.call('GET', `bp:${(count - 1) % 50}`))).toBe('last');
    writer.close();
  });

  test('replies of big GETs pile up to one response, not to the whole pipeline', async () => {
    const value = Buffer.alloc(100 * 1024, 'g');
    expect(text(await observer.call('SET', 'bp:big', value))).toBe('OK');
    const reader = await RawClient.connect(proxy.port);
    reader.socket.pause();
    const count = 300; // 30 MB of replies
    reader.write(Buffer.concat(Array.from({ length: count }, () => encodeCommand(['GET', 'bp:big']))));
    let last = -1;
    let stalled = 0;
    let maxOmem = 0;
    while (stalled < 5) {
      const v = await serverView(reader);
      maxOmem = Math.max(maxOmem, Number(v.omem));
      stalled = Number(v['tot-cmds']) === last ? stalled + 1 : 0;
      last = Number(v['tot-cmds']);
      await sleep(30);
    }
    expect(last).toBeLessThan(count);
    // At most one Lambda response (6 MB) of replies is held for this client.
    expect(maxOmem).toBeLessThanOrEqual(6 * 1024 * 1024);
    reader.socket.resume();
    await reader.waitForReplies(count, 60000);
    expect(reader.replies.every((r) => r.t === 'bulk' && r.v.equals(value))).toBe(true);
    reader.close();
  });

  test('QUIT after big replies: a client that reads late still gets every reply, then the close', async () => {
    const value = Buffer.alloc(120 * 1024, 'q'); // under this proxy's bulk limit
    expect(text(await observer.call('SET', 'bp:quit', value))).toBe('OK');
    const acceptedBefore = proxy.server.metrics.connectionsReceived;
    const c = await RawClient.connect(proxy.port);
    const me = `127.0.0.1:${c.socket.localPort}`;
    c.socket.pause();
    c.write(Buffer.concat([...Array.from({ length: 60 }, () => encodeCommand(['GET', 'bp:quit'])), encodeCommand(['QUIT'])]));
    // Read late: only once the proxy has gone as far as it can without this
    // client reading. Either its replies wait in the proxy (omem > 0: the
    // socket buffers are full), or they all fit in the socket buffers and the
    // proxy answered QUIT, lingered and dropped the connection (gone from
    // CLIENT LIST) — events, not a guess at how long the proxy lingers.
    await waitUntil(async () => {
      // Until the proxy has accepted the connection, a missing entry means nothing.
      if (proxy.server.metrics.connectionsReceived === acceptedBefore) return false;
      const entry = (await clientList(observer)).find((e) => e.addr === me);
      return entry === undefined || Number(entry.omem) > 0;
    });
    c.socket.resume();
    await c.waitForClose();
    expect(c.replies).toHaveLength(61);
    expect(c.replies.slice(0, 60).every((r) => r.t === 'bulk' && r.v.equals(value))).toBe(true);
    expect(plain(c.replies[60])).toBe('OK');
  });

  test('one request larger than --max-pending-bytes is a protocol error (the query buffer limit)', async () => {
    const c = await RawClient.connect(proxy.port);
    const part = Buffer.alloc(100 * 1024, 'x'); // each bulk is within the bulk limit
    c.write(encodeCommand(['DEL', part, part, part]));
    await c.waitForClose();
    expect(c.replies.map(plain)).toEqual([{ error: `ERR Protocol error: request larger than ${PENDING} bytes` }]);
    expect(text(await observer.call('PING'))).toBe('PONG');
  });

  test('small requests with big local replies (COMMAND) do not pile up either', async () => {
    // Every COMMAND reply is the same bytes: learn them once, then check the
    // pipeline's output byte for byte (parsing 10 MB of nested replies is slow).
    const probe = await RawClient.connect(proxy.port);
    await probe.call('COMMAND');
    const one = probe.received;
    probe.close();
    const c = await RawClient.connect(proxy.port);
    c.socket.removeAllListeners('data');
    c.socket.pause();
    const count = 8000; // ~10 MB of replies, more than loopback buffers hold
    c.write(Buffer.from('COMMAND\r\n'.repeat(count)));
    let last = -1;
    let stalled = 0;
    let maxOmem = 0;
    while (stalled < 5) {
      const v = await serverView(c);
      maxOmem = Math.max(maxOmem, Number(v.omem));
      stalled = Number(v['tot-cmds']) === last ? stalled + 1 : 0;
      last = Number(v['tot-cmds']);
      await sleep(30);
    }
    expect(last).toBeLessThan(count);
    expect(maxOmem).toBeLessThanOrEqual(256 * 1024);
    const chunks: Buffer[] = [];
    let got = 0;
    await new Promise<void>((resolve) => {
      c.socket.on('data', (d: Buffer) => {
        chunks.push(d);
        got += d.length;
        if (got >= one * count) resolve();
      });
      c.socket.resume();
    });
    const all = Buffer.concat(chunks);
    expect(all.length).toBe(one * count);
    const first = all.subarray(0, one);
    for (let i = 1; i < count; i++) expect(all.subarray(i * one, (i + 1) * one).equals(first)).toBe(true);
    c.close();
  });
});

describe('framer limits on one request', () => {
  const limits = { maxBulkBytes: 1024, maxArrayLength: 1_000_000, maxInlineBytes: 1024, maxRequestBytes: 10_000 };

  test('many small bulks add up to the request limit', () => {
    const f = new RequestFramer(limits);
    const many = encodeCommand(['DEL', ...Array.from({ length: 200 }, () => Buffer.alloc(100, 'k'))]);
    const r = f.push(many);
    expect(r.error?.message).toBe('Protocol error: request larger than 10000 bytes');
  });

  test('a request of many small bulks in many small reads is framed exactly once (resumed scan)', () => {
    const f = new RequestFramer({ ...limits, maxRequestBytes: undefined });
    const argv = ['DEL', ...Array.from({ length: 100_000 }, (_, i) => `k${i}`)];
    const bytes = encodeCommand(argv);
    // The work is counted, not timed: every byte the request scan reads goes
    // through a counting view of the buffer. Scanning once reads each header
    // byte about once; rescanning from the start on every read of 1000 bytes
    // would read ~500x the request.
    const budget = 4 * bytes.length;
    let reads = 0;
    const counting = (buf: Buffer): Buffer =>
      new Proxy(buf, {
        get(target, prop) {
          if (typeof prop === 'string' && /^\d+$/.test(prop)) {
            if (++reads > budget) throw new Error(`the framer read more than ${budget} bytes scanning a ${bytes.length}-byte request`);
            return target[Number(prop)];
          }
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    const internals = f as unknown as { scanMultibulk(buf: Buffer, start: number, out: unknown[]): number };
    expect(typeof internals.scanMultibulk).toBe('function'); // the scan this test watches
    const scan = internals.scanMultibulk.bind(f);
    internals.scanMultibulk = (buf, start, out) => scan(counting(buf), start, out);
    const got: Buffer[][] = [];
    for (let i = 0; i < bytes.length; i += 1000) {
      const r = f.push(bytes.subarray(i, i + 1000));
      expect(r.error).toBeUndefined();
      got.push(...r.requests.map((q) => q.argv));
    }
    process.stdout.write(`framer: ${reads} byte reads to scan a ${bytes.length}-byte request arriving in 1000-byte reads\n`);
    expect(reads).toBeGreaterThan(argv.length); // the counting view saw the scan: a read or more per bulk
    expect(reads).toBeLessThanOrEqual(budget);
    expect(got).toHaveLength(1);
    expect(got[0].map((b) => b.toString())).toEqual(argv);
    expect(f.pendingBytes).toBe(0);
  });
});
