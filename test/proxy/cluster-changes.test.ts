/**
 * The internal link's `changed` message (proxy/cluster/link.ts): the writer
 * tells every authenticated follower — and nobody else — the change marks of
 * each commit it lands, its own batches and folded forwards alike, ahead of
 * its answers; a follower wakes exactly its clients blocked on those keys,
 * and does not take the same marks again from the answer to its forward.
 */
import { once, EventEmitter } from 'node:events';
import * as net from 'node:net';
import pino from 'pino';
import { EVERYTHING, MAX_MARKS_PER_COMMIT, keyMark } from '../../lambda/changes';
import { CONTRACT_VERSION, type BatchRequest, type BatchResponse, type ChangeMarks } from '../../lambda/contract';
import { encodeArg } from '../../lambda/contract-wire';
import { ParkedClients, type Wake } from '../../proxy/blocking';
import { ForwardingExecutor } from '../../proxy/cluster/forwarder';
import { readLines, send } from '../../proxy/cluster/link';
import { ClusterNode } from '../../proxy/cluster/node';
import { InProcessExecutor } from '../../proxy/executors/in-process';
import { failed, type Executor } from '../../proxy/executors/types';
import { Metrics } from '../../proxy/metrics';
import { MemoryStore } from '../support/memory-store';
import { startProxy, type RunningProxy } from '../support/proxy-harness';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const mark = (key: string, db = 0) => keyMark(db, Buffer.from(key));
const batch = (batchId: string, ...argv: string[]): BatchRequest => ({ v: CONTRACT_VERSION, batchId, sessions: [{ id: '0', commands: [argv.map((w) => encodeArg(Buffer.from(w)))] }] });

/** A raw connection to an internal port, keeping every message it gets. */
class Peer {
  readonly socket: net.Socket;
  readonly got: Record<string, unknown>[] = [];
  readonly closed: Promise<void>;
  private readonly events = new EventEmitter();

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.closed = new Promise((r) => this.socket.once('close', () => r()));
    readLines(this.socket, (m) => {
      this.got.push(m);
      this.events.emit('message');
    });
  }

  async connected(): Promise<this> {
    if (this.socket.connecting) await once(this.socket, 'connect');
    return this;
  }

  /** Resolves once `n` messages have come. */
  async until(n: number): Promise<Record<string, unknown>[]> {
    while (this.got.length < n) await once(this.events, 'message');
    return this.got;
  }
}

describe("the writer's side", () => {
  let proxy: RunningProxy;
  let node: ClusterNode;
  const peers: Peer[] = [];
  beforeEach(async () => {
    const store = new MemoryStore();
    node = new ClusterNode(new InProcessExecutor(store, { store }), { internalPort: 0, host: '127.0.0.1', leaseMs: 30000, forwardDeadlineMs: 1000, forwardSkewMs: 200, secret: 'pw' }, log);
    proxy = await startProxy(['--requirepass', 'pw'], { executor: node.forwarder });
    await node.start(proxy.server);
  });
  afterEach(async () => {
    for (const p of peers.splice(0)) p.socket.destroy();
    await node.stop();
    await proxy.close();
  });
  const peer = (): Promise<Peer> => {
    const p = new Peer(node.internal?.port as number);
    peers.push(p);
    return p.connected();
  };
  const push = (key: string) => proxy.server.batcher.submit([['LPUSH', key, 'v'].map((w) => Buffer.from(w))], true);

  test('only an authenticated follower hears what a commit changed, from its authentication on', async () => {
    const follower = await peer();
    send(follower.socket, { t: 'auth', secret: 'pw' });
    expect(await follower.until(1)).toEqual([{ t: 'ready', changes: true }]);
    // Connected, not (yet) authenticated: a commit lands meanwhile.
    const [later, stranger] = [await peer(), await peer()];
    await push('q');
    expect((await follower.until(2))[1]).toEqual({ t: 'changed', marks: [mark('q')] });
    // The writer told every follower in one go: had it told these two, it would have been before anything else.
    send(stranger.socket, { t: 'auth', secret: 'wrong' });
    await stranger.closed;
    expect(stranger.got).toEqual([]);
    send(later.socket, { t: 'auth', secret: 'pw' });
    expect(await later.until(1)).toEqual([{ t: 'ready', changes: true }]);
    await push('q2');
    expect((await later.until(2))[1]).toEqual({ t: 'changed', marks: [mark('q2')] });
    expect((await follower.until(3))[2]).toEqual({ t: 'changed', marks: [mark('q2')] });
  });

  test("a forward's commit is told to every follower, to its own ahead of the answer (which carries the same marks)", async () => {
    const [a, b] = [await peer(), await peer()];
    for (const p of [a, b]) send(p.socket, { t: 'auth', secret: 'pw' });
    await Promise.all([a.until(1), b.until(1)]);
    send(a.socket, { t: 'fwd', n: 1, deadline: Date.now() + 5000, req: batch('follower-A-1', 'RPUSH', 'jobs', 'j1') });
    const [, told, answer] = await a.until(3);
    expect(told).toEqual({ t: 'changed', marks: [mark('jobs')] });
    expect(answer).toMatchObject({ t: 'res', n: 1, res: { ok: true, changed: [mark('jobs')] } });
    expect((await b.until(2))[1]).toEqual(told);
  });

  test("a message is bounded: a commit that changed more keys than a record keeps marks for is told as `*`", async () => {
    const follower = await peer();
    send(follower.socket, { t: 'auth', secret: 'pw' });
    await follower.until(1);
    const pairs = Array.from({ length: MAX_MARKS_PER_COMMIT + 1 }, (_, i) => [`k${i}`, 'v']).flat();
    await proxy.server.batcher.submit([['MSET', ...pairs].map((w) => Buffer.from(w))], true);
    expect((await follower.until(2))[1]).toEqual({ t: 'changed', marks: [EVERYTHING] });
  });

  test('a commit that changed nothing is not told', async () => {
    const follower = await peer();
    send(follower.socket, { t: 'auth', secret: 'pw' });
    await follower.until(1);
    await proxy.server.batcher.submit([['LPOP', 'empty'].map((w) => Buffer.from(w))], true);
    await push('after');
    // The first thing told is the second commit's.
    expect((await follower.until(2))[1]).toEqual({ t: 'changed', marks: [mark('after')] });
  });
});

