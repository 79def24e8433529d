/**
 * The three places a connection's commands are cut, and a transaction that
 * is never cut by any of them: the session's submission limits (EXEC is one
 * command), the engine's reply budget (EXEC is undone whole), and the
 * re-queueing of what a batch did not get to (EXEC is re-sent whole, with
 * its queue and its WATCHes, in a later batch).
 */
import Redis from 'ioredis';
import { decodeTransaction, isTransaction, type BatchRequest } from '../../lambda/contract';
import { decodeArg, toWire } from '../../lambda/contract-wire';
import { Document } from '../../lambda/document';
import { execute } from '../../lambda/engine';
import type { Executor } from '../../proxy/executors/types';
import { MemoryStore } from '../support/memory-store';
import { startProxy, type RunningProxy } from '../support/proxy-harness';
import { InProcessExecutor } from '../../proxy/executors/in-process';
import { b, bulk } from '../lambda/util';

test('engine: an EXEC whose reply does not fit the budget is undone whole and the batch stops before it', () => {
  const doc = Document.empty();
  doc.set(b('big'), Buffer.alloc(1000, 'x'));
  doc.begin();
  const tx = [Buffer.from('EXEC'), Buffer.from(JSON.stringify({ watch: [], commands: [{ db: 0, argv: ['INCR', 'n'].map((w) => Buffer.from(w).toString('base64')) }, { db: 0, argv: ['GET', 'big'].map((w) => Buffer.from(w).toString('base64')) }] }))];
  const r = execute(doc, [[[b('GET'), b('big')]], [tx]], { now: 0, replyBudget: 1500 });
  expect(r.complete).toBe(false);
  expect(r.replies.map((rs) => rs.map(toWire))).toEqual([[bulk(Buffer.alloc(1000, 'x'))], []]);
  expect(doc.has(b('n'))).toBe(false);
  expect(doc.mark()).toBe(0);
});

/**
 * An executor that can hold a batch until released, and the first time
 * an EXEC is not its batch's first session, leaves it out and answers it
 * nothing — what the handler does when the EXEC's reply no longer fits the
 * response after the sessions before it.
 */
class CutOnceExecutor implements Executor {
  readonly description = 'cut-once';
  /** Queued commands of every EXEC sent, in order. */
  readonly sentExecs: number[] = [];
  private cut = false;
  /** Set: the next batch waits for open(). */
  hold = false;
  private release!: () => void;
  private readonly held = new Promise<void>((r) => (this.release = r));
  private enter!: () => void;
  /** Resolves once the held batch has reached the executor. */
  readonly entered = new Promise<void>((r) => (this.enter = r));
  constructor(private readonly inner: Executor) {}
  ready = () => this.inner.ready();
  close = () => this.inner.close();
  open(): void {
    this.release();
  }
  async execute(req: BatchRequest): Promise<BatchResponse> {
    if (this.hold) {
      this.hold = false;
      this.enter();
      await this.held;
    }
    req.sessions.forEach((s, n) => {
      const i = s.commands.findIndex((c) => isTransaction(c.map(decodeArg)));
      if (i < 0) return;
      this.sentExecs.push(decodeTransaction(s.commands[i].map(decodeArg))?.commands.length ?? -1);
      if (!this.cut && n > 0) {
        this.cut = true;
        s.commands = [];
      }
    });
    return this.inner.execute(req);
  }
}
type BatchResponse = Awaited<ReturnType<Executor['execute']>>;

let proxy: RunningProxy;
let cutter: CutOnceExecutor;
beforeAll(async () => {
  const store = new MemoryStore();
  cutter = new CutOnceExecutor(new InProcessExecutor(store, { store }));
  proxy = await startProxy([], { executor: cutter });
});
afterAll(async () => proxy.close());

/** Resolves once the connection has a command in flight (CLIENT LIST's pipeline field), i.e. queued in the batcher. */
async function inFlight(observer: Redis, id: unknown): Promise<void> {
  for (;;) {
    const line = String(await observer.client('LIST'))
      .split('\n')
      .find((l) => l.startsWith(`id=${id} `));
    if (line && / pipeline=[1-9]/.test(line)) return;
  }
}

test('proxy: an EXEC the handler did not get to is sent again whole, with its queue and WATCHes', async () => {
  const [c, other, third, observer] = [0, 1, 2, 3].map(() => new Redis(proxy.port, '127.0.0.1'));
  try {
    const [cId, thirdId] = [await c.client('ID'), await third.client('ID')];
    await c.set('k', '1');
    await c.watch('k');
    await c.multi({ pipeline: false });
    await c.incr('k');
    await c.get('k');
    cutter.hold = true;
    const held = other.set('h', '0'); // the writes after it queue up behind it
    await cutter.entered;
    // Both leave in the next batch, the other connection's write first.
    const j = third.set('j', '2');
    await inFlight(observer, thirdId);
    const exec = c.exec();
    await inFlight(observer, cId);
    cutter.open();
    await held;
    expect(await j).toBe('OK');
    expect(await exec).toEqual([[null, 2], [null, '2']]);
    expect(cutter.sentExecs).toEqual([2, 2]);
  } finally {
    for (const x of [c, other, third, observer]) x.disconnect();
  }
});
