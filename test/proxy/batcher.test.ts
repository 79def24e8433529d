/**
 * Group commit's bookkeeping: every submission of a batch gets its own
 * answer, also when the handler's response budget cut the batch short.
 */
import type { BatchRequest, BatchResponse, WireReply } from '../../lambda/contract';
import { createHandler } from '../../lambda/handler';
import { Batcher, DEFAULT_BATCH_LIMITS } from '../../proxy/batcher';
import type { Executor } from '../../proxy/executors/types';
import { InProcessExecutor } from '../../proxy/executors/in-process';
import { Metrics } from '../../proxy/metrics';
import { MemoryStore } from '../support/memory-store';

const BIG = 3_000_000;

async function setUp() {
  const store = new MemoryStore();
  const executor = new InProcessExecutor(store, { store });
  const metrics = new Metrics();
  const batcher = new Batcher(executor, DEFAULT_BATCH_LIMITS, metrics);
  const direct = createHandler({ store });
  const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
  // Two 3 MB values: each GET's reply fits one Lambda response, both together do not.
  await direct({ v: 1, batchId: 'seed', sessions: [{ id: '0', commands: [[b64('SET'), b64('a'), b64(Buffer.alloc(BIG, 0x61))], [b64('SET'), b64('b'), b64(Buffer.alloc(BIG, 0x62))]] }] });
  return { batcher, metrics };
}

test('reads of two connections that do not fit one response are both answered, not "reply too large"', async () => {
  const { batcher, metrics } = await setUp();
  const [ra, rb] = await Promise.all([batcher.submit([[Buffer.from('GET'), Buffer.from('a')]], false), batcher.submit([[Buffer.from('GET'), Buffer.from('b')]], false)]);
  expect(ra).toHaveLength(1);
  expect(rb).toHaveLength(1);
  expect(ra[0].t === 'bulk' && ra[0].v.equals(Buffer.alloc(BIG, 0x61))).toBe(true);
  expect(rb[0].t === 'bulk' && rb[0].v.equals(Buffer.alloc(BIG, 0x62))).toBe(true);
  // The second went out again in a batch of its own.
  expect(metrics.batches).toBe(2);
});

test('in a write batch, a connection cut off by an earlier big reply runs in the next batch, all of it', async () => {
  const { batcher, metrics } = await setUp();
  const cmd = (...w: string[]) => w.map((x) => Buffer.from(x));
  const [one, two] = await Promise.all([
    batcher.submit([cmd('GET', 'a'), cmd('SET', 'x', '1')], true),
    batcher.submit([cmd('GET', 'b'), cmd('SET', 'y', '2')], true),
  ]);
  expect(one.map((r) => r.t)).toEqual(['bulk', 'simple']);
  expect(two.map((r) => r.t)).toEqual(['bulk', 'simple']);
  expect(metrics.batches).toBe(2);
  expect(await batcher.submit([cmd('GET', 'x'), cmd('GET', 'y')], false)).toEqual([
    { t: 'bulk', v: Buffer.from('1') },
    { t: 'bulk', v: Buffer.from('2') },
  ]);
});

describe('the batcher trusts no response to be complete', () => {
  /** An executor that answers every batch with what `answer` makes of its request. */
  const fake = (answer: (req: BatchRequest) => BatchResponse): Executor => ({
    description: 'fake',
    ready: async () => undefined,
    execute: async (req) => answer(req),
    close: async () => undefined,
  });
  const stats = { s3Gets: 0, s3Puts: 0, conflicts: 0, keys: 0, replayed: false };
  const cmd = (...w: string[]) => w.map((x) => Buffer.from(x));
  /** Two connections' submissions that land in one batch. */
  const both = (batcher: Batcher) => Promise.all([batcher.submit([cmd('SET', 'a', '1')], true), batcher.submit([cmd('SET', 'b', '2'), cmd('SET', 'c', '3')], true)]);

  test('a session missing from the response: its commands are "outcome unknown", the others answered', async () => {
    const batcher = new Batcher(fake((req) => ({ v: 1, batchId: req.batchId, ok: true, sessions: [{ id: '0', replies: [{ t: 'simple', v: 'OK' }] }], stats })), DEFAULT_BATCH_LIMITS, new Metrics());
    const [one, two] = await both(batcher);
    expect(one).toEqual([{ t: 'simple', v: 'OK' }]);
    expect(two).toHaveLength(2);
    for (const r of two) expect(r.t === 'error' && r.v).toMatch(/^UNKNOWN outcome unknown: the response carried no replies for this connection/);
  });

  test('sessions are matched by id, not by position', async () => {
    const batcher = new Batcher(
      fake((req) => ({
        v: 1,
        batchId: req.batchId,
        ok: true,
        sessions: [...req.sessions].reverse().map((s) => ({ id: s.id, replies: s.commands.map(() => ({ t: 'simple' as const, v: `for ${s.id}` })) })),
        stats,
      })),
      DEFAULT_BATCH_LIMITS,
      new Metrics(),
    );
    const [one, two] = await both(batcher);
    expect(one).toEqual([{ t: 'simple', v: 'for 0' }]);
    expect(two).toEqual([{ t: 'simple', v: 'for 1' }, { t: 'simple', v: 'for 1' }]);
  });

  test('a response that breaks while being read (an executor that skipped validation) answers "outcome unknown", never hangs', async () => {
    const broken = { t: 'bulk', v: 42 } as unknown as WireReply;
    const batcher = new Batcher(fake((req) => ({ v: 1, batchId: req.batchId, ok: true, sessions: req.sessions.map((s) => ({ id: s.id, replies: [broken] })), stats })), DEFAULT_BATCH_LIMITS, new Metrics());
    const [one, two] = await both(batcher);
    for (const r of [...one, ...two]) expect(r.t === 'error' && r.v).toMatch(/^UNKNOWN outcome unknown: internal error while reading the response/);
    expect(two).toHaveLength(2);
  });
});
