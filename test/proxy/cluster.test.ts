/**
 * Several proxies over one document (proxy/cluster/): one holds the writer
 * lease and folds the others' write batches into its group commit; a
 * forward that outlives its deadline, or a writer that vanished, never costs
 * a write or applies one twice.
 */
import { execFileSync } from 'node:child_process';
import { once, type EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { CONTRACT_VERSION, type BatchRequest } from '../../lambda/contract';
import { encodeArg } from '../../lambda/contract-wire';
import { Document } from '../../lambda/document';
import { ForwardingExecutor } from '../../proxy/cluster/forwarder';
import { ClusterNode } from '../../proxy/cluster/node';
import { readLines, send } from '../../proxy/cluster/link';
import { InProcessExecutor } from '../../proxy/executors/in-process';
import { failed, type Executor } from '../../proxy/executors/types';
import { MemoryStore } from '../support/memory-store';
import { plain, RawClient } from '../support/resp-client';
import { startProxy, type RunningProxy } from '../support/proxy-harness';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

interface Member {
  proxy: RunningProxy;
  node: ClusterNode;
  inner: InProcessExecutor;
}

/** A proxy as `npm start --bucket … --internal-port …` runs it: its own handler over the shared store. */
async function member(store: MemoryStore, secret: string | null = 'pw', tls?: { cert: Buffer; key: Buffer }): Promise<Member> {
  const inner = new InProcessExecutor(store, { store });
  const node = new ClusterNode(inner, { internalPort: 0, host: '127.0.0.1', leaseMs: 600, forwardDeadlineMs: 1000, forwardSkewMs: 200, secret, tls }, log);
  const proxy = await startProxy(secret ? ['--requirepass', secret] : [], { executor: node.forwarder });
  await node.start(proxy.server);
  return { proxy, node, inner };
}

const counter = (store: MemoryStore, k: string) => Document.decode(store.body('db.json') as Buffer).get(Buffer.from(k))?.toString('latin1');

async function client(m: Member): Promise<RawClient> {
  const c = await RawClient.connect(m.proxy.port);
  expect(plain(await c.call('AUTH', 'pw'))).toBe('OK');
  return c;
}

describe('a cluster of three proxies', () => {
  let store: MemoryStore;
  let members: Member[];
  beforeEach(async () => {
    store = new MemoryStore();
    members = [];
    // One after the other: the first takes the lease, the others see it held.
    for (let i = 0; i < 3; i++) members.push(await member(store));
  });
  afterEach(async () => {
    for (const m of members) {
      await m.node.stop();
      await m.proxy.close();
    }
  });

  test('one writer; the followers forward their writes to it, and every write lands once', async () => {
    const writers = members.filter((m) => m.node.leaseKeeper?.isWriter);
    expect(writers).toHaveLength(1);
    expect(writers[0]).toBe(members[0]);
    const clients = await Promise.all(members.flatMap((m) => [client(m), client(m)]));
    await Promise.all(clients.map(async (c) => {
      for (let i = 0; i < 20; i++) expect(plain(await c.call('INCR', 'n'))).toEqual(expect.any(Number));
    }));
    expect(counter(store, 'n')).toBe(String(20 * clients.length));
    // Reads stay local: a follower answers GET without the writer.
    expect(plain(await clients[5].call('GET', 'n'))).toBe(String(20 * clients.length));
    expect(members[1].node.forwarder.counts.forwarded + members[2].node.forwarder.counts.forwarded).toBeGreaterThan(0);
    expect(members[1].node.forwarder.counts.fellBack + members[2].node.forwarder.counts.fellBack).toBe(0);
    for (const c of clients) c.close();
  });

  test('the writer gone: followers commit themselves at once, and one of them takes the lease', async () => {
    const [writer, a] = [members[0], members[1]];
    const c = await client(a);
    expect(plain(await c.call('SET', 'k', '1'))).toBe('OK');
    expect(a.node.forwarder.counts.forwarded).toBe(1);
    // The writer's internal port closes (as a killed task's would).
    await writer.node.internal?.close();
    expect(plain(await c.call('SET', 'k', '2'))).toBe('OK');
    expect(a.node.forwarder.counts.fellBack).toBe(1);
    // It stops renewing: within a lease's time another proxy holds it.
    await writer.node.stop();
    const followers = members.slice(1);
    while (!followers.some((m) => m.node.leaseKeeper?.isWriter)) {
      await Promise.race(followers.map((m) => once(m.node.leaseKeeper?.events as EventEmitter, 'changed')));
    }
    expect(plain(await c.call('SET', 'k', '3'))).toBe('OK');
    expect(counter(store, 'k')).toBe('3');
    c.close();
  });
});

describe('exactly-once across a forward', () => {
  const incr = (batchId: string): BatchRequest => ({ v: CONTRACT_VERSION, batchId, sessions: [{ id: '0', commands: [['INCR', 'c'].map((w) => encodeArg(Buffer.from(w)))] }] });

  test("a forward delivered after the follower's fallback committed it is applied once", async () => {
    const store = new MemoryStore();
    const writer = await member(store);
    const follower = new InProcessExecutor(store, { store });
    try {
      // The follower gave up on the writer and committed F itself.
      const direct = await follower.execute(incr('follower-F'));
      expect(direct.ok && direct.sessions[0].replies).toEqual([{ t: 'int', v: 1 }]);
      // The delayed forward reaches the writer, inside its deadline.
      const late = await writer.proxy.server.batcher.submitForwarded(incr('follower-F'), Date.now() + 1000);
      expect('res' in late && late.res.ok && late.res.sessions[0].replies).toEqual([{ t: 'int', v: 1 }]);
      expect(counter(store, 'c')).toBe('1');
    } finally {
      await writer.node.stop();
      await writer.proxy.close();
    }
  });

  test('a batch carrying a forward, on a proxy that now forwards itself (two writers after a lease steal), is committed there at once, never forwarded again', async () => {
    const store = new MemoryStore();
    const writer = await member(store);
    // The middle proxy has learnt that `writer` holds the lease now.
    const middle = new ForwardingExecutor(new InProcessExecutor(store, { store }), { secret: 'pw', deadlineMs: 1000, skewMs: 200, log });
    middle.setWriter(`127.0.0.1:${writer.node.internal?.port}`);
    try {
      // Its batch carries a session a follower forwarded to it (origin follower-X).
      const req = incr('middle-M');
      req.sessions[0].origin = 'follower-X';
      const res = await middle.execute(req);
      expect(res.ok && res.sessions[0].replies).toEqual([{ t: 'int', v: 1 }]);
      expect(middle.counts).toEqual({ forwarded: 0, fellBack: 0, dropped: 0 });
      // Forwarded again, the writer would have recorded only middle-M: the
      // follower's fallback under follower-X would then apply the INCR twice.
      const again = await new InProcessExecutor(store, { store }).execute(incr('follower-X'));
      expect(again.ok && again.sessions[0].replies).toEqual([{ t: 'int', v: 1 }]);
      expect(counter(store, 'c')).toBe('1');
    } finally {
      await middle.close();
      await writer.node.stop();
      await writer.proxy.close();
    }
  });

  test('a forward whose answer was lost is never "not applied": the writer may have committed it', async () => {
    const store = new MemoryStore();
    const writer = await member(store);
    // A link that delivers the forward to the writer and loses its answer.
    const silent = net.createServer((socket) => {
      readLines(socket, (m) => {
        if (m.t === 'auth') return void send(socket, { t: 'ready' });
        if (m.t === 'fwd') void writer.proxy.server.batcher.submitForwarded(m.req as BatchRequest, m.deadline as number);
      });
    });
    silent.listen(0, '127.0.0.1');
    await once(silent as EventEmitter, 'listening');
    // The follower's own path fails before it could read db.json afresh.
    let fellBack: BatchRequest | undefined;
    const refusing: Executor = { description: 'refusing', ready: async () => undefined, close: async () => undefined, execute: async (req) => ((fellBack = req), failed(req, 'not-applied', 'the storage check failed')) };
    const follower = new ForwardingExecutor(refusing, { secret: 'pw', deadlineMs: 300, skewMs: 100, log });
    follower.setWriter(`127.0.0.1:${(silent.address() as net.AddressInfo).port}`);
    try {
      const res = await follower.execute(incr('follower-L'));
      expect(counter(store, 'c')).toBe('1');
      expect(res.ok ? null : res.failure.kind).toBe('unknown');
      // The writer may still be committing it: the fallback records its id even as a no-op (BatchRequest.fence).
      expect(fellBack?.fence).toBe(true);
    } finally {
      silent.close();
      await follower.close();
      await writer.node.stop();
      await writer.proxy.close();
    }
  });

  test('a forward past its deadline is dropped unsent, and the writer says so', async () => {
    const store = new MemoryStore();
    const writer = await member(store);
    try {
      const late = await writer.proxy.server.batcher.submitForwarded(incr('follower-G'), Date.now() - 1);
      expect(late).toEqual({ dropped: expect.any(String) });
      expect(store.body('db.json')).toBeUndefined();
    } finally {
      await writer.node.stop();
      await writer.proxy.close();
    }
  });

  test('the internal port answers only a follower with the secret', async () => {
    const store = new MemoryStore();
    const writer = await member(store);
    try {
      const socket = net.connect(writer.node.internal?.port as number, '127.0.0.1');
      const closed = new Promise<void>((r) => socket.on('close', () => r()));
      const got: unknown[] = [];
      readLines(socket, (m) => got.push(m));
      socket.on('connect', () => send(socket, { t: 'auth', secret: 'wrong' }));
      await closed;
      expect(got).toEqual([]);
    } finally {
      await writer.node.stop();
      await writer.proxy.close();
    }
  });
});

describe('the internal link over TLS', () => {
  /** A throw-away self-signed P-256 certificate (milliseconds with openssl). */
  function certificate(dir: string, name: string): { cert: Buffer; key: Buffer } {
    const [cert, key] = [path.join(dir, `${name}.pem`), path.join(dir, `${name}.key`)];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=valthree'], { stdio: 'ignore' });
    return { cert: fs.readFileSync(cert), key: fs.readFileSync(key) };
  }

  test("forwards travel over TLS between proxies with the cluster's certificate; a writer with another certificate is not trusted", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-link-'));
    const [ours, theirs] = [certificate(dir, 'ours'), certificate(dir, 'theirs')];
    const store = new MemoryStore();
    const writer = await member(store, 'pw', ours);
    const follower = await member(store, 'pw', ours);
    const stranger = await member(new MemoryStore(), 'pw', theirs);
    try {
      const c = await client(follower);
      expect(plain(await c.call('INCR', 'n'))).toBe(1);
      expect(follower.node.forwarder.counts.forwarded).toBe(1);
      // Pointed at a writer whose certificate is not the cluster's (its lease keeper stopped, so nothing points it back): nothing is sent, it commits itself.
      await follower.node.leaseKeeper?.stop();
      follower.node.forwarder.setWriter(`127.0.0.1:${stranger.node.internal?.port}`);
      expect(plain(await c.call('INCR', 'n'))).toBe(2);
      expect(follower.node.forwarder.counts).toMatchObject({ forwarded: 1, fellBack: 1 });
      expect(stranger.node.internal?.counts.forwards).toBe(0);
      c.close();
    } finally {
      for (const m of [stranger, follower, writer]) {
        await m.node.stop();
        await m.proxy.close();
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