describe("a follower's side", () => {
  /** A writer speaking the link by hand: answers each forward, telling `marks` first. */
  async function fakeWriter(ready: Record<string, unknown>, marks: ChangeMarks) {
    let link: net.Socket | null = null;
    const server = net.createServer((s) => {
      link = s;
      readLines(s, (m) => {
        if (m.t === 'auth') return void s.write(JSON.stringify(ready) + '\n');
        const req = m.req as BatchRequest;
        const res: BatchResponse = { v: CONTRACT_VERSION, batchId: req.batchId, ok: true, sessions: [{ id: '0', replies: [{ t: 'int', v: 1 }] }], stats: { s3Gets: 0, s3Puts: 0, conflicts: 0, keys: 0, replayed: false }, changed: marks };
        if (ready.changes === true) send(s, { t: 'changed', marks });
        send(s, { t: 'res', n: m.n as number, res });
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const tell = (m: Record<string, unknown>) => (link as net.Socket).write(JSON.stringify(m) + '\n');
    return { server, tell, address: `127.0.0.1:${(server.address() as net.AddressInfo).port}` };
  }

  const unused: Executor = { description: 'unused', ready: async () => undefined, close: async () => undefined, execute: async (req) => failed(req, 'not-applied', 'not this way') };
  const metrics = new Metrics();
  const parked = new ParkedClients(60_000, metrics);
  const aborts: AbortController[] = [];
  afterEach(() => {
    for (const a of aborts.splice(0)) a.abort();
  });
  /** A client parked on `key` (in `db`); its promise says why it woke. */
  const park = (key: string, db = 0): Promise<Wake> => {
    const signal = new AbortController();
    aborts.push(signal);
    return parked.park({ db, keys: [Buffer.from(key)], deadline: Infinity, since: parked.generation, signal: signal.signal });
  };

  test('marks told on the link wake exactly the clients blocked on those keys; an answer does not tell them twice', async () => {
    const writer = await fakeWriter({ t: 'ready', changes: true }, [mark('a')]);
    const follower = new ForwardingExecutor(unused, { secret: 'pw', deadlineMs: 1000, skewMs: 200, log, onChanged: (m) => parked.committed(m) });
    follower.setWriter(writer.address);
    try {
      const [a, b, c, aInDb1] = [park('a'), park('b'), park('c'), park('a', 1)];
      const wakeups = metrics.blockWakeups;
      const res = await follower.execute(batch('f-1', 'LPUSH', 'a', 'x'));
      expect(res.ok && res.sessions[0].replies).toEqual([{ t: 'int', v: 1 }]);
      // Its commit's marks came on the link: the answer no longer carries them (the batcher would wake the same clients again).
      expect(res.ok && res.changed).toBeUndefined();
      expect(await a).toBe('retry');
      expect(metrics.blockWakeups).toBe(wakeups + 1);
      expect(parked.parked).toBe(3);
      // Marks told for another proxy's commit; a message type this follower does not know is ignored.
      writer.tell({ t: 'future', whatever: 1 });
      writer.tell({ t: 'changed', marks: [mark('b')] });
      expect(await b).toBe('retry');
      expect(parked.parked).toBe(2);
      // Malformed marks: anything may have changed, so everyone retries.
      writer.tell({ t: 'changed', marks: 'not a list' });
      expect(await Promise.all([c, aInDb1])).toEqual(['retry', 'retry']);
      expect(metrics.blockWakeups).toBe(wakeups + 4);
      expect(follower.counts).toEqual({ forwarded: 1, fellBack: 0, dropped: 0 });
    } finally {
      await follower.close();
      writer.server.close();
    }
  });

  test('a writer that does not tell marks (an older version): the answer keeps its own', async () => {
    const writer = await fakeWriter({ t: 'ready' }, [mark('k')]);
    const follower = new ForwardingExecutor(unused, { secret: 'pw', deadlineMs: 1000, skewMs: 200, log, onChanged: (m) => parked.committed(m) });
    follower.setWriter(writer.address);
    try {
      const res = await follower.execute(batch('f-2', 'SET', 'k', 'v'));
      expect(res.ok && res.changed).toEqual([mark('k')]);
    } finally {
      await follower.close();
      writer.server.close();
    }
  });
});
